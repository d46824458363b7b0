using System;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TorchSharp;

namespace Compiled.Nets.Benchmarks.TorchSharp;

/// <summary>
/// `dotnet run -c Release --project tests/Compiled.Nets.Benchmarks.TorchSharp -- [--quick] [--check] [--quick-lstm] [BenchmarkDotNet args]`.
/// Benchmarks run in this process: a BenchmarkDotNet child build would copy LibTorch again, without the
/// GLIBCXX fix that this project's build applies. --quick is BenchmarkDotNet's short job; --check runs one
/// forward pass and prints it (the libraries load and compute).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Contains("--check"))
        {
            using var y = torch.nn.functional.softmax(torch.tensor(new float[] { 1f, 2f, 3f }), 0);
            Console.WriteLine($"LibTorch {torch.__version__}, {torch.get_num_threads()} threads: softmax(1, 2, 3) = " +
                string.Join(", ", y.data<float>().ToArray().Select(v => v.ToString("F4"))));
            return 0;
        }
        if (args.Contains("--quick-lstm"))
        {
            QuickLstm();
            return 0;
        }
        // In-process runs stop a benchmark after 5 minutes by default; a loaded machine can stall the multi-threaded
        // cases that long, and 30 iterations are plenty for an anchor.
        var job = (args.Contains("--quick") ? Job.ShortRun : Job.Default.WithMinIterationCount(10).WithMaxIterationCount(30))
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: true));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
            .Run(args.Where(a => a != "--quick").ToArray(), DefaultConfig.Instance.AddJob(job));
        return 0;
    }

    /// <summary>
    /// `--quick-lstm`: LibTorchAnchors' recurrent methods by stopwatch at torch.set_num_threads 1 and 2, the fastest of 10 runs
    /// of about 0.1 s after a second of warm-up, as Compiled.Nets.Benchmarks' `--quick-lstm` times ours: for comparisons in
    /// one window of a shared machine (BenchmarkDotNet's means move with the other load).
    /// </summary>
    private static void QuickLstm()
    {
        foreach (int threads in new[] { 1, 2 })
        {
            var anchors = new LibTorchAnchors { Threads = threads };
            anchors.Setup();
            Report($"Train step, SeqMNIST LSTM 128, batch 64 ({threads}t)", Best(() => anchors.TrainLstmBatch64()), 64);
            Report($"Forward, batch 1, SeqMNIST LSTM 128 ({threads}t)", Best(() => anchors.ForwardLstm()), 1);
            Report($"Train step, character model, batch 16 ({threads}t)", Best(() => anchors.TrainCharLstmBatch16()), 16);
            anchors.Cleanup();
        }
    }

    private static void Report(string what, double seconds, int samples) =>
        Console.WriteLine($"{what,-52} {seconds * 1e6,12:N1} µs {samples / seconds,10:N0} samples/s");

    private static double Best(Action action)
    {
        var warm = System.Diagnostics.Stopwatch.StartNew();
        long calls = 0;
        while (warm.Elapsed.TotalSeconds < 1) { action(); calls++; }
        int iterations = (int)Math.Max(1, calls * 0.1 / warm.Elapsed.TotalSeconds);
        double best = double.MaxValue;
        for (int r = 0; r < 10; r++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < iterations; i++) action();
            best = Math.Min(best, clock.Elapsed.TotalSeconds / iterations);
        }
        return best;
    }
}
