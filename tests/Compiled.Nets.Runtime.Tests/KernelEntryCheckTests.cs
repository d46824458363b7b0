using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Nets.CompilerServices;
using Compiled.Nets.Optimizers;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// Every kernel checks its spans against its shape arguments before the first access: a span one value short throws an
/// <see cref="ArgumentException"/> naming the kernel and the argument, and no span is written.
/// </summary>
public class KernelEntryCheckTests
{
    private const float Sentinel = 7.25f;
    private const int IntSentinel = 7;

    /// <summary>
    /// The spans of one call, each filled with a sentinel; the one named <see cref="Short"/> is one value shorter than its
    /// shape needs. Afterwards every span must still hold only the sentinel.
    /// </summary>
    private sealed class Buffers(string shortArgument)
    {
        private readonly List<float[]> _floats = new();
        private readonly List<int[]> _ints = new();
        public string Short { get; } = shortArgument;
        public HashSet<string> Requested { get; } = new();

        public float[] F(string name, int length)
        {
            Requested.Add(name);
            var values = new float[name == Short ? length - 1 : length];
            Array.Fill(values, Sentinel);
            _floats.Add(values);
            return values;
        }

        public int[] I(string name, int length)
        {
            Requested.Add(name);
            var values = new int[name == Short ? length - 1 : length];
            Array.Fill(values, IntSentinel);
            _ints.Add(values);
            return values;
        }

        public void AssertUntouched()
        {
            foreach (var values in _floats)
                Assert.All(values, v => Assert.Equal(BitConverter.SingleToInt32Bits(Sentinel), BitConverter.SingleToInt32Bits(v)));
            foreach (var values in _ints) Assert.All(values, v => Assert.Equal(IntSentinel, v));
        }
    }

    /// <summary>A kernel call (<paramref name="Variant"/> tells the code paths of one kernel apart) and the argument made short.</summary>
    private sealed record KernelCall(string Kernel, string Variant, string Argument, Action<Buffers> Run)
    {
        public string Id => Variant.Length == 0 ? $"{Kernel} {Argument}" : $"{Kernel} [{Variant}] {Argument}";
    }

    private static IEnumerable<KernelCall> Calls(string kernel, string variant, Action<Buffers> run, params string[] arguments) =>
        arguments.Select(argument => new KernelCall(kernel, variant, argument, run));

    private static readonly KernelCall[] AllCalls = BuildCalls().ToArray();

    public static IEnumerable<object[]> Cases() => AllCalls.Select(c => new object[] { c.Id });

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_span_one_value_short_throws_before_anything_is_written(string id)
    {
        var call = AllCalls.Single(c => c.Id == id);
        var buffers = new Buffers(call.Argument);
        var e = Assert.Throws<ArgumentException>(() => call.Run(buffers));
        Assert.Contains(call.Argument, buffers.Requested); // the case shortens an argument the call really has
        Assert.Equal(call.Argument, e.ParamName);
        Assert.Contains(call.Kernel, e.Message);
        Assert.Contains($"{call.Argument} has length", e.Message);
        buffers.AssertUntouched();
    }

