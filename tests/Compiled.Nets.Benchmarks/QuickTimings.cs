using System;
using System.Diagnostics;

namespace Compiled.Nets.Benchmarks;

/// <summary>
/// `--quick`: issue 12's Compiled.Nets measures in about a minute, for the edit-measure loop (the BenchmarkDotNet suites
/// and run-all.sh give the figures that are quoted). Best of many short timed runs after a warm-up: on a shared machine
/// most runs are interrupted at some point, and the fastest is the least disturbed.
/// </summary>
public static class QuickTimings
{
    public static void Run()
    {
        var reference = new ReferenceComparison();
        reference.Setup();
        var cnn = new CnnComparison();
        cnn.Setup();
        Console.WriteLine($"{Environment.ProcessorCount} cores, COMPILED_NETS_THREADS={Environment.GetEnvironmentVariable("COMPILED_NETS_THREADS") ?? "(unset)"}");
        Report("Forward, batch 1, XOR", Best(() => reference.ForwardXor()), 1);
        Report("Train step, XOR, batch 4", Best(() => reference.TrainXor()), 1);
        Report("Forward, batch 1, MLP", Best(() => reference.ForwardMlp()), 1);
        Report("Inference, batch 64, MLP", Best(() => reference.PredictMlpBatch64()), 64);
        Report("Train step, MLP, batch 64, SGD", Best(() => reference.TrainMlpBatch64()), 64);
        Report("Train step, MLP, batch 64, Adam", Best(() => reference.TrainMlpBatch64Adam()), 64);
        Report("Inference, batch 64, LeNet-5", Best(() => cnn.PredictLeNet5Batch64()), 64);
        Report("Train step, LeNet-5, batch 64, SGD", Best(() => cnn.TrainLeNet5Batch64()), 64);
    }

    private static void Report(string what, double nanoseconds, int samples) =>
        Console.WriteLine($"{what,-36} {nanoseconds,12:N1} ns  {samples * 1e9 / nanoseconds,14:N0} samples/s");

    /// <summary>The fastest of 30 runs of about 20 ms each, after half a second of warm-up, in nanoseconds per call.</summary>
    private static double Best(Func<float> action)
    {
        var warm = Stopwatch.StartNew();
        int calls = 0;
        while (warm.Elapsed.TotalSeconds < 0.5) { action(); calls++; }
        int iterations = Math.Max(1, (int)(calls * 0.02 / warm.Elapsed.TotalSeconds));
        double best = double.MaxValue;
        for (int r = 0; r < 30; r++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < iterations; i++) action();
            best = Math.Min(best, clock.Elapsed.TotalSeconds * 1e9 / iterations);
        }
        return best;
    }
}
