using System;
using System.Linq;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using Compiled.Nets.CompilerServices;
using Compiled.Nets.Quantization;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// The int8 kernels against plain loops: every dot-product form this CPU runs gives the scalar reference's int32 sums bit
/// for bit, at sizes that reach the 4-column tiles and the tails; the epilogues, im2col and pooling give the reference's levels.
/// </summary>
public class Int8KernelTests
{
    private static readonly Int8Path[] AllPaths = Enum.GetValues<Int8Path>();

    public static TheoryData<Int8Path> SupportedPaths()
    {
        var data = new TheoryData<Int8Path>();
        foreach (var path in AllPaths.Where(Int8Kernels.IsSupported)) data.Add(path);
        return data;
    }

    private static byte[] Levels(int count, int seed, int max = 127)
    {
        var random = new SeededRandom(seed);
        var values = new byte[count];
        for (int i = 0; i < count; i++) values[i] = (byte)random.NextInt(max + 1);
        return values;
    }

    private static sbyte[] Weights(int count, int seed)
    {
        var random = new SeededRandom(seed);
        var values = new sbyte[count];
        for (int i = 0; i < count; i++) values[i] = (sbyte)(random.NextInt(256) - 128);
        return values;
    }

    /// <summary>Rows of <paramref name="depth"/> values padded with zeros to the aligned depth (the padding of activations is arbitrary levels).</summary>
    private static (byte[] A, sbyte[] B, int Padded) Operands(int rows, int cols, int depth, int seed)
    {
        int padded = Int8Kernels.PaddedDepth(depth);
        var a = Levels(rows * padded, seed);
        var raw = Weights(cols * depth, seed + 1);
        var b = new sbyte[cols * padded];
        for (int c = 0; c < cols; c++) raw.AsSpan(c * depth, depth).CopyTo(b.AsSpan(c * padded));
        return (a, b, padded);
    }

