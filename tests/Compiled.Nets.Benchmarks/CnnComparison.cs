using System;
using BenchmarkDotNet.Attributes;
using Compiled.Nets.CompilerServices;

namespace Compiled.Nets.Benchmarks;

/// <summary>
/// LeNet-5 training and inference at batch 64 (pytorch_bench.py times the same training step, the LibTorch and ONNX
/// Runtime anchors the same inference) and the convolution kernels' throughput at batch 64, for GFLOP/s against the
/// machine's SGEMM rate (numpy/OpenBLAS, timed by the same script). compare.py reads these methods by name.
/// </summary>
[MemoryDiagnoser]
public class CnnComparison
{
    /// <summary>The convolution shapes timed: LeNet-5's two layers and a wider 3×3 layer typical of later CNNs.</summary>
    public static readonly (string Name, Conv2DShape Shape)[] Shapes =
    {
        ("LeNet C1 1→6 5×5 pad 2 on 28×28", new Conv2DShape(1, 28, 28, 6, 5, 5, PadHeight: 2, PadWidth: 2)),
        ("LeNet C3 6→16 5×5 on 14×14", new Conv2DShape(6, 14, 14, 16, 5, 5)),
        ("3×3 32→64 pad 1 on 16×16", new Conv2DShape(32, 16, 16, 64, 3, 3, PadHeight: 1, PadWidth: 1)),
        ("depthwise 3×3 on 32×16×16, pad 1", new Conv2DShape(32, 16, 16, 32, 3, 3, PadHeight: 1, PadWidth: 1, Groups: 32)),
    };

    public const int Batch = 64;
    private readonly LeNet5 _lenet = new();
    private float[] _images = Array.Empty<float>();
    private float[] _targets = Array.Empty<float>();
    private readonly float[] _logits = new float[Batch * 10];
    private ConvBuffers[] _conv = Array.Empty<ConvBuffers>();

    private sealed class ConvBuffers(Conv2DShape shape, SeededRandom random)
    {
        public readonly Conv2DShape Shape = shape;
        public readonly float[] X = Fill(Batch * shape.InputSize, random);
        public readonly float[] W = Fill(shape.WeightCount, random);
        public readonly float[] B = Fill(shape.OutChannels, random);
        public readonly float[] Y = new float[Batch * shape.OutputSize];
        public readonly float[] Dz = Fill(Batch * shape.OutputSize, random);
        public readonly float[] Dw = new float[shape.WeightCount];
        public readonly float[] Db = new float[shape.OutChannels];
        public readonly float[] Dx = new float[Batch * shape.InputSize];
        // Room for im2col and, where they pay, shifted rows: the same buffers time either path.
        public readonly float[] Scratch = new float[Math.Max(shape.WithAlgorithm(ConvAlgorithm.Im2Col).ScratchLength,
            ShiftedConv.Fits(shape) ? shape.WithAlgorithm(ConvAlgorithm.ShiftedRows).ScratchLength : 0) + shape.OutChannels];
    }

