using System;
using BenchmarkDotNet.Attributes;
using Compiled.Nets.CompilerServices;

namespace Compiled.Nets.Benchmarks;

/// <summary>
/// Issue 13's recurrent benchmarks: the sequential-MNIST LSTM (<see cref="SeqMnistLstm"/>) trained at batch 64 and run on one
/// sample, and the character model of samples/CharModel (<see cref="CharLstm"/>) trained on 16 streams of 64 token ids. pytorch_bench.py and
/// the LibTorch anchor (LibTorchAnchors) time the same steps; compare.py reads these methods by name.
/// </summary>
[MemoryDiagnoser]
public class RecurrentComparison
{
    public const int Batch = 64;
    public const int CharBatch = 16, CharSteps = 64, Characters = 96;
    private readonly SeqMnistLstm _lstm = new();
    private readonly SeqMnistLstm _lstmInference = new();
    private readonly CharLstm _chars = new() { Optimizer = new Compiled.Nets.Optimizers.Adam(0.003f) };
    private float[] _rows = Array.Empty<float>();
    private float[] _digits = Array.Empty<float>();
    private float[] _oneImage = Array.Empty<float>();
    private readonly float[] _probabilities = new float[10];
    private float[] _charIds = Array.Empty<float>();
    private float[] _nextChars = Array.Empty<float>();