    private static IEnumerable<KernelCall> BuildCalls()
    {
        // ---- Dense ----
        const int batch = 3, inSize = 5, outSize = 4;
        foreach (var c in Calls("DenseKernels.Forward", "", b => DenseKernels.Forward(b.F("x", batch * inSize), b.F("w", outSize * inSize),
            b.F("bias", outSize), b.F("y", batch * outSize), batch, inSize, outSize, default(ReLUActivation)), "x", "w", "bias", "y")) yield return c;
        foreach (var c in Calls("DenseKernels.WeightGradient", "", b => DenseKernels.WeightGradient(b.F("dz", batch * outSize), b.F("x", batch * inSize),
            b.F("dw", outSize * inSize), b.F("db", outSize), batch, inSize, outSize), "dz", "x", "dw", "db")) yield return c;
        foreach (var c in Calls("DenseKernels.InputGradient", "", b => DenseKernels.InputGradient(b.F("dz", batch * outSize), b.F("w", outSize * inSize),
            b.F("yPrev", batch * inSize), b.F("dzPrev", batch * inSize), batch, inSize, outSize, default(TanhActivation)), "dz", "w", "yPrev", "dzPrev")) yield return c;
        foreach (var c in Calls("DenseKernels.BiasActivation", "", b => DenseKernels.BiasActivation(b.F("rows", batch * outSize), b.F("bias", outSize),
            outSize, default(ReLUActivation)), "bias")) yield return c;
        foreach (var c in Calls("DenseKernels.Add", "", b => DenseKernels.Add(b.F("target", 9), b.F("source", 9)), "source")) yield return c;

        // ---- Convolution, each algorithm ----
        var shapes = new[]
        {
            new Conv2DShape(2, 6, 6, 3, 3, 3, 1, 1, 1, 1, Algorithm: ConvAlgorithm.Im2Col),
            new Conv2DShape(2, 6, 6, 3, 3, 3, 1, 1, 1, 1, Algorithm: ConvAlgorithm.ShiftedRows),
            new Conv2DShape(2, 6, 6, 4, 3, 3, 1, 1, 1, 1, Groups: 2, Algorithm: ConvAlgorithm.Direct),
            new Conv2DShape(2, 7, 7, 4, 3, 3, 2, 2, 1, 1, Algorithm: ConvAlgorithm.Im2Col),
        };
        const int n = 2;
        foreach (var s in shapes)
        {
            string variant = $"{s.Algorithm}, stride {s.StrideHeight}";
            foreach (var c in Calls("ConvKernels.Forward", variant, b => ConvKernels.Forward(b.F("x", n * s.InputSize), b.F("w", s.WeightCount),
                b.F("bias", s.OutChannels), b.F("y", n * s.OutputSize), n, s, b.F("scratch", s.ScratchLength), default(ReLUActivation)),
                "x", "w", "bias", "y", "scratch")) yield return c;
            foreach (var c in Calls("ConvKernels.WeightGradient", variant, b => ConvKernels.WeightGradient(b.F("dz", n * s.OutputSize), b.F("x", n * s.InputSize),
                b.F("dw", s.WeightCount), b.F("db", s.OutChannels), n, s, b.F("scratch", s.ScratchLength)),
                "dz", "x", "dw", "db", "scratch")) yield return c;
            foreach (var c in Calls("ConvKernels.InputGradient", variant, b => ConvKernels.InputGradient(b.F("dz", n * s.OutputSize), b.F("w", s.WeightCount),
                b.F("yPrev", n * s.InputSize), b.F("dx", n * s.InputSize), n, s, b.F("scratch", s.ScratchLength), default(TanhActivation)),
                "dz", "w", "yPrev", "dx", "scratch")) yield return c;
            foreach (var c in Calls("ConvKernels.TransposedForward", variant, b => ConvKernels.TransposedForward(b.F("x", n * s.OutputSize), b.F("w", s.WeightCount),
                b.F("bias", s.InChannels), b.F("y", n * s.InputSize), n, s, b.F("scratch", s.ScratchLength), default(ReLUActivation)),
                "x", "w", "bias", "y", "scratch")) yield return c;
            foreach (var c in Calls("ConvKernels.TransposedBackward", variant, b => ConvKernels.TransposedBackward(b.F("dz", n * s.InputSize), b.F("x", n * s.OutputSize),
                b.F("w", s.WeightCount), b.F("dw", s.WeightCount), b.F("db", s.InChannels), b.F("yPrev", n * s.OutputSize), b.F("dx", n * s.OutputSize),
                n, s, b.F("scratch", s.ScratchLength + s.OutChannels), default(TanhActivation)),
                "dz", "x", "w", "dw", "db", "yPrev", "dx", "scratch")) yield return c;
        }
        foreach (var c in Calls("ConvKernels.ChannelSums", "", b => ConvKernels.ChannelSums(b.F("values", 2 * 3 * 4), b.F("sums", 3), 2, 3, 4),
            "values", "sums")) yield return c;

        // ---- Pooling: 2×2 stride 2 (the vector path), windows inside, padded ----
        var pools = new[] { new Pool2DShape(2, 6, 6, 2, 2, 2, 2), new Pool2DShape(2, 6, 6, 3, 3, 1, 1), new Pool2DShape(2, 5, 5, 3, 3, 2, 2, 1, 1) };
        foreach (var p in pools)
        {
            string variant = $"{p.SizeHeight}×{p.SizeWidth}/{p.StrideHeight}, pad {p.PadHeight}";
            foreach (var c in Calls("PoolKernels.MaxForward", variant, b => PoolKernels.MaxForward(b.F("x", n * p.InputSize), b.F("y", n * p.OutputSize),
                b.I("switches", n * p.OutputSize), n, p), "x", "y", "switches")) yield return c;
            foreach (var c in Calls("PoolKernels.MaxBackward", variant, b => PoolKernels.MaxBackward(b.F("dy", n * p.OutputSize), b.I("switches", n * p.OutputSize),
                b.F("dx", n * p.InputSize), n, p), "dy", "switches", "dx")) yield return c;
            foreach (var c in Calls("PoolKernels.MaxBackward", variant + ", tanh", b => PoolKernels.MaxBackward(b.F("dy", n * p.OutputSize), b.I("switches", n * p.OutputSize),
                b.F("dx", n * p.InputSize), n, p, b.F("yPrev", n * p.InputSize), default(TanhActivation)), "dy", "switches", "dx", "yPrev")) yield return c;
            foreach (var c in Calls("PoolKernels.MaxUnpool", variant, b => PoolKernels.MaxUnpool(b.F("y", n * p.OutputSize), b.I("switches", n * p.OutputSize),
                b.F("x", n * p.InputSize), n, p), "y", "switches", "x")) yield return c;
            foreach (var c in Calls("PoolKernels.MaxUnpoolBackward", variant, b => PoolKernels.MaxUnpoolBackward(b.F("dy", n * p.InputSize), b.I("switches", n * p.OutputSize),
                b.F("dx", n * p.OutputSize), n, p), "dy", "switches", "dx")) yield return c;
            foreach (var c in Calls("PoolKernels.AverageForward", variant, b => PoolKernels.AverageForward(b.F("x", n * p.InputSize), b.F("y", n * p.OutputSize), n, p),
                "x", "y")) yield return c;
            foreach (var c in Calls("PoolKernels.AverageBackward", variant, b => PoolKernels.AverageBackward(b.F("dy", n * p.OutputSize), b.F("dx", n * p.InputSize), n, p),
                "dy", "dx")) yield return c;
        }
        foreach (var c in Calls("PoolKernels.GlobalAverageForward", "", b => PoolKernels.GlobalAverageForward(b.F("x", 2 * 3 * 4), b.F("y", 2 * 3), 2, 3, 4),
            "x", "y")) yield return c;
        foreach (var c in Calls("PoolKernels.GlobalAverageBackward", "", b => PoolKernels.GlobalAverageBackward(b.F("dy", 2 * 3), b.F("dx", 2 * 3 * 4), 2, 3, 4),
            "dy", "dx")) yield return c;

        // ---- Graph ----
        foreach (var c in Calls("GraphKernels.Add", "", b => GraphKernels.Add(b.F("a", 10), b.F("b", 10), b.F("y", 10)), "a", "b")) yield return c;
        foreach (var c in Calls("GraphKernels.CopyTimesDerivative", "", b => GraphKernels.CopyTimesDerivative(b.F("dy", 10), b.F("yPrev", 10), b.F("dPrev", 10),
            default(TanhActivation)), "dy", "yPrev")) yield return c;
        foreach (var c in Calls("GraphKernels.MultiplyByDerivative", "", b => GraphKernels.MultiplyByDerivative(b.F("d", 10), b.F("y", 10), default(TanhActivation)),
            "y")) yield return c;
        foreach (var c in Calls("GraphKernels.ConcatPart", "", b => GraphKernels.ConcatPart(b.F("part", 3 * 2), 2, b.F("output", 3 * 5), 5, 1, 3),
            "part", "output")) yield return c;
        foreach (var c in Calls("GraphKernels.SplitPart", "", b => GraphKernels.SplitPart(b.F("dy", 3 * 5), 5, 1, b.F("yPrev", 3 * 2), b.F("dPart", 3 * 2), 2, 3,
            default(TanhActivation)), "dy", "yPrev", "dPart")) yield return c;

        // ---- Dropout, PReLU, BatchNorm, penalties ----
        foreach (var c in Calls("DropoutKernels.ForwardTraining", "", b => DropoutKernels.ForwardTraining(b.F("x", 12), b.F("y", 12), b.F("mask", 12), 0.5f, 1, 2, 3),
            "y", "mask")) yield return c;
        foreach (var c in Calls("DropoutKernels.Backward", "", b => DropoutKernels.Backward(b.F("dy", 12), b.F("mask", 12), b.F("yPrev", 12), b.F("dPrev", 12),
            default(TanhActivation)), "mask", "yPrev", "dPrev")) yield return c;
        foreach (var c in Calls("PReLUKernels.Forward", "", b => PReLUKernels.Forward(b.F("x", 12), b.F("y", 12), 0.25f), "y")) yield return c;
        foreach (var c in Calls("PReLUKernels.Backward", "", b => PReLUKernels.Backward(b.F("dy", 12), b.F("x", 12), 0.25f, b.F("dPrev", 12), default(TanhActivation)),
            "x", "dPrev")) yield return c;
        const int normBatch = 4, features = 3, plane = 2, values = normBatch * features * plane;
        foreach (var c in Calls("BatchNormKernels.ForwardTraining", "", b => BatchNormKernels.ForwardTraining(b.F("x", values), b.F("y", values), b.F("normalized", values),
            b.F("gamma", features), b.F("beta", features), b.F("runningMean", features), b.F("runningVariance", features), b.F("inverseStd", features),
            normBatch, 0.1f, 1e-5f, default(ReLUActivation), plane),
            "x", "y", "normalized", "beta", "runningMean", "runningVariance", "inverseStd")) yield return c;
        foreach (var c in Calls("BatchNormKernels.ForwardInference", "", b => BatchNormKernels.ForwardInference(b.F("x", values), b.F("y", values),
            b.F("gamma", features), b.F("beta", features), b.F("runningMean", features), b.F("runningVariance", features), normBatch, 1e-5f, default(ReLUActivation), plane),
            "x", "y", "beta", "runningMean", "runningVariance")) yield return c;
        foreach (var c in Calls("BatchNormKernels.Backward", "", b => BatchNormKernels.Backward(b.F("dy", values), b.F("y", values), b.F("normalized", values),
            b.F("gamma", features), b.F("inverseStd", features), b.F("gammaGradient", features), b.F("betaGradient", features), b.F("yPrev", values), b.F("dPrev", values),
            normBatch, default(ReLUActivation), default(TanhActivation), plane),
            "dy", "y", "normalized", "inverseStd", "gammaGradient", "betaGradient", "yPrev", "dPrev")) yield return c;
        foreach (var c in Calls("RegularizationKernels.AddGradient", "", b => RegularizationKernels.AddGradient(b.F("weights", 9), b.F("gradients", 9), 0.1f, 0.2f),
            "gradients")) yield return c;
        foreach (var c in Calls("ActivityKernels.AddL1Gradient", "", b => ActivityKernels.AddL1Gradient(b.F("outputs", 9), b.F("delta", 9), 3, 0.1f, default(ReLUActivation)),
            "delta")) yield return c;

        // ---- Losses and softmax ----
        const int lossBatch = 3, width = 4;
        foreach (var c in Calls("LossKernels.MeanSquaredError", "", b => LossKernels.MeanSquaredError(b.F("y", lossBatch * width), b.F("targets", lossBatch * width),
            b.F("dz", lossBatch * width), lossBatch, default(TanhActivation), b.F("sampleWeights", lossBatch)), "targets", "dz", "sampleWeights")) yield return c;
        foreach (var c in Calls("LossKernels.BinaryCrossEntropy", "", b => LossKernels.BinaryCrossEntropy(b.F("y", lossBatch * width), b.F("targets", lossBatch * width),
            b.F("dz", lossBatch * width), lossBatch, default(TanhActivation), b.F("sampleWeights", lossBatch)), "targets", "dz", "sampleWeights")) yield return c;
        foreach (var c in Calls("LossKernels.BinaryCrossEntropyLogistic", "", b => LossKernels.BinaryCrossEntropyLogistic(b.F("y", lossBatch * width),
            b.F("targets", lossBatch * width), b.F("dz", lossBatch * width), lossBatch, 1f, b.F("sampleWeights", lossBatch)), "targets", "dz", "sampleWeights")) yield return c;
        foreach (var c in Calls("LossKernels.SoftmaxCrossEntropyOnProbabilities", "", b => LossKernels.SoftmaxCrossEntropyOnProbabilities(b.F("y", lossBatch * width),
            b.F("targets", lossBatch * width), b.F("dz", lossBatch * width), lossBatch, b.F("sampleWeights", lossBatch)), "targets", "dz", "sampleWeights")) yield return c;
        foreach (var c in Calls("LossKernels.SoftmaxCrossEntropyOnLogits", "", b => LossKernels.SoftmaxCrossEntropyOnLogits(b.F("y", lossBatch * width),
            b.F("targets", lossBatch * width), b.F("dz", lossBatch * width), lossBatch, default(LinearActivation), b.F("sampleWeights", lossBatch)),
            "targets", "dz", "sampleWeights")) yield return c;
        foreach (var c in Calls("SoftmaxKernels.Backward", "", b => SoftmaxKernels.Backward(b.F("y", lossBatch * width), b.F("gradient", lossBatch * width), width),
            "gradient")) yield return c;

        // ---- Tied dense, perceptron ----
        const int tiedN = 5, tiedM = 3;
        foreach (var c in Calls("TiedDenseKernels.Forward", "", b => TiedDenseKernels.Forward(b.F("x", batch * tiedN), b.F("w", tiedN * tiedM), b.F("bias", tiedM),
            b.F("y", batch * tiedM), batch, tiedN, tiedM, default(ReLUActivation)), "x", "w", "bias", "y")) yield return c;
        foreach (var c in Calls("TiedDenseKernels.Backward", "", b => TiedDenseKernels.Backward(b.F("dz", batch * tiedM), b.F("x", batch * tiedN), b.F("w", tiedN * tiedM),
            b.F("dw", tiedN * tiedM), b.F("db", tiedM), b.F("dx", batch * tiedN), batch, tiedN, tiedM, default(TanhActivation)),
            "dz", "x", "w", "dw", "db", "dx")) yield return c;
        foreach (var c in Calls("PerceptronKernels.Update", "", b => PerceptronKernels.Update(b.F("input", 4), b.F("target", 2), b.F("output", 2), b.F("weights", 8),
            b.F("bias", 2), 0.5f), "target", "output", "weights")) yield return c;
    }

