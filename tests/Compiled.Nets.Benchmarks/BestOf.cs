using System;
using System.Diagnostics;

namespace Compiled.Nets.Benchmarks;

/// <summary>
/// The stopwatch timing of the quick modes (`--quick`, `--quick-xor`, `--quick-xor-parts`, `--layers`): the fastest of many
/// short runs after a warm-up. On a shared machine most runs are interrupted at some point, and the fastest is the least
/// disturbed; BenchmarkDotNet's suites give the figures that are quoted.
/// </summary>
internal static class BestOf
{
    /// <summary>
    /// Seconds per call of <paramref name="action"/>: warmed up for <paramref name="warmUpSeconds"/> (long enough for the JIT's
    /// optimised code), then the fastest of <paramref name="runs"/> runs of about <paramref name="secondsPerRun"/> each.
    /// </summary>
    public static double SecondsPerCall(Action action, double warmUpSeconds, int runs, double secondsPerRun)
    {
        var warm = Stopwatch.StartNew();
        long calls = 0;
        while (warm.Elapsed.TotalSeconds < warmUpSeconds) { action(); calls++; }
        int iterations = (int)Math.Clamp(calls * secondsPerRun / warm.Elapsed.TotalSeconds, 1, int.MaxValue);
        double best = double.MaxValue;
        for (int r = 0; r < runs; r++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < iterations; i++) action();
            best = Math.Min(best, clock.Elapsed.TotalSeconds / iterations);
        }
        return best;
    }

    /// <summary>
    /// Seconds per call of each action, measured in rounds: every round runs each action for about
    /// <paramref name="secondsPerRun"/> in turn and the fastest round of each is kept. On a machine that others load, the
    /// parts of a breakdown then see the same conditions, which <see cref="SecondsPerCall"/> one after another would not give.
    /// </summary>
    public static double[] Interleaved(Action[] actions, double warmUpSeconds, int rounds, double secondsPerRun)
    {
        var iterations = new int[actions.Length];
        for (int a = 0; a < actions.Length; a++)
        {
            var warm = Stopwatch.StartNew();
            long calls = 0;
            while (warm.Elapsed.TotalSeconds < warmUpSeconds) { actions[a](); calls++; }
            iterations[a] = (int)Math.Clamp(calls * secondsPerRun / warm.Elapsed.TotalSeconds, 1, int.MaxValue);
        }
        var best = new double[actions.Length];
        Array.Fill(best, double.MaxValue);
        for (int r = 0; r < rounds; r++)
            for (int a = 0; a < actions.Length; a++)
            {
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < iterations[a]; i++) actions[a]();
                best[a] = Math.Min(best[a], clock.Elapsed.TotalSeconds / iterations[a]);
            }
        return best;
    }
}