    private static float[] Fill(int length, SeededRandom random)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++) values[i] = random.NextFloat() - 0.5f;
        return values;
    }

    [GlobalSetup]
    public void Setup()
    {
        var random = new SeededRandom(2);
        _images = Fill(Batch * 784, random);
        _targets = new float[Batch * 10];
        for (int b = 0; b < Batch; b++) _targets[b * 10 + random.NextInt(10)] = 1f;
        _conv = Array.ConvertAll(Shapes, s => new ConvBuffers(s.Shape, random));
    }

    [Benchmark(Description = "Train step, LeNet-5, batch 64, SGD")]
    public float TrainLeNet5Batch64() => _lenet.TrainStep(_images, _targets, Batch);

    [Benchmark(Description = "Inference, batch 64, LeNet-5")]
    public float PredictLeNet5Batch64()
    {
        _lenet.Predict(_images, _logits);
        return _logits[0];
    }

    [Benchmark(Description = "Conv forward + weight gradient + input gradient, LeNet C1, batch 64")]
    public void ConvLeNetC1() => RunConv(_conv[0]);

    [Benchmark(Description = "Conv forward + weight gradient + input gradient, LeNet C3, batch 64")]
    public void ConvLeNetC3() => RunConv(_conv[1]);

    [Benchmark(Description = "LeNet C1 through im2col + product instead of shifted rows (the alternative)")]
    public void ConvLeNetC1Im2Col() => RunIm2Col(_conv[0]);

    [Benchmark(Description = "LeNet C3 through im2col + product instead of shifted rows (the alternative)")]
    public void ConvLeNetC3Im2Col() => RunIm2Col(_conv[1]);

    private static void RunIm2Col(ConvBuffers c) => RunConv(c, c.Shape.WithAlgorithm(ConvAlgorithm.Im2Col));

    [Benchmark(Description = "Conv forward + weight gradient + input gradient, 3×3 32→64 on 16×16, batch 64")]
    public void Conv3x3Wide() => RunConv(_conv[2]);

    [Benchmark(Description = "Depthwise 3×3 on 32×16×16, batch 64: shifted rows + product (the library's choice at stride 1)")]
    public void DepthwiseShiftedRows() => RunDepthwise(_conv[3], DepthwisePath.ShiftedRows);

    [Benchmark(Description = "Depthwise 3×3 on 32×16×16, batch 64: direct convolution (the choice at stride 2)")]
    public void DepthwiseDirect() => RunDepthwise(_conv[3], DepthwisePath.Direct);

    [Benchmark(Description = "Depthwise 3×3 on 32×16×16, batch 64: im2col + product (the alternative)")]
    public void DepthwiseIm2Col() => RunDepthwise(_conv[3], DepthwisePath.Im2Col);

    private enum DepthwisePath { ShiftedRows, Direct, Im2Col }

    /// <summary>A depthwise layer through one path, whatever its shape recommends.</summary>
    private static void RunDepthwise(ConvBuffers c, DepthwisePath path) => RunConv(c, c.Shape.WithAlgorithm(path switch
    {
        DepthwisePath.ShiftedRows => ConvAlgorithm.ShiftedRows,
        DepthwisePath.Direct => ConvAlgorithm.Direct,
        _ => ConvAlgorithm.Im2Col,
    }));

    /// <summary>The three passes of one training step of one layer: 3 × 2 × MACs × batch floating-point operations.</summary>
    private static void RunConv(ConvBuffers c) => RunConv(c, c.Shape);

    /// <summary><see cref="RunConv(ConvBuffers)"/> with <paramref name="shape"/> (the buffers' shape, its algorithm maybe another).</summary>
    private static void RunConv(ConvBuffers c, Conv2DShape shape)
    {
        ConvKernels.Forward(c.X, c.W, c.B, c.Y, Batch, shape, c.Scratch, default(ReLUActivation));
        ConvKernels.WeightGradient(c.Dz, c.X, c.Dw, c.Db, Batch, shape, c.Scratch);
        ConvKernels.InputGradient(c.Dz, c.W, c.X, c.Dx, Batch, shape, c.Scratch, default(LinearActivation));
    }

    /// <summary>Floating-point operations of <see cref="RunConv"/> for a shape (a multiply-add counts 2).</summary>
    public static double Flops(Conv2DShape s) => 3.0 * 2.0 * s.OutputSize * (double)s.PatchLength * Batch;

    /// <summary>A quick stopwatch timing (`-- --quick-cnn`), for iterating on the kernels between BenchmarkDotNet runs.</summary>
    public static void QuickTiming()
    {
        var bench = new CnnComparison();
        bench.Setup();
        static double Best(Action action, int iterations)
        {
            // Warm up for half a second: the JIT compiles a method's optimised code in the background some time after its
            // 30th call, and a path first taken late (a ragged end) would otherwise be timed unoptimised.
            var warm = System.Diagnostics.Stopwatch.StartNew();
            while (warm.Elapsed.TotalSeconds < 0.5) action();
            double best = double.MaxValue;
            for (int r = 0; r < 5; r++)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                for (int i = 0; i < iterations; i++) action();
                best = Math.Min(best, clock.Elapsed.TotalSeconds / iterations);
            }
            return best;
        }
        double step = Best(() => bench.TrainLeNet5Batch64(), 50);
        var predictions = new float[Batch * 10];
        double forward = Best(() => bench._lenet.Predict(bench._images, predictions), 50);
        Console.WriteLine($"LeNet-5 forward (Predict), batch 64: {forward * 1e3:F2} ms");
        var pool = new Pool2DShape(6, 28, 28, 2, 2, 2, 2);
        var px = Fill(Batch * pool.InputSize, new SeededRandom(3));
        var py = new float[Batch * pool.OutputSize];
        var sw = new int[Batch * pool.OutputSize];
        var pdx = new float[Batch * pool.InputSize];
        double pf = Best(() => PoolKernels.MaxForward(px, py, sw, Batch, pool), 50);
        double pb = Best(() => PoolKernels.MaxBackward(py, sw, pdx, Batch, pool), 50);
        double pd = Best(() => GraphKernels.MultiplyByDerivative(pdx, px, default(ReLUActivation)), 50);
        Console.WriteLine($"S2 max pooling: forward {pf * 1e3:F3} ms, backward {pb * 1e3:F3} ms, ReLU derivative pass {pd * 1e3:F3} ms");
        Console.WriteLine($"LeNet-5 train step, batch 64: {step * 1e3:F2} ms = {Batch / step:F0} samples/s");
        for (int i = 0; i < Shapes.Length; i++)
        {
            var c = bench._conv[i];
            double t = Best(() => RunConv(c), 20);
            Console.WriteLine($"{Shapes[i].Name}: {t * 1e3:F2} ms per fwd+bwd, {Flops(c.Shape) / t / 1e9:F1} GFLOP/s");
            double f = Best(() => ConvKernels.Forward(c.X, c.W, c.B, c.Y, Batch, c.Shape, c.Scratch, default(ReLUActivation)), 20);
            double wg = Best(() => ConvKernels.WeightGradient(c.Dz, c.X, c.Dw, c.Db, Batch, c.Shape, c.Scratch), 20);
            double ig = Best(() => ConvKernels.InputGradient(c.Dz, c.W, c.X, c.Dx, Batch, c.Shape, c.Scratch, default(LinearActivation)), 20);
            double one = Flops(c.Shape) / 3 / 1e9;
            Console.WriteLine($"    forward {f * 1e3:F2} ms ({one / f:F1} GFLOP/s), weight gradient {wg * 1e3:F2} ms ({one / wg:F1}), input gradient {ig * 1e3:F2} ms ({one / ig:F1})");
        }
        var depthwise = new[]
        {
            new Conv2DShape(32, 16, 16, 32, 3, 3, PadHeight: 1, PadWidth: 1, Groups: 32), new Conv2DShape(64, 8, 8, 64, 3, 3, PadHeight: 1, PadWidth: 1, Groups: 64),
            new Conv2DShape(16, 28, 28, 16, 5, 5, PadHeight: 2, PadWidth: 2, Groups: 16), new Conv2DShape(16, 16, 16, 32, 3, 3, PadHeight: 1, PadWidth: 1, Groups: 16),
            new Conv2DShape(32, 16, 16, 32, 3, 3, 2, 2, 1, 1, Groups: 32),
        };
        foreach (var shape in depthwise)
        {
            var c = new ConvBuffers(shape, new SeededRandom(5));
            double direct = Best(() => RunDepthwise(c, DepthwisePath.Direct), 20), plain = Best(() => RunDepthwise(c, DepthwisePath.Im2Col), 20);
            string shifted = ShiftedConv.Fits(shape) ? $"{Best(() => RunDepthwise(c, DepthwisePath.ShiftedRows), 20) * 1e3:F3} ms" : "does not apply";
            Console.WriteLine($"depthwise {shape.InChannels}→{shape.OutChannels} {shape.KernelHeight}×{shape.KernelWidth} stride {shape.StrideHeight} on {shape.InHeight}×{shape.InWidth}: " +
                $"direct {direct * 1e3:F3} ms, shifted rows {shifted}, im2col {plain * 1e3:F3} ms");
        }
        // Stride-1 layers: shifted rows against im2col, by the share of wide positions wasted (ShiftedConv.MaxWaste).
        var sweep = new[]
        {
            new Conv2DShape(1, 28, 28, 6, 5, 5, PadHeight: 2, PadWidth: 2), new Conv2DShape(6, 14, 14, 16, 5, 5),
            new Conv2DShape(16, 8, 8, 32, 3, 3, PadHeight: 1, PadWidth: 1), new Conv2DShape(16, 8, 8, 16, 3, 3),
            new Conv2DShape(16, 12, 12, 16, 5, 5), new Conv2DShape(16, 10, 10, 16, 5, 5), new Conv2DShape(16, 8, 8, 16, 5, 5),
            new Conv2DShape(16, 7, 7, 16, 5, 5), new Conv2DShape(16, 6, 6, 16, 5, 5), new Conv2DShape(32, 4, 4, 32, 3, 3), new Conv2DShape(8, 9, 9, 8, 7, 7),
            new Conv2DShape(4, 1, 12, 8, 1, 5), new Conv2DShape(4, 1, 40, 8, 1, 9),
        };
        foreach (var shape in sweep)
        {
            var c = new ConvBuffers(shape, new SeededRandom(4));
            double waste = Compiled.Nets.CompilerServices.ShiftedConv.WideLength(shape) / (double)shape.Positions;
            string shifted = shape.Algorithm == ConvAlgorithm.ShiftedRows ? $"{Best(() => RunConv(c), 20) * 1e3:F3} ms" : "not taken";
            double plain = Best(() => RunIm2Col(c), 20);
            Console.WriteLine($"{shape.InChannels}→{shape.OutChannels} {shape.KernelHeight}×{shape.KernelWidth} pad {shape.PadHeight} on {shape.InHeight}×{shape.InWidth}: " +
                $"{waste:F2} wide positions per output; shifted rows {shifted}, im2col {plain * 1e3:F3} ms");
        }
    }
}
