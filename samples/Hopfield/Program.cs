using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Compiled.Nets;
using Compiled.Nets.Plotting;

namespace Compiled.Nets.Samples.Hopfield;

/// <summary>
/// The Hopfield capacity experiment (docs/hopfield.md): recall success against the load P/N with 10% of the bits flipped,
/// for N = 100, 200, 500 and 1,000; a table on the console and an SVG chart with the theoretical capacity 0.138 marked.
/// Usage: Hopfield [output directory] [--quick]
/// </summary>
public static class Program
{
    /// <summary>Trials per memory size: more for small N, whose few patterns per trial give few probes at low loads.</summary>
    private static readonly (Func<IHopfieldMemory> Create, int Trials)[] Sizes =
    {
        (() => new Memory100(), 400), (() => new Memory200(), 200), (() => new Memory500(), 80), (() => new Memory1000(), 40),
    };

    public const int ProbesPerTrial = 25, Seed = 2024;

    public static int Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        string output = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? Directory.GetCurrentDirectory();
        Directory.CreateDirectory(output);
        var loads = CapacityExperiment.DefaultLoads();
        Console.WriteLine($"Hopfield capacity: Hebb's rule, asynchronous recall (random order), {CapacityExperiment.FlipFraction:P0} of the bits flipped;");
        Console.WriteLine($"success = final overlap with the stored pattern >= {CapacityExperiment.OverlapThreshold}. {Environment.ProcessorCount} cores.");

        var results = new List<IReadOnlyList<CapacityPoint>>();
        var total = Stopwatch.StartNew();
        foreach (var (create, fullTrials) in Sizes)
        {
            int trials = quick ? Math.Max(4, fullTrials / 10) : fullTrials;
            int n = create().Neurons;
            var clock = Stopwatch.StartNew();
            int lastShown = 0;
            var progress = new SynchronousProgress(done =>
            {
                int percent = done * 100 / trials;
                if (percent < lastShown + 25 && done != trials) return;
                lastShown = percent;
                Console.WriteLine($"  N = {n,4}: {done}/{trials} trials ({clock.Elapsed.TotalSeconds:F1} s)");
            });
            var points = CapacityExperiment.Run(create, loads, trials, ProbesPerTrial, Seed, progress);
            results.Add(points);
            Console.WriteLine($"N = {n}: {points.Sum(p => p.Probes):N0} recalls in {clock.Elapsed.TotalSeconds:F1} s");
        }
        Console.WriteLine($"All sizes in {total.Elapsed.TotalSeconds:F1} s.");
        Console.WriteLine();

        string table = Table(results);
        Console.Write(table);
        Console.WriteLine();
        foreach (var points in results)
        {
            double? half = CapacityExperiment.HalfRecallLoad(points);
            Console.WriteLine($"N = {points[0].Neurons,4}: recall falls below 50% at P/N = {(half is { } h ? h.ToString("F3", CultureInfo.InvariantCulture) : "(never, up to 0.25)")}");
        }

        string svg = Path.Combine(output, "hopfield-capacity.svg");
        Chart(results).WriteSvg(svg);
        File.WriteAllText(Path.Combine(output, "hopfield-capacity.md"), table);
        Console.WriteLine($"Wrote {svg} and hopfield-capacity.md.");
        return 0;
    }

    /// <summary>Per load, for each N: the recall success (overlap ≥ 0.99) and, in brackets, exact recall, in percent.</summary>
    public static string Table(IReadOnlyList<IReadOnlyList<CapacityPoint>> results)
    {
        var text = new StringBuilder();
        text.Append("| P/N |");
        foreach (var points in results) text.Append($" N = {points[0].Neurons} |");
        text.AppendLine();
        text.Append("|---|");
        foreach (var _ in results) text.Append("---|");
        text.AppendLine();
        for (int l = 0; l < results[0].Count; l++)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {results[0][l].Load:F2} |");
            foreach (var points in results)
            {
                var p = points[l];
                text.Append(CultureInfo.InvariantCulture, $" {100 * p.Success,5:F1} ({100 * p.ExactSuccess:F1}) |");
            }
            text.AppendLine();
        }
        return text.ToString();
    }

    public static LineChart Chart(IReadOnlyList<IReadOnlyList<CapacityPoint>> results) => new()
    {
        Title = "Hopfield network: recall with 10% of the bits flipped",
        XLabel = "load P/N",
        YLabel = "recall success (final overlap ≥ 0.99)",
        XMin = 0, XMax = 0.25, YMin = 0, YMax = 100, YUnit = "%",
        Series = results.Select(points => new LineSeries($"N = {points[0].Neurons}",
            points.Select(p => (p.Load, 100 * p.Success)).ToList())).ToList(),
        Markers = new[] { new VerticalMarker(0.138, "0.138 (theory, N → ∞)") },
    };

    /// <summary>Reports on the calling thread of Report (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        private readonly object _gate = new();

        public void Report(int value)
        {
            lock (_gate) report(value);
        }
    }
}