    // ---- Shape arguments ----

    [Fact]
    public void A_shape_whose_product_wraps_around_32_bits_is_refused()
    {
        // 65536 × 65536 is 2³² ≡ 0 in 32-bit arithmetic: empty spans once passed the checks and the loops wrote past them.
        const int huge = 65536;
        var e = Assert.Throws<ArgumentException>(() =>
            DenseKernels.Forward(default, default, new float[huge], default, huge, huge, huge, default(LinearActivation)));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("4294967296", e.Message);
        e = Assert.Throws<ArgumentException>(() => TiedDenseKernels.Forward(default, default, new float[huge], default, huge, huge, huge, default(LinearActivation)));
        Assert.Equal("x", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => PoolKernels.GlobalAverageForward(default, default, huge, huge, 1));
        Assert.Equal("x", e.ParamName);
    }

    [Fact]
    public void Convolution_and_pooling_shapes_beyond_32_bit_sizes_are_refused()
    {
        var conv = new Conv2DShape(65536, 65536, 1, 1, 1, 1);
        Assert.Contains("beyond 32-bit", Assert.Throws<ArgumentException>(conv.Validate).Message);
        Assert.Throws<ArgumentException>(() => ConvKernels.Forward(default, new float[65536], new float[1], default, 1, conv, default, default(LinearActivation)));
        var pool = new Pool2DShape(65536, 65536, 1, 1, 1, 1, 1);
        Assert.Contains("beyond 32-bit", Assert.Throws<ArgumentException>(pool.Validate).Message);
        Assert.Throws<ArgumentException>(() => PoolKernels.AverageForward(default, default, 1, pool));
    }

