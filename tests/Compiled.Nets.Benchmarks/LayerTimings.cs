using System;
using Compiled.Nets.CompilerServices;

namespace Compiled.Nets.Benchmarks;

/// <summary>
/// `--layers [peak GFLOP/s]`: where the MLP's and LeNet-5's time goes, per layer and pass, at batch 64 (and the MLP at
/// batch 1), each kernel timed alone through the same entry points the generated code calls, with its GFLOP/s and, given
/// the machine's two-core FMA peak (tests/benchmarks/fma_peak), its share of it. docs/performance.md quotes a run.
/// </summary>
public static class LayerTimings
{
    private const int Batch = 64;

    public static void Run(double peak)
    {
        Console.WriteLine($"{Environment.ProcessorCount} cores, threads {BatchParallelInfo.Threads}{(peak > 0 ? $", two-core FMA peak {peak:F1} GFLOP/s" : "")}");
        Console.WriteLine($"{"layer / pass",-44} {"µs",9} {"GFLOP/s",8} {(peak > 0 ? "of peak" : "")}");
        var random = new SeededRandom(7);
        Console.WriteLine("MLP 784-128-64-10, batch 64 (training step = forward + loss + both gradients + update)");
        DenseLayer("Hidden1 784→128 ReLU", Batch, 784, 128, random, peak, inputGradient: false);
        DenseLayer("Hidden2 128→64 ReLU", Batch, 128, 64, random, peak, inputGradient: true);
        DenseLayer("Probabilities 64→10", Batch, 64, 10, random, peak, inputGradient: true);
        Console.WriteLine("MLP, batch 1 (Forward)");
        DenseLayer("Hidden1 784→128 ReLU", 1, 784, 128, random, peak, inputGradient: false, forwardOnly: true);
        DenseLayer("Hidden2 128→64 ReLU", 1, 128, 64, random, peak, inputGradient: false, forwardOnly: true);
        DenseLayer("Probabilities 64→10", 1, 64, 10, random, peak, inputGradient: false, forwardOnly: true);
        Console.WriteLine("LeNet-5, batch 64");
        ConvLayer("C1 conv 1→6 5×5 pad 2, 28×28, ReLU", new Conv2DShape(1, 28, 28, 6, 5, 5, PadHeight: 2, PadWidth: 2), random, peak, inputGradient: false);
        PoolLayer("S2 max pool 2×2, 6×28×28", new Pool2DShape(6, 28, 28, 2, 2, 2, 2), random);
        ConvLayer("C3 conv 6→16 5×5, 14×14, ReLU", new Conv2DShape(6, 14, 14, 16, 5, 5), random, peak, inputGradient: true);
        PoolLayer("S4 max pool 2×2, 16×10×10", new Pool2DShape(16, 10, 10, 2, 2, 2, 2), random);
        DenseLayer("F5 400→120 ReLU", Batch, 400, 120, random, peak, inputGradient: true);
        DenseLayer("F6 120→84 ReLU", Batch, 120, 84, random, peak, inputGradient: true);
        DenseLayer("Logits 84→10", Batch, 84, 10, random, peak, inputGradient: true);
    }

    private static void DenseLayer(string name, int batch, int inSize, int outSize, SeededRandom random, double peak, bool inputGradient, bool forwardOnly = false)
    {
        float[] x = Fill(batch * inSize, random), w = Fill(outSize * inSize, random), b = Fill(outSize, random);
        float[] y = new float[batch * outSize], dz = Fill(batch * outSize, random), dw = new float[w.Length], db = new float[outSize], dx = new float[batch * inSize];
        double flops = 2.0 * batch * inSize * outSize;
        Line($"{name}: forward", Best(() => DenseKernels.Forward(x, w, b, y, batch, inSize, outSize, default(ReLUActivation))), flops, peak);
        if (forwardOnly) return;
        Line($"{name}: weight gradient", Best(() => DenseKernels.WeightGradient(dz, x, dw, db, batch, inSize, outSize)), flops, peak);
        if (inputGradient)
            Line($"{name}: input gradient", Best(() => DenseKernels.InputGradient(dz, w, x, dx, batch, inSize, outSize, default(ReLUActivation))), flops, peak);
    }

    private static void ConvLayer(string name, Conv2DShape s, SeededRandom random, double peak, bool inputGradient)
    {
        float[] x = Fill(Batch * s.InputSize, random), w = Fill(s.WeightCount, random), b = Fill(s.OutChannels, random);
        float[] y = new float[Batch * s.OutputSize], dz = Fill(Batch * s.OutputSize, random), dw = new float[w.Length], db = new float[s.OutChannels];
        float[] dx = new float[Batch * s.InputSize], scratch = new float[s.ScratchLength];
        double flops = 2.0 * Batch * s.OutputSize * (double)s.PatchLength;
        Line($"{name}: forward ({s.Algorithm})", Best(() => ConvKernels.Forward(x, w, b, y, Batch, s, scratch, default(ReLUActivation))), flops, peak);
        Line($"{name}: weight gradient", Best(() => ConvKernels.WeightGradient(dz, x, dw, db, Batch, s, scratch)), flops, peak);
        if (inputGradient)
            Line($"{name}: input gradient", Best(() => ConvKernels.InputGradient(dz, w, x, dx, Batch, s, scratch, default(ReLUActivation))), flops, peak);
    }

    private static void PoolLayer(string name, Pool2DShape s, SeededRandom random)
    {
        float[] x = Fill(Batch * s.InputSize, random), y = new float[Batch * s.OutputSize], dx = new float[Batch * s.InputSize];
        var switches = new int[Batch * s.OutputSize];
        Line($"{name}: forward", Best(() => PoolKernels.MaxForward(x, y, switches, Batch, s)), 0, 0);
        Line($"{name}: backward", Best(() => PoolKernels.MaxBackward(y, switches, dx, Batch, s)), 0, 0);
    }

    private static void Line(string what, double seconds, double flops, double peak)
    {
        string rate = flops > 0 ? $"{flops / seconds / 1e9,8:F1}" : $"{"",8}";
        string share = flops > 0 && peak > 0 ? $" {flops / seconds / 1e9 / peak,6:P0}" : "";
        Console.WriteLine($"  {what,-42} {seconds * 1e6,9:F1} {rate}{share}");
    }

    private static float[] Fill(int length, SeededRandom random)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++) values[i] = random.NextFloat() - 0.5f;
        return values;
    }

    /// <summary>Seconds per call: the fastest of 30 runs of about 10 ms each, after 0.3 s of warm-up.</summary>
    private static double Best(Action action) => BestOf.SecondsPerCall(action, 0.3, 30, 0.01);
}
