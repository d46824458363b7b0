using System;
using Compiled.Nets.CompilerServices;

namespace Compiled.Nets.Benchmarks;

/// <summary>`--quick-xor-parts`: the public pieces an XOR training step is made of, each timed alone at the XOR's sizes.</summary>
public static class QuickXorParts
{
    public static void Run()
    {
        float[] inputs = { 0, 0, 0, 1, 1, 0, 1, 1 }, targets = { 0, 1, 1, 0 };
        float[] hidden = new float[16], output = { 0.3f, 0.6f, 0.7f, 0.2f }, delta = new float[4];
        float[] parameters = new float[17], gradients = new float[17];
        var sgd = new Compiled.Nets.Optimizers.Sgd(0.5f);
        var pool = new WorkspacePool<float[]>();
        { pool.Rent(out int first); pool.Return(new float[64], first); }
        Report("Guard.Batch + BatchLimit", Best(() => { Guard.Batch(8, 4, 4, 2, 1); Guard.BatchLimit(4, 1000, 5); }));
        Report("Guard.Finite(8) + Probabilities(4)", Best(() => { Guard.Finite(inputs, "inputs", 2); Guard.Probabilities(targets, "targets", 1); }));
        Report("ApplyActivation tanh, 16 values", Best(() => DenseKernels.ApplyActivation(hidden, default(TanhActivation))));
        Report("ApplyActivation logistic, 4 values", Best(() => DenseKernels.ApplyActivation(output, default(LogisticActivation))));
        Report("BCE-logistic loss, batch 4", Best(() => LossKernels.BinaryCrossEntropyLogistic(output, targets, delta, 4, 1f)));
        Report("Array.Clear(17)", Best(() => Array.Clear(gradients)));
        Report("Guard.FirstNonFinite(17)", Best(() => Guard.FirstNonFinite(gradients)));
        Report("Sgd.Step(17)", Best(() => sgd.Step(parameters, gradients)));
        Report("WorkspacePool Rent + Return", Best(() => { var w = pool.Rent(out int slot) ?? hidden; pool.Return(w, slot); }));
    }

    private static void Report(string what, double nanoseconds) => Console.WriteLine($"{what,-40} {nanoseconds,8:F1} ns");

    /// <summary>Nanoseconds per call: the fastest of 1,000 runs of about 50 µs each, after 0.3 s of warm-up.</summary>
    private static double Best(Action action) => BestOf.SecondsPerCall(action, 0.3, 1000, 50e-6) * 1e9;
}