    [Fact]
    public void A_pooling_window_larger_than_its_input_is_refused()
    {
        // (2 − 3) / 2 + 1 truncates to 1 output: the unpadded path read a 3×3 window from a 2×2 plane.
        var s = new Pool2DShape(1, 2, 2, 3, 3, 2, 2);
        var x = new float[4];
        var y = new float[1];
        var e = Assert.Throws<ArgumentException>(() => PoolKernels.MaxForward(x, y, new int[1], 1, s));
        Assert.Contains("does not fit", e.Message);
        Assert.Equal(0f, y[0]);
        Assert.Throws<ArgumentException>(() => new Pool2DShape(1, 4, 4, 0, 2, 2, 2).Validate());
        Assert.Throws<ArgumentException>(() => new Pool2DShape(1, 4, 4, 2, 2, 2, 2, -1, 0).Validate());
        new Pool2DShape(1, 2, 2, 3, 3, 2, 2, 1, 1).Validate(); // fits once padded
    }

    [Fact]
    public void A_convolution_kernel_just_larger_than_its_input_is_refused()
    {
        // (2 − 3) / 2 + 1 also truncates to 1; Validate compares before dividing.
        var s = new Conv2DShape(1, 2, 2, 1, 3, 3, 2, 2);
        Assert.Contains("does not fit", Assert.Throws<ArgumentException>(s.Validate).Message);
    }

