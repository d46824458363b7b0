using System;

namespace Compiled.Nets.Benchmarks;

/// <summary>
/// `--quick`: issue 12's Compiled.Nets measures in about a minute, for the edit-measure loop (the BenchmarkDotNet suites
/// and run-all.sh give the figures that are quoted); timed by <see cref="BestOf"/>.
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

    /// <summary>Nanoseconds per call: the fastest of 30 runs of about 20 ms each, after half a second of warm-up.</summary>
    private static double Best(Action action) => BestOf.SecondsPerCall(action, 0.5, 30, 0.02) * 1e9;
}