    private static int[] Reference(byte[] a, sbyte[] b, int rows, int cols, int padded, int rowStride, int colStride)
    {
        var sums = new int[(rows - 1) * rowStride + (cols - 1) * colStride + 1];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                int sum = 0;
                for (int k = 0; k < padded; k++) sum += a[r * padded + k] * b[c * padded + k];
                sums[r * rowStride + c * colStride] = sum;
            }
        return sums;
    }

    [Fact]
    public void The_chosen_path_runs_here_and_vnni_is_chosen_only_where_the_cpu_has_it()
    {
        Assert.True(Int8Kernels.IsSupported(Int8Kernels.BestPath));
        Assert.True(Int8Kernels.IsSupported(Int8Path.Scalar));
        Assert.Equal(AvxVnni.IsSupported && System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated, Int8Kernels.IsSupported(Int8Path.AvxVnni));
        Assert.Equal(Dp.IsSupported, Int8Kernels.IsSupported(Int8Path.ArmDotProduct));
        // The widest supported form wins: no supported form is listed after the chosen one.
        Assert.DoesNotContain(AllPaths.Where(p => p > Int8Kernels.BestPath), Int8Kernels.IsSupported);
    }

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void Every_path_gives_the_scalar_reference_sums_bit_for_bit(Int8Path path)
    {
        foreach (int rows in new[] { 1, 2, 5 })
            foreach (int cols in new[] { 1, 3, 4, 5, 9 })
                foreach (int depth in new[] { 1, 31, 33, 100, 784 })
                {
                    var (a, b, padded) = Operands(rows, cols, depth, rows * 1000 + cols * 10 + depth);
                    // Row-major sums (dense) and channel-major (convolution planes).
                    foreach (var (rowStride, colStride) in new[] { (cols, 1), (1, rows) })
                    {
                        var expected = Reference(a, b, rows, cols, padded, rowStride, colStride);
                        var actual = new int[expected.Length];
                        Int8Kernels.MultiplyAccumulate(a, b, actual, rows, cols, padded, rowStride, colStride, path);
                        Assert.True(expected.SequenceEqual(actual), $"{path}: {rows}×{cols}, depth {depth}, strides ({rowStride}, {colStride})");
                    }
                }
    }

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void The_extremes_do_not_saturate(Int8Path path)
    {
        // 127 · (−128) in every pair: vpmaddubsw's int16 pair sum is −32,512, inside int16; a full byte (255) would saturate it.
        const int depth = 1024;
        var a = Enumerable.Repeat((byte)127, depth).ToArray();
        foreach (sbyte w in new sbyte[] { -128, 127 })
        {
            var b = Enumerable.Repeat(w, 4 * depth).ToArray();
            var sums = new int[4];
            Int8Kernels.MultiplyAccumulate(a, b, sums, 1, 4, depth, 4, 1, path);
            Assert.All(sums, s => Assert.Equal(127 * w * depth, s));
        }
    }

    /// <summary>
    /// The instructions' arithmetic, modelled in scalar code: vpmaddubsw + vpmaddwd (AVX2) and vpdpbusd (VNNI, which cannot run
    /// on this machine) equal the exact sum for 7-bit activations; with 8-bit ones vpmaddubsw saturates — why levels stop at 127.
    /// </summary>
    [Fact]
    public void Modelled_avx2_and_vnni_arithmetic_is_exact_for_seven_bit_activations_only()
    {
        static int Exact(byte[] a, sbyte[] b) { int s = 0; for (int i = 0; i < a.Length; i++) s += a[i] * b[i]; return s; }
        static int Avx2Model(byte[] a, sbyte[] b)
        {
            int s = 0;
            for (int i = 0; i < a.Length; i += 2)
                s += Math.Clamp(a[i] * b[i] + a[i + 1] * b[i + 1], short.MinValue, short.MaxValue); // pmaddubsw's saturation, then pmaddwd by 1
            return s;
        }
        static int VnniModel(byte[] a, sbyte[] b)
        {
            int s = 0;
            for (int i = 0; i < a.Length; i += 4)
                s = unchecked(s + (a[i] * b[i] + a[i + 1] * b[i + 1] + a[i + 2] * b[i + 2] + a[i + 3] * b[i + 3]));
            return s;
        }
        var random = new SeededRandom(5);
        for (int trial = 0; trial < 200; trial++)
        {
            var a = Levels(64, trial);
            var b = Weights(64, trial + 7);
            Assert.Equal(Exact(a, b), Avx2Model(a, b));
            Assert.Equal(Exact(a, b), VnniModel(a, b));
        }
        var full = Enumerable.Repeat((byte)255, 64).ToArray();
        var negative = Enumerable.Repeat((sbyte)-128, 64).ToArray();
        Assert.Equal(Exact(full, negative), VnniModel(full, negative));
        Assert.NotEqual(Exact(full, negative), Avx2Model(full, negative));
    }

    [Fact]
    public void A_level_above_127_and_unaligned_depths_are_refused()
    {
        var a = new byte[32];
        var b = new sbyte[32];
        var sums = new int[1];
        a[5] = 128;
        Assert.Throws<ArgumentException>(() => Int8Kernels.MultiplyAccumulate(a, b, sums, 1, 1, 32, 1, 1, Int8Path.Scalar));
        Assert.Throws<ArgumentException>(() => Int8Kernels.MultiplyAccumulate(new byte[31], new sbyte[31], sums, 1, 1, 31, 1, 1, Int8Path.Scalar));
        Assert.Throws<ArgumentException>(() => Int8Kernels.MultiplyAccumulate(new byte[32], new sbyte[32], new int[0], 1, 1, 32, 1, 1, Int8Path.Scalar));
        foreach (var path in AllPaths.Where(p => !Int8Kernels.IsSupported(p)))
            Assert.Throws<PlatformNotSupportedException>(() => Int8Kernels.MultiplyAccumulate(new byte[32], b, sums, 1, 1, 32, 1, 1, path));
    }

    [Fact]
    public void Quantize_gives_each_value_its_level_with_ties_to_even_and_clamping()
    {
        var q = new ActivationQuantization(0.5f, 3);
        for (int n = 0; n <= 41; n++)
        {
            var x = new float[n];
            var random = new SeededRandom(n);
            for (int i = 0; i < n; i++) x[i] = (random.NextFloat() - 0.3f) * 100f;
            if (n > 4) { x[0] = 0.25f; x[1] = 0.75f; x[2] = -1000f; x[3] = 1e30f; x[4] = -1.25f; } // ties at 0.5 and 1.5 levels, clamped ends
            var levels = new byte[n + 3];
            levels.AsSpan(n).Fill(77);
            Int8Kernels.Quantize(x, levels, q);
            for (int i = 0; i < n; i++) Assert.Equal(q.Quantize(x[i]), levels[i]);
            Assert.All(levels.Skip(n), v => Assert.Equal(77, v)); // the tail is left alone
            if (n > 4) Assert.Equal(new byte[] { 3, 5, 0, 127, 1 }, levels.Take(5).ToArray());
        }
    }

    [Fact]
    public void A_calibrated_range_keeps_zero_exact_and_maps_its_ends_to_the_end_levels()
    {
        var relu = ActivationQuantization.FromRange(0f, 6.35f);
        Assert.Equal(0, relu.ZeroPoint);
        Assert.Equal(127, relu.Quantize(6.35f));
        Assert.Equal(0f, relu.Dequantize(0));
        var signed = ActivationQuantization.FromRange(-1f, 3f);
        Assert.Equal(0f, signed.Dequantize(signed.Quantize(0f)));
        Assert.Equal(0, signed.Quantize(-1f));
        Assert.Equal(127, signed.Quantize(3f));
        var positive = ActivationQuantization.FromRange(2f, 4f); // widened to hold 0
        Assert.Equal(0, positive.ZeroPoint);
        Assert.Equal(new ActivationQuantization(1f, 0), ActivationQuantization.FromRange(0f, 0f));
        var calibration = new Calibration(1);
        Assert.Throws<InvalidOperationException>(() => calibration.Result(0));
        Assert.Throws<ArgumentException>(() => calibration.Observe(0, new[] { 1f, float.NaN }));
    }

    [Fact]
    public void Weights_round_trip_within_half_a_step_per_channel()
    {
        const int outputs = 7, depth = 45;
        var random = new SeededRandom(3);
        var w = new float[outputs * depth];
        for (int i = 0; i < w.Length; i++) w[i] = random.NextGaussian() * (1 + i / depth);
        w.AsSpan(2 * depth, depth).Clear(); // an all-zero channel
        var bias = Enumerable.Range(0, outputs).Select(i => i * 0.1f).ToArray();
        var input = new ActivationQuantization(0.02f, 5);
        var layer = QuantizedLinear.Create("L", w, bias, outputs, depth, input, null);
        Assert.Equal(64, layer.PaddedDepth);
        for (int c = 0; c < outputs; c++)
        {
            float scale = layer.WeightScales[c];
            float max = w.AsSpan(c * depth, depth).ToArray().Max(MathF.Abs);
            Assert.Equal(max > 0 ? max / 127f : 1f, scale);
            int sum = 0;
            for (int k = 0; k < depth; k++)
            {
                Assert.True(MathF.Abs(layer.Weight(c, k) * scale - w[c * depth + k]) <= scale / 2 * 1.0001f, $"weight [{c}, {k}]");
                sum += layer.Weight(c, k);
            }
            for (int k = depth; k < layer.PaddedDepth; k++) Assert.Equal(0, layer.PaddedWeights[c * layer.PaddedDepth + k]);
            Assert.Equal(bias[c] - input.Scale * scale * input.ZeroPoint * sum, layer.Offsets[c], 5);
        }
        Assert.Equal(127, Enumerable.Range(0, depth).Max(k => Math.Abs((int)layer.Weight(0, k))));
        Assert.Throws<ArgumentException>(() => QuantizedLinear.Create("L", w.AsSpan(1).ToArray(), bias, outputs, depth, input, null));
        w[3] = float.NaN;
        Assert.Throws<ArgumentException>(() => QuantizedLinear.Create("L", w, bias, outputs, depth, input, null));
    }

    private static byte ReferenceLevel(int sum, float multiplier, float offset, ActivationQuantization output, bool relu)
    {
        float z = sum * multiplier + offset;
        if (relu) z = MathF.Max(z, 0f);
        return output.Quantize(z);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Dense_gives_the_reference_levels_and_floats(int batch)
    {
        const int outputs = 37, depth = 70;
        var w = new float[outputs * depth];
        var random = new SeededRandom(11);
        for (int i = 0; i < w.Length; i++) w[i] = random.NextGaussian() * 0.1f;
        var bias = Enumerable.Range(0, outputs).Select(i => (i - 18) * 0.05f).ToArray();
        var input = new ActivationQuantization(0.03f, 9);
        var output = new ActivationQuantization(0.05f, 2);
        var layer = QuantizedLinear.Create("D", w, bias, outputs, depth, input, output);
        var x = Levels(batch * layer.PaddedDepth, 4);
        int stride = Int8Kernels.PaddedDepth(outputs);
        var y = new byte[batch * stride];
        var sums = new int[batch * outputs];
        Int8Kernels.Dense(x, layer, sums, y, batch, default(ReLUActivation));
        var floats = new float[batch * outputs];
        Int8Kernels.Dense(x, QuantizedLinear.Create("D", w, bias, outputs, depth, input, null), sums, floats, batch, default(LinearActivation));
        for (int r = 0; r < batch; r++)
            for (int c = 0; c < outputs; c++)
            {
                int sum = 0;
                for (int k = 0; k < layer.PaddedDepth; k++) sum += x[r * layer.PaddedDepth + k] * layer.PaddedWeights[c * layer.PaddedDepth + k];
                Assert.Equal(ReferenceLevel(sum, layer.Multipliers[c], layer.Offsets[c], output, relu: true), y[r * stride + c]);
                Assert.Equal(sum * layer.Multipliers[c] + layer.Offsets[c], floats[r * outputs + c]);
                // The integer form approximates the float layer on the dequantised input.
                // The integer form is the float layer on the dequantised input, up to each weight's rounding (at most half a step).
                float exact = bias[c], bound = 1e-4f;
                for (int k = 0; k < depth; k++)
                {
                    float xk = input.Dequantize(x[r * layer.PaddedDepth + k]);
                    exact += w[c * depth + k] * xk;
                    bound += MathF.Abs(xk) * layer.WeightScales[c] / 2;
                }
                Assert.True(MathF.Abs(exact - floats[r * outputs + c]) <= bound, $"[{r}, {c}]: {floats[r * outputs + c]} against {exact}, bound {bound}");
            }
        for (int r = 0; r < batch; r++)
            Assert.All(y.Skip(r * stride + outputs).Take(stride - outputs), v => Assert.Equal(0, v));
    }

    [Theory]
    [InlineData(1, 28, 28, 6, 5, 1, 2)] // LeNet C1
    [InlineData(6, 14, 14, 16, 5, 1, 0)] // LeNet C3
    [InlineData(3, 9, 11, 5, 3, 2, 1)] // odd sizes, stride 2, padding
    [InlineData(2, 12, 13, 3, 10, 1, 1)] // a kernel wider than 8: the byte-by-byte copy
    [InlineData(5, 7, 9, 9, 1, 1, 0)] // 1×1: every tap a run of its own
    [InlineData(3, 8, 21, 10, 3, 1, 1)] // 3×3, rows of 21: blocks of 8 that run past the row
    public void Conv2D_gives_the_reference_levels_with_the_zero_point_as_padding(int inChannels, int height, int width, int outChannels, int kernel, int stride, int pad)
    {
        var shape = new Conv2DShape(inChannels, height, width, outChannels, kernel, kernel, stride, stride, pad, pad);
        var random = new SeededRandom(height * width);
        var w = new float[shape.WeightCount];
        for (int i = 0; i < w.Length; i++) w[i] = random.NextGaussian() * 0.2f;
        var bias = Enumerable.Range(0, outChannels).Select(i => i * 0.03f - 0.05f).ToArray();
        var input = new ActivationQuantization(0.04f, 11);
        var output = new ActivationQuantization(0.1f, 0);
        var layer = QuantizedLinear.Create("C", w, bias, outChannels, shape.PatchLength, input, output);
        var x = Levels(shape.InputSize, 8);
        var workspace = new byte[Int8Kernels.Conv2DWorkspaceLength(shape)];
        var sums = new int[Int8Kernels.Conv2DSumsLength(shape)];
        var y = new byte[shape.OutputSize];
        var public_ = new byte[shape.OutputSize];
        Int8Kernels.Conv2D(x, layer, shape, workspace, sums, public_, default(ReLUActivation));
        // Every form this CPU runs (AVX2 and VNNI build the receptive fields by shuffles at stride 1, the others by rows).
        foreach (var path in AllPaths.Where(Int8Kernels.IsSupported))
        {
            Array.Clear(y);
            Int8Kernels.Conv2D(x, layer, shape, workspace, sums, y, default(ReLUActivation), path);
            Assert.True(public_.SequenceEqual(y), $"{path} differs from the entry point's form");
        }
        for (int o = 0; o < outChannels; o++)
            for (int oy = 0; oy < shape.OutHeight; oy++)
                for (int ox = 0; ox < shape.OutWidth; ox++)
                {
                    int sum = 0;
                    for (int c = 0; c < inChannels; c++)
                        for (int ky = 0; ky < kernel; ky++)
                            for (int kx = 0; kx < kernel; kx++)
                            {
                                int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                                int level = iy >= 0 && iy < height && ix >= 0 && ix < width ? x[(c * height + iy) * width + ix] : input.ZeroPoint;
                                sum += level * layer.Weight(o, (c * kernel + ky) * kernel + kx);
                            }
                    Assert.Equal(ReferenceLevel(sum, layer.Multipliers[o], layer.Offsets[o], output, relu: true), y[(o * shape.OutHeight + oy) * shape.OutWidth + ox]);
                }
    }

    [Theory]
    [InlineData(6, 28, 28, 2, 2, 0)] // LeNet S2: the vector path and its tail
    [InlineData(16, 10, 10, 2, 2, 0)]
    [InlineData(3, 35, 41, 2, 2, 0)]
    [InlineData(2, 9, 7, 3, 2, 1)]
    public void Max_pooling_on_levels_matches_the_reference(int channels, int height, int width, int size, int stride, int pad)
    {
        var shape = new Pool2DShape(channels, height, width, size, size, stride, stride, pad, pad);
        var x = Levels(shape.InputSize, height + width);
        var y = new byte[shape.OutputSize];
        Int8Kernels.MaxPool(x, y, shape);
        for (int c = 0; c < channels; c++)
            for (int oy = 0; oy < shape.OutHeight; oy++)
                for (int ox = 0; ox < shape.OutWidth; ox++)
                {
                    int best = -1;
                    for (int ky = 0; ky < size; ky++)
                        for (int kx = 0; kx < size; kx++)
                        {
                            int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                            if (iy >= 0 && iy < height && ix >= 0 && ix < width) best = Math.Max(best, x[(c * height + iy) * width + ix]);
                        }
                    Assert.Equal(best, y[(c * shape.OutHeight + oy) * shape.OutWidth + ox]);
                }
    }
}