    public static IEnumerable<object[]> NegativeShapes() => new[]
    {
        // Products of two negative sizes are positive: these once passed the length checks.
        new object[] { "DenseKernels.Forward", "batch", (Action)(() => DenseKernels.Forward(new float[6], default, default, default, -2, -3, 0, default(LinearActivation))) },
        new object[] { "DenseKernels.WeightGradient", "batch", (Action)(() => DenseKernels.WeightGradient(default, new float[6], default, default, -2, -3, 0)) },
        new object[] { "DenseKernels.InputGradient", "inSize", (Action)(() => DenseKernels.InputGradient(default, default, default, default, 0, -3, 0, default(LinearActivation))) },
        new object[] { "DenseKernels.BiasActivation", "width", (Action)(() => DenseKernels.BiasActivation(new float[4], new float[4], -1, default(LinearActivation))) },
        new object[] { "ConvKernels.Forward", "batch", (Action)(() => ConvKernels.Forward(default, new float[9], new float[1], default, -1, new Conv2DShape(1, 4, 4, 1, 3, 3), new float[64], default(LinearActivation))) },
        new object[] { "ConvKernels.ChannelSums", "batch", (Action)(() => ConvKernels.ChannelSums(new float[6], default, -2, 0, -3)) },
        new object[] { "PoolKernels.AverageForward", "batch", (Action)(() => PoolKernels.AverageForward(default, default, -1, new Pool2DShape(1, 4, 4, 2, 2, 2, 2))) },
        new object[] { "PoolKernels.GlobalAverageForward", "batch", (Action)(() => PoolKernels.GlobalAverageForward(new float[6], new float[2], -2, -1, 3)) },
        new object[] { "GraphKernels.ConcatPart", "width", (Action)(() => GraphKernels.ConcatPart(new float[6], -3, new float[2], -1, 0, -2)) },
        new object[] { "TiedDenseKernels.Forward", "batch", (Action)(() => TiedDenseKernels.Forward(new float[6], default, default, default, -2, -3, 0, default(LinearActivation))) },
        new object[] { "BatchNormKernels.ForwardInference", "batch", (Action)(() => BatchNormKernels.ForwardInference(new float[6], new float[6], new float[1], new float[1], new float[1], new float[1], -2, 1e-5f, default(LinearActivation), -3)) },
        new object[] { "SoftmaxKernels.Forward", "width", (Action)(() => SoftmaxKernels.Forward(new float[4], 0)) },
        new object[] { "SoftmaxKernels.Backward", "width", (Action)(() => SoftmaxKernels.Backward(new float[4], new float[4], 0)) },
    };