    /// <summary>Values in [−0.5, 0.5).</summary>
    internal static float[] Fill(int length, SeededRandom random)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++) values[i] = random.NextFloat() - 0.5f;
        return values;
    }

    /// <summary>One-hot rows: <paramref name="rows"/> rows of <paramref name="classes"/>.</summary>
    internal static float[] OneHot(int rows, int classes, SeededRandom random)
    {
        var values = new float[rows * classes];
        for (int r = 0; r < rows; r++) values[r * classes + random.NextInt(classes)] = 1f;
        return values;
    }

    [GlobalSetup]
    public void Setup()
    {
        var random = new SeededRandom(13);
        // Pixels in [0, 1) as MNIST's, row after row.
        _rows = new float[Batch * 28 * 28];
        for (int i = 0; i < _rows.Length; i++) _rows[i] = random.NextFloat();
        _digits = OneHot(Batch, 10, random);
        _oneImage = _rows.AsSpan(0, 28 * 28).ToArray();
        // Token ids (as floats) and the next character one-hot at every step.
        _charIds = new float[CharBatch * CharSteps];
        for (int i = 0; i < _charIds.Length; i++) _charIds[i] = random.NextInt(Characters);
        _nextChars = OneHot(CharBatch * CharSteps, Characters, random);
    }

    [Benchmark(Description = "Train step, LSTM 128 on 28×28 sequential MNIST, batch 64, SGD")]
    public float TrainLstmBatch64() => _lstm.TrainStep(_rows, _digits, Batch);

    [Benchmark(Description = "Forward, batch 1, LSTM 128 on 28×28 sequential MNIST")]
    public float ForwardLstm()
    {
        _lstmInference.Forward(_oneImage, _probabilities);
        return _probabilities[0];
    }

    [Benchmark(Description = "Train step, character model (Embedding 96×32 → stateful LSTM 128 → per-step softmax 96), 16 streams × 64 steps, Adam")]
    public float TrainCharLstmBatch16() => _chars.TrainStep(_charIds, _nextChars, CharBatch);

    /// <summary>
    /// `--quick-lstm`: the per-step softmax cross-entropy check, then the three measures and where their time goes: each
    /// network call and the kernels of its LSTM layer, timed in interleaved rounds (<see cref="BestOf.Interleaved"/>).
    /// </summary>
    public static void QuickTiming()
    {
        var bench = new RecurrentComparison();
        bench.Setup();
        Console.WriteLine($"{Environment.ProcessorCount} cores, COMPILED_NETS_THREADS={Environment.GetEnvironmentVariable("COMPILED_NETS_THREADS") ?? "(unset)"}, threads {BatchParallel.Threads}");
        CheckPerStepCrossEntropy();
        Breakdown("Train step, SeqMNIST LSTM 128, batch 64", () => bench.TrainLstmBatch64(), Batch, steps: 28, features: 28, hidden: 128, returnSequences: false);
        Breakdown("Forward, batch 1, SeqMNIST LSTM 128", () => bench.ForwardLstm(), 1, steps: 28, features: 28, hidden: 128, returnSequences: false, forwardOnly: true);
        Breakdown("Train step, character model, batch 16", () => bench.TrainCharLstmBatch16(), CharBatch, steps: CharSteps, features: 32, hidden: 128, returnSequences: true);
    }

    /// <summary>
    /// `--quick-lstm totals`: the three measures alone, each the fastest of 10 runs of about 0.1 s after a second of warm-up,
    /// as the LibTorch anchor's `--quick-lstm` times its own (tests/Compiled.Nets.Benchmarks.TorchSharp), for comparisons in one
    /// window of a shared machine.
    /// </summary>
    public static void QuickTotals()
    {
        var bench = new RecurrentComparison();
        bench.Setup();
        string threads = $"{BatchParallel.Threads}t";
        Report($"Train step, SeqMNIST LSTM 128, batch 64 ({threads})", BestOf.SecondsPerCall(() => bench.TrainLstmBatch64(), 1, 10, 0.1), Batch);
        Report($"Forward, batch 1, SeqMNIST LSTM 128 ({threads})", BestOf.SecondsPerCall(() => bench.ForwardLstm(), 1, 10, 0.1), 1);
        Report($"Train step, character model, batch 16 ({threads})", BestOf.SecondsPerCall(() => bench.TrainCharLstmBatch16(), 1, 10, 0.1), CharBatch);
    }

    /// <summary>
    /// `--quick-lstm b1`: what bounds the batch-1 LSTM Forward: one sample's W_hh product on one core (all 512 rows, and the
    /// quarter blocks of a part), the input projection as 4-wide dot products and as broadcast tiles over W_ihᵀ (with the
    /// transpose), then the layer's Forward with its units shared between the cores and unshared.
    /// </summary>
    public static void QuickBatchOne()
    {
        var random = new SeededRandom(11);
        var shape = new RecurrentShape(RecurrentCell.Lstm, 28, 28, 128, 1f, false);
        float[] x = Fill(shape.InputWidth, random), parameters = Fill(shape.ParameterCount, random);
        float[] scratch = new float[shape.ScratchWidth], output = new float[shape.OutputWidth];
        var seconds = BestOf.Interleaved(new Action[]
        {
            () => RecurrentKernels.Forward(shape, x, parameters, scratch, output, 1),
            () => { RecurrentKernels.ShareUnitsOff = true; RecurrentKernels.Forward(shape, x, parameters, scratch, output, 1); RecurrentKernels.ShareUnitsOff = false; },
        }, 0.5, 15, 0.05);
        int H = 128, G = 512, I = 28;
        float[] h = Fill(H, random), step = new float[G], gates = new float[28 * G];
        var whh = parameters.AsSpan(G * I, G * H).ToArray();
        var wih = parameters.AsSpan(0, G * I).ToArray();
        var bias = new float[G];
        float[] xT = Fill(28 * I, random);
        var parts = BestOf.Interleaved(new Action[]
        {
            () => DenseKernels.ForwardBlock(h, whh, bias, step, 0, 1, 0, G, H, G, default(LinearActivation)),
            () => { for (int q = 0; q < 4; q++) DenseKernels.ForwardBlock(h, whh, bias, step, 0, 1, q * H, q * H + 64, H, G, default(LinearActivation)); },
            () => DenseKernels.ForwardBlock<System.Runtime.Intrinsics.Vector128<float>, Vector128Width, LinearActivation>(xT, wih, bias, gates, 0, 28, 0, G, I, G, default),
            () => { for (int q = 0; q < 4; q++) DenseKernels.ForwardBlock<System.Runtime.Intrinsics.Vector128<float>, Vector128Width, LinearActivation>(xT, wih, bias, gates, 0, 28, q * H, q * H + 64, I, G, default); },
        }, 0.5, 15, 0.05);
        var wT = new float[G * I];
        var broadcast = BestOf.Interleaved(new Action[]
        {
            () => { for (int k = 0; k < I; k++) for (int q = 0; q < G; q++) wT[k * G + q] = wih[q * I + k]; },
            () => DenseKernels.MultiplyStrided<System.Runtime.Intrinsics.Vector256<float>, Vector256Width, LinearActivation>(ref xT[0], I, 1, ref wT[0], ref gates[0], ref gates[0], 28, G, I, default, accumulate: false),
        }, 0.5, 15, 0.05);
        Console.WriteLine($"one core: W_ih transpose {broadcast[0] * 1e6:F2} µs, broadcast-tile projection 28 rows {broadcast[1] * 1e6:F2} µs");
        Console.WriteLine($"one core: W_hh matvec all {parts[0] * 1e6:F2} µs, half {parts[1] * 1e6:F2} µs; projection all {parts[2] * 1e6:F2}, half {parts[3] * 1e6:F2} µs");
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) RecurrentKernels.Forward(shape, x, parameters, scratch, output, 1);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var bench = new RecurrentComparison();
        bench.Setup();
        for (int i = 0; i < 10; i++) { bench.ForwardLstm(); bench.TrainLstmBatch64(); bench.TrainCharLstmBatch16(); }
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) { bench.ForwardLstm(); bench.TrainLstmBatch64(); bench.TrainCharLstmBatch16(); }
        Console.WriteLine($"allocated: {allocated} bytes over 100 layer Forwards, {GC.GetAllocatedBytesForCurrentThread() - before} bytes over 10 of each network call");
        Console.WriteLine($"batch-1 LSTM layer Forward: units shared between the cores {seconds[0] * 1e6:F1} µs, unshared {seconds[1] * 1e6:F1} µs");
    }

    /// <summary>`--quick-lstm dw`: dW_hh over sequential MNIST's 1792 rows at batch 64, by chunks of rows of several sizes.</summary>
    public static void QuickHiddenWeightGradient()
    {
        var random = new SeededRandom(3);
        int rows = 1792, H = 128, G = 512;
        float[] dz = Fill(rows * G, random), h = Fill(rows * H, random), dw = new float[G * H], db = new float[G];
        Action By(int chunk) => () =>
        {
            for (int r0 = 0; r0 < rows; r0 += chunk)
            {
                int n = Math.Min(chunk, rows - r0);
                DenseKernels.WeightGradient(dz.AsSpan(r0 * G, n * G), h.AsSpan(r0 * H, n * H), dw, db, n, H, G);
            }
        };
        int[] chunks = { 128, 64, 32, 16 };
        var seconds = BestOf.Interleaved(Array.ConvertAll(chunks, By), 0.5, 10, 0.05);
        for (int i = 0; i < chunks.Length; i++) Console.WriteLine($"dW_hh by {chunks[i]} rows: {seconds[i] * 1e6:N1} µs, {2.0 * rows * H * G / seconds[i] / 1e9:F1} GFLOP/s");
    }

    private static void Report(string what, double seconds, int samples) =>
        Console.WriteLine($"{what,-52} {seconds * 1e6,12:N1} µs {samples / seconds,10:N0} samples/s");

    /// <summary>
    /// Per-step softmax cross-entropy on a sequence (a per-step softmax head with Loss.SoftmaxCrossEntropy): the loss and its
    /// gradient against central differences on a small network of the character model's kind, before that model is timed with it.
    /// The loss averages over batch × steps (PyTorch's CrossEntropyLoss on [batch · steps, classes]).
    /// </summary>
    private static void CheckPerStepCrossEntropy()
    {
        var net = new PerStepSoftmaxCheck();
        const int batch = 3, steps = 4, classes = 3;
        var random = new SeededRandom(5);
        float[] x = Fill(batch * steps * 2, random), t = OneHot(batch * steps, classes, random);
        var y = new float[batch * steps * classes];
        net.Predict(x, y);
        double expected = 0;
        for (int i = 0; i < y.Length; i++) if (t[i] != 0f) expected -= Math.Log(y[i]);
        expected /= batch * steps;
        float loss = net.ComputeGradients(x, t, batch);
        float[] analytic = net.Gradients.ToArray();
        var p = net.Parameters;
        double diff = 0, norm = 0;
        for (int i = 0; i < p.Length; i++)
        {
            float saved = p[i];
            p[i] = saved + 1e-3f;
            double plus = net.EvaluateLoss(x, t, batch);
            p[i] = saved - 1e-3f;
            double minus = net.EvaluateLoss(x, t, batch);
            p[i] = saved;
            double numeric = (plus - minus) / 2e-3;
            diff += (numeric - analytic[i]) * (numeric - analytic[i]);
            norm += numeric * numeric;
        }
        double relative = Math.Sqrt(diff / norm);
        bool ok = Math.Abs(loss - expected) < 1e-4 * Math.Abs(expected) && relative < 1e-2;
        Console.WriteLine($"per-step softmax cross-entropy on a sequence: loss {loss:F6} (Σ of −log p(target) / (batch × steps): {expected:F6}), " +
                          $"‖numeric − analytic‖/‖numeric‖ = {relative:E2}: {(ok ? "supported" : "NOT RIGHT")}");
    }

    /// <summary>
    /// A network call and the kernels of its LSTM layer, each timed alone at the layer's shape through the entry points
    /// RecurrentKernels calls (the W_hh products, the input projection, the weight gradients, the transpose), with the layer's
    /// whole Forward and Backward: the cell's element-wise loops are what those two leave. All in interleaved rounds.
    /// </summary>
    private static void Breakdown(string title, Action call, int batch, int steps, int features, int hidden, bool returnSequences, bool forwardOnly = false)
    {
        var random = new SeededRandom(11);
        var shape = new RecurrentShape(RecurrentCell.Lstm, steps, features, hidden, 1f, returnSequences);
        int T = steps, I = features, H = hidden, G = shape.GateWidth;
        float[] x = Fill(batch * shape.InputWidth, random), parameters = Fill(shape.ParameterCount, random);
        for (int i = 0; i < parameters.Length; i++) parameters[i] *= 0.2f; // |w| < 0.1: about U(−1/√128, 1/√128), as initialised
        float[] scratch = new float[batch * shape.ScratchWidth], back = new float[batch * shape.ScratchWidth];
        float[] output = new float[batch * shape.OutputWidth], dOutput = Fill(batch * shape.OutputWidth, random);
        float[] gradients = new float[shape.ParameterCount];
        var wih = parameters.AsSpan(0, G * I).ToArray();
        var whh = parameters.AsSpan(G * I, G * H).ToArray();
        var bias = parameters.AsSpan(G * (I + H), G).ToArray();
        float[] xT = new float[T * batch * I], projection = new float[T * batch * G], h = Fill(batch * H, random), step = new float[batch * G];
        float[] dGates = Fill(T * batch * G, random), dh = new float[batch * H], states = Fill(T * batch * H, random);
        float[] dwih = new float[G * I], dwhh = new float[G * H], db = new float[G];
        var room = new float[(T + 1) * batch * H * 2 + batch * G]; // the forward scratch after the gates (states, cells, step)
        RecurrentKernels.Forward(shape, x, parameters, scratch, output, batch);

        var parts = new (string Name, Action Action, double Calls, double Flops)[]
        {
            (title, call, 1, 0),
            ("LSTM layer Forward (RecurrentKernels.Forward)", () => RecurrentKernels.Forward(shape, x, parameters, scratch, output, batch), 1, 2.0 * batch * T * G * (I + H)),
            ("  x to time-major", () => RecurrentKernels.ToTimeMajor(x, xT, batch, T, I), 1, 0),
            ($"  input projection, all steps ({T * batch}×{I} → {G})", () => RecurrentKernels.InputProjection(xT, wih, bias, projection, T * batch, I, G, room), 1, 2.0 * T * batch * I * G),
            ($"  W_hh products, {T} × ({batch}×{H} → {G})", () => DenseKernels.Forward(h, whh, bias, step, batch, H, G, default(LinearActivation)), T, 2.0 * T * batch * H * G),
            ("LSTM layer Backward (RecurrentKernels.Backward, no dx)",
                () => RecurrentKernels.Backward(shape, x, parameters, scratch, dOutput, back, gradients, default, batch, default(LinearActivation)), 1, 4.0 * batch * T * G * H + 2.0 * batch * T * G * I),
            ($"  dh through W_hh, {T} × ({batch}×{G} → {H})", () => DenseKernels.InputGradient(dGates.AsSpan(0, batch * G), whh, h, dh, batch, H, G, default(LinearActivation)), T, 2.0 * T * batch * H * G),
            ($"  dW_ih + db_ih, {T * batch} rows × {I} → {G}, {Chunks(T, batch)}", () => InputWeightGradients(dGates, xT, dwih, db, T, batch, I, G), 1, 2.0 * T * batch * I * G),
            ($"  dW_hh + db_hh, {T * batch} rows × {H} → {G}, {Chunks(T, batch)}", () => HiddenWeightGradients(dGates, states, dwhh, db, T, batch, H, G), 1, 2.0 * T * batch * H * G),
        };
        if (forwardOnly) parts = parts[..5];
        var seconds = BestOf.Interleaved(Array.ConvertAll(parts, p => p.Action), 0.5, 15, 0.05);
        for (int i = 0; i < seconds.Length; i++) seconds[i] *= parts[i].Calls;
        double total = seconds[0];
        Console.WriteLine($"{title}: {total * 1e6:N1} µs per call, {batch / total:N0} samples/s");
        for (int i = 1; i < parts.Length; i++) Row(parts[i].Name, seconds[i], total, parts[i].Flops);
        Row("  cell element-wise forward (gates, c, h) and the rest", seconds[1] - seconds[2] - seconds[3] - seconds[4], total, 0);
        if (forwardOnly)
        {
            Row("head, softmax, checks and the rest of the call", total - seconds[1], total, 0);
            Console.WriteLine();
            return;
        }
        Row("  cell element-wise backward and the rest", seconds[5] - seconds[6] - seconds[7] - seconds[8], total, 0);
        Row("head (Dense, softmax, loss, both passes), SGD update, checks", total - seconds[1] - seconds[5], total, 0);
        Console.WriteLine();
    }

    /// <summary>The weight gradients' chunks of steps, as RecurrentKernels.Backward takes them.</summary>
    private static string Chunks(int steps, int batch)
    {
        int chunk = Math.Clamp(RecurrentKernels.WeightGradientRows / batch, 1, steps);
        return chunk == steps ? "one product" : $"{chunk} steps a product";
    }

    private static void InputWeightGradients(float[] dz, float[] x, float[] dw, float[] db, int steps, int batch, int inSize, int gates)
    {
        int chunk = Math.Clamp(RecurrentKernels.WeightGradientRows / batch, 1, steps);
        for (int t0 = 0; t0 < steps; t0 += chunk)
        {
            int rows = Math.Min(chunk, steps - t0) * batch;
            RecurrentKernels.InputWeightGradient(dz.AsSpan(t0 * batch * gates, rows * gates), x.AsSpan(t0 * batch * inSize, rows * inSize), dw, db, rows, inSize, gates);
        }
    }

    private static void HiddenWeightGradients(float[] dz, float[] h, float[] dw, float[] db, int steps, int batch, int hidden, int gates)
    {
        int chunk = Math.Clamp(RecurrentKernels.WeightGradientRows / batch, 1, steps);
        for (int t0 = 0; t0 < steps; t0 += chunk)
        {
            int rows = Math.Min(chunk, steps - t0) * batch;
            DenseKernels.WeightGradient(dz.AsSpan(t0 * batch * gates, rows * gates), h.AsSpan(t0 * batch * hidden, rows * hidden), dw, db, rows, hidden, gates);
        }
    }

    private static void Row(string what, double seconds, double total, double flops) =>
        Console.WriteLine($"  {what,-66} {seconds * 1e6,10:N1} µs {100 * seconds / total,6:F1}%{(flops > 0 ? $" {flops / seconds / 1e9,7:F1} GFLOP/s" : "")}");
}

/// <summary>A small network of the character model's kind, for the per-step softmax cross-entropy check of `--quick-lstm`.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
public partial class PerStepSoftmaxCheck
{
    [SequenceInput(4, 2)] public partial Layer X { get; }
    [Lstm(5, ReturnSequences = true)] public partial Layer State { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Y { get; }
}