    [Theory]
    [MemberData(nameof(NegativeShapes))]
    public void Negative_or_zero_sizes_are_refused_by_name(string kernel, string argument, Action call)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(call);
        Assert.Equal(argument, e.ParamName);
        Assert.Contains(kernel, e.Message);
    }

    [Fact]
    public void A_layer_of_zero_outputs_returns_instead_of_looping_forever()
    {
        // BiasActivation stepped through the rows by their width: a width of 0 never advanced.
        DenseKernels.Forward(new float[6], default, default, default, 2, 3, 0, default(ReLUActivation));
        DenseKernels.BiasActivation(new float[4], default, 0, default(ReLUActivation));
    }

    [Fact]
    public void Narrow_2x2_pooling_over_a_large_batch_matches_the_definition()
    {
        // Maps narrower than eight outputs take the scalar tail of the 2×2 path for every window; it used a stackalloc
        // per window, which grew the stack by 12 bytes a window (6 MB here) until the method returned.
        var s = new Pool2DShape(16, 8, 8, 2, 2, 2, 2);
        const int batch = 2048;
        var random = new Random(3);
        var x = new float[batch * s.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
        var y = new float[batch * s.OutputSize];
        var switches = new int[y.Length];
        PoolKernels.MaxForward(x, y, switches, batch, s);
        for (int bc = 0; bc < batch * s.Channels; bc += 997)
            for (int o = 0; o < 16; o++)
            {
                int oy = o / 4, ox = o % 4, at = bc * 64 + 2 * oy * 8 + 2 * ox;
                float expected = Math.Max(Math.Max(x[at], x[at + 1]), Math.Max(x[at + 8], x[at + 9]));
                Assert.Equal(expected, y[bc * 16 + o]);
                Assert.Equal(expected, x[bc * 64 + switches[bc * 16 + o]]);
            }
        // With AVX2 every window takes the 256-bit path's scalar tail; with SSE or AdvSimd four windows fill a 128-bit
        // vector; without SIMD this checks the general path.
    }

    // ---- Optimizers ----

    public static IEnumerable<object[]> Optimizers() => new[]
    {
        new object[] { (Func<Optimizer>)(() => new Sgd(0.1f)) },
        new object[] { (Func<Optimizer>)(() => new Sgd(0.1f, momentum: 0.9f)) },
        new object[] { (Func<Optimizer>)(() => new AdaGrad()) },
        new object[] { (Func<Optimizer>)(() => new RmsProp()) },
        new object[] { (Func<Optimizer>)(() => new AdaDelta()) },
        new object[] { (Func<Optimizer>)(() => new Adam()) },
    };

    private static float[] Values(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void A_step_with_mismatched_gradients_changes_nothing(Func<Optimizer> create)
    {
        var optimizer = create();
        var parameters = Values(12, 1);
        var before = (float[])parameters.Clone();
        optimizer.Step(parameters, Values(12, 2));
        before = (float[])parameters.Clone();
        var e = Assert.Throws<ArgumentException>(() => optimizer.Step(parameters, Values(11, 3)));
        Assert.Equal("gradients", e.ParamName);
        Assert.Equal(before, parameters);
        Assert.Equal(1, optimizer.StepCount);
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void One_optimizer_for_two_sizes_starts_its_state_over_for_each(Func<Optimizer> create)
    {
        // The state follows the parameters it is given: a network of another size gets a fresh, correctly sized state.
        var shared = create();
        var small = Values(12, 1);
        var large = Values(40, 2);
        shared.Step(small, Values(12, 3));
        shared.Step(small, Values(12, 4));
        Assert.Equal(2, shared.StepCount);

        var fresh = create();
        var expected = (float[])large.Clone();
        fresh.Step(expected, Values(40, 5));
        shared.Step(large, Values(40, 5));
        Assert.Equal(1, shared.StepCount);
        Assert.Equal(expected, large);

        var expectedSmall = (float[])small.Clone();
        create().Step(expectedSmall, Values(12, 6));
        shared.Step(small, Values(12, 6));
        Assert.Equal(1, shared.StepCount);
        Assert.Equal(expectedSmall, small);
    }
}
