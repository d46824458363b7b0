using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Nets.CompilerServices;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>The CPU convolution and pooling kernels (groundwork for CNN layers) against direct loops and central differences.</summary>
public class ConvKernelTests
{
    private readonly ITestOutputHelper _output;
    public ConvKernelTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Shapes() => new[]
    {
        new object[] { "3×9×7, 4 filters 3×2, stride 2×1, pad 1×0", new Conv2DShape(3, 9, 7, 4, 3, 2, 2, 1, 1, 0) },
        new object[] { "2×5×5, 3 filters 5×5, pad 2 ('same')", new Conv2DShape(2, 5, 5, 3, 5, 5, 1, 1, 2, 2) },
        new object[] { "4×6×6 → 6, 1×1", new Conv2DShape(4, 6, 6, 6, 1, 1) },
        new object[] { "depthwise 3×8×8, 3×3, stride 2, pad 1", new Conv2DShape(3, 8, 8, 3, 3, 3, 2, 2, 1, 1, Groups: 3) },
        new object[] { "depthwise ×2 3×10×19, 3×3, pad 1 (shifted rows, rows of 19)", new Conv2DShape(3, 10, 19, 6, 3, 3, 1, 1, 1, 1, Groups: 3) },
        new object[] { "1-D: 2×1×20, 5 filters 1×4, stride 3", new Conv2DShape(2, 1, 20, 5, 1, 4, 1, 3) },
        new object[] { "grouped 4×5×5 → 6, 2 groups, 3×3 'full' (pad 2)", new Conv2DShape(4, 5, 5, 6, 3, 3, 1, 1, 2, 2, Groups: 2) },
        new object[] { "LeNet C1-like 1×12×12, 6 filters 5×5, pad 2 (shifted rows)", new Conv2DShape(1, 12, 12, 6, 5, 5, 1, 1, 2, 2) },
        new object[] { "LeNet C3-like 3×12×12, 16 filters 5×5 (shifted rows)", new Conv2DShape(3, 12, 12, 16, 5, 5) },
        new object[] { "2×7×9, 7 filters 3×2, pad 1×0 (shifted rows)", new Conv2DShape(2, 7, 9, 7, 3, 2, 1, 1, 1, 0) },
        new object[] { "1-D: 2×1×37, 3 filters 1×4, pad 1 (shifted rows)", new Conv2DShape(2, 1, 37, 3, 1, 4, 1, 1, 0, 1) },
    };

    private static float[] Random(int count, int seed)
    {
        var random = new SeededRandom(seed);
        return Enumerable.Range(0, count).Select(_ => random.NextGaussian()).ToArray();
    }

    /// <summary>Direct convolution in double: the definition.</summary>
    private static double[] Reference(float[] x, float[] w, float[] b, int batch, Conv2DShape s)
    {
        var y = new double[batch * s.OutputSize];
        int groupIn = s.InChannels / s.Groups, groupOut = s.OutChannels / s.Groups;
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < s.OutChannels; o++)
            {
                int g = o / groupOut;
                for (int oy = 0; oy < s.OutHeight; oy++)
                    for (int ox = 0; ox < s.OutWidth; ox++)
                    {
                        double sum = b[o];
                        for (int c = 0; c < groupIn; c++)
                            for (int ky = 0; ky < s.KernelHeight; ky++)
                                for (int kx = 0; kx < s.KernelWidth; kx++)
                                {
                                    int iy = oy * s.StrideHeight - s.PadHeight + ky, ix = ox * s.StrideWidth - s.PadWidth + kx;
                                    if (iy < 0 || iy >= s.InHeight || ix < 0 || ix >= s.InWidth) continue;
                                    sum += (double)w[((o * groupIn + c) * s.KernelHeight + ky) * s.KernelWidth + kx]
                                         * x[((n * s.InChannels + g * groupIn + c) * s.InHeight + iy) * s.InWidth + ix];
                                }
                        y[((n * s.OutChannels + o) * s.OutHeight + oy) * s.OutWidth + ox] = sum;
                    }
            }
        return y;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_matches_direct_convolution(string description, Conv2DShape s)
    {
        const int batch = 2;
        float[] x = Random(batch * s.InputSize, 1), w = Random(s.WeightCount, 2), b = Random(s.OutChannels, 3);
        var y = new float[batch * s.OutputSize];
        ConvKernels.Forward(x, w, b, y, batch, s, new float[s.ScratchLength], default(ReLUActivation));
        double[] expected = Reference(x, w, b, batch, s);
        double error = y.Zip(expected, (a, e) => Math.Abs(a - Math.Max(e, 0)) / Math.Max(1, Math.Abs(e))).Max();
        _output.WriteLine($"{description}: output [{s.OutChannels}, {s.OutHeight}, {s.OutWidth}], max error {error:E2}");
        Assert.True(error < 1e-5);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gradients_match_central_differences(string description, Conv2DShape s)
    {
        // L = Σ c·y with a linear activation: L is linear in w, b and x, so central differences are exact up to rounding.
        const int batch = 2;
        float[] x = Random(batch * s.InputSize, 4), w = Random(s.WeightCount, 5), b = Random(s.OutChannels, 6), c = Random(batch * s.OutputSize, 7);
        var scratch = new float[s.ScratchLength];
        double Loss()
        {
            var y = new float[batch * s.OutputSize];
            ConvKernels.Forward(x, w, b, y, batch, s, scratch, default(LinearActivation));
            return y.Zip(c, (a, d) => (double)a * d).Sum();
        }
        var dw = new float[w.Length];
        var db = new float[b.Length];
        var dx = new float[x.Length];
        ConvKernels.WeightGradient(c, x, dw, db, batch, s, scratch);
        ConvKernels.InputGradient(c, w, x, dx, batch, s, scratch, default(LinearActivation));
        double worst = 0;
        foreach (var (values, analytic) in new[] { (w, dw), (b, db), (x, dx) })
        {
            for (int i = 0; i < values.Length; i += Math.Max(1, values.Length / 40))
            {
                float saved = values[i];
                values[i] = saved + 0.5f; double plus = Loss();
                values[i] = saved - 0.5f; double minus = Loss();
                values[i] = saved;
                double numeric = plus - minus; // (L(+h) − L(−h)) / 2h with h = 0.5
                worst = Math.Max(worst, Math.Abs(numeric - analytic[i]) / Math.Max(1, Math.Abs(numeric)));
            }
        }
        _output.WriteLine($"{description}: worst gradient error {worst:E2}");
        Assert.True(worst < 1e-4);
    }

    [Fact]
    public void A_batch_split_across_the_cores_gives_the_results_of_one_sample_at_a_time()
    {
        // LeNet's C3 at batch 32: ≈ 7.7 M multiply-adds, split when there is more than one core.
        var s = new Conv2DShape(6, 14, 14, 16, 5, 5);
        const int batch = 32;
        _output.WriteLine($"{Compiled.Nets.CompilerServices.BatchParallelInfo.Threads} threads; this batch splits into {Compiled.Nets.CompilerServices.BatchParallelInfo.PartsFor(batch, s.OutputSize * (long)s.PatchLength)} parts");
        float[] x = Random(batch * s.InputSize, 31), w = Random(s.WeightCount, 32), b = Random(s.OutChannels, 33), dz = Random(batch * s.OutputSize, 34);
        var (y, dx, dw, db) = RunAllPasses(s, batch, x, w, b, dz);
        var sumW = new double[dw.Length];
        var sumB = new double[db.Length];
        for (int n = 0; n < batch; n++)
        {
            float[] x1 = x.AsSpan(n * s.InputSize, s.InputSize).ToArray(), dz1 = dz.AsSpan(n * s.OutputSize, s.OutputSize).ToArray();
            var (y1, dx1, dw1, db1) = RunAllPasses(s, 1, x1, w, b, dz1);
            Assert.Equal(y1, y.AsSpan(n * s.OutputSize, s.OutputSize).ToArray());
            Assert.Equal(dx1, dx.AsSpan(n * s.InputSize, s.InputSize).ToArray());
            for (int i = 0; i < dw1.Length; i++) sumW[i] += dw1[i];
            for (int i = 0; i < db1.Length; i++) sumB[i] += db1[i];
        }
        // Sums over the batch only differ in their order. Without SIMD each weight's 4,480 products are one chain of
        // float additions instead of eight or four lanes', so its rounding error is a few times larger.
        double tolerance = System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? 1e-4 : 3e-4;
        for (int i = 0; i < dw.Length; i++) Assert.True(Math.Abs(dw[i] - sumW[i]) <= tolerance * Math.Max(1, Math.Abs(sumW[i])), $"dW[{i}] is {dw[i]}, the samples' sum {sumW[i]}");
        for (int i = 0; i < db.Length; i++) Assert.True(Math.Abs(db[i] - sumB[i]) <= tolerance * Math.Max(1, Math.Abs(sumB[i])), $"db[{i}] is {db[i]}, the samples' sum {sumB[i]}");
    }

    [Theory]
    [InlineData(3, 10, 19, 1, 1, 1)]
    [InlineData(4, 9, 9, 2, 2, 1)]
    [InlineData(2, 7, 12, 1, 1, 0)]
    public void Direct_depthwise_convolution_matches_the_im2col_path(int channels, int height, int width, int multiplier, int stride, int pad)
    {
        // Stride-1 depthwise layers are recommended shifted rows; direct is chosen through the shape here.
        var s = new Conv2DShape(channels, height, width, channels * multiplier, 3, 3, stride, stride, pad, pad, Groups: channels, Algorithm: ConvAlgorithm.Direct);
        const int batch = 3;
        float[] x = Random(batch * s.InputSize, 41), w = Random(s.WeightCount, 42), b = Random(s.OutChannels, 43), dz = Random(batch * s.OutputSize, 44);
        var direct = RunAllPasses(s, batch, x, w, b, dz);
        AssertSameResults(direct, RunAllPasses(s.WithAlgorithm(ConvAlgorithm.Im2Col), batch, x, w, b, dz), ElementwiseDifference);
    }

    /// <summary>The largest |a − b| / max(1, |b|) over the elements.</summary>
    private static double ElementwiseDifference(float[] a, float[] b) => a.Zip(b, (p, q) => Math.Abs(p - q) / Math.Max(1, Math.Abs(q))).Max();

    /// <summary>Two paths' passes agree: y and dx to 5 decimal places, dW and db (longer sums) to 4.</summary>
    private static void AssertSameResults(Passes first, Passes second, Func<float[], float[], double> difference)
    {
        Assert.Equal(0, difference(first.Y, second.Y), 5);
        Assert.Equal(0, difference(first.Dx, second.Dx), 5);
        Assert.Equal(0, difference(first.Dw, second.Dw), 4);
        Assert.Equal(0, difference(first.Db, second.Db), 4);
    }

    /// <summary>y, dx, dW and db of one layer on the path its shape's algorithm names.</summary>
    private readonly record struct Passes(float[] Y, float[] Dx, float[] Dw, float[] Db);

    private static Passes RunAllPasses(Conv2DShape s, int batch, float[] x, float[] w, float[] b, float[] dz)
    {
        var scratch = new float[s.ScratchLength];
        var y = new float[batch * s.OutputSize];
        var dx = new float[batch * s.InputSize];
        var dw = new float[s.WeightCount];
        var db = new float[s.OutChannels];
        ConvKernels.Forward(x, w, b, y, batch, s, scratch, default(TanhActivation));
        ConvKernels.InputGradient(dz, w, x, dx, batch, s, scratch, default(ReLUActivation));
        ConvKernels.WeightGradient(dz, x, dw, db, batch, s, scratch);
        return new Passes(y, dx, dw, db);
    }

    [Fact]
    public void Weight_gradient_run_alone_while_the_workers_are_busy_matches_the_split_one()
    {
        // LeNet's second convolution at batch 64 splits across the cores. While another thread's job holds the workers
        // the call runs alone, and must not add in the workers' partial sums, which belong to that other job (before
        // the fix it added the previous call's, doubling dW here).
        var s = new Conv2DShape(6, 14, 14, 16, 5, 5);
        const int batch = 64;
        float[] x = Random(batch * s.InputSize, 61), dz = Random(batch * s.OutputSize, 62);
        var scratch = new float[s.ScratchLength];
        float[] dwSplit = new float[s.WeightCount], dbSplit = new float[s.OutChannels];
        float[] dwAlone = new float[s.WeightCount], dbAlone = new float[s.OutChannels];
        ConvKernels.WeightGradient(dz, x, dwSplit, dbSplit, batch, s, scratch);
        using (BatchParallel.HoldWorkersForTests())
            ConvKernels.WeightGradient(dz, x, dwAlone, dbAlone, batch, s, scratch);
        // 6,400 products per element summed in another order: rounding reaches 5e-5 without SIMD; a stale partial sum is O(1).
        double dwDifference = ElementwiseDifference(dwAlone, dwSplit), dbDifference = ElementwiseDifference(dbAlone, dbSplit);
        Assert.True(dwDifference < 5e-4, $"dW differs by {dwDifference:E2}");
        Assert.True(dbDifference < 5e-4, $"db differs by {dbDifference:E2}");
        Assert.Contains(dwSplit, v => Math.Abs(v) > 1f);
    }

    [Fact]
    public void Concurrent_weight_gradients_each_get_their_own_sums()
    {
        // Threads racing for the workers: each call either splits (its partial sums combined before the workers are
        // released) or runs alone; either way its dW is its own batch's, never mixed with another thread's.
        var s = new Conv2DShape(6, 14, 14, 16, 5, 5);
        const int batch = 64;
        var worst = new double[6];
        System.Threading.Tasks.Parallel.For(0, worst.Length, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = worst.Length }, t =>
        {
            float[] x = Random(batch * s.InputSize, 70 + t), dz = Random(batch * s.OutputSize, 80 + t);
            var scratch = new float[s.ScratchLength];
            float[] expected = new float[s.WeightCount], expectedBias = new float[s.OutChannels];
            using (BatchParallel.HoldWorkersForTests())
                ConvKernels.WeightGradient(dz, x, expected, expectedBias, batch, s, scratch);
            for (int round = 0; round < 10; round++)
            {
                float[] dw = new float[s.WeightCount], db = new float[s.OutChannels];
                ConvKernels.WeightGradient(dz, x, dw, db, batch, s, scratch);
                worst[t] = Math.Max(worst[t], ElementwiseDifference(dw, expected));
            }
        });
        Assert.All(worst, w => Assert.True(w < 5e-4, $"dW differs from the thread's own by {w:E2}"));
    }

    public static IEnumerable<object[]> StrideOneShapes() => new[]
    {
        new object[] { new Conv2DShape(1, 28, 28, 6, 5, 5, 1, 1, 2, 2) },
        new object[] { new Conv2DShape(6, 14, 14, 16, 5, 5) },
        new object[] { new Conv2DShape(4, 9, 11, 6, 3, 3, 1, 1, 1, 1, Groups: 2) },
        new object[] { new Conv2DShape(3, 1, 40, 5, 1, 5, 1, 1, 0, 2) },
    };

    [Theory]
    [MemberData(nameof(StrideOneShapes))]
    public void Shifted_rows_give_the_results_of_im2col(Conv2DShape s)
    {
        // Batch 40: large enough to split across the cores, so each worker's workspace takes the shifted path too.
        const int batch = 40;
        float[] x = Random(batch * s.InputSize, 51), w = Random(s.WeightCount, 52), b = Random(s.OutChannels, 53), dz = Random(batch * s.OutputSize, 54);
        Assert.Equal(ConvAlgorithm.ShiftedRows, s.Algorithm);
        var shifted = RunAllPasses(s, batch, x, w, b, dz);
        AssertSameResults(shifted, RunAllPasses(s.WithAlgorithm(ConvAlgorithm.Im2Col), batch, x, w, b, dz), Difference);

        // Relative to the largest value: dW sums 40 × 784 products in float, in a different order on each path.
        static double Difference(float[] a, float[] b) => a.Zip(b, (p, q) => Math.Abs(p - q)).Max() / Math.Max(1, b.Max(Math.Abs));
    }

    [Fact]
    public void Stride_one_layers_with_many_wasted_columns_stay_on_im2col()
    {
        // A 5×5 kernel on a 5×5 input: one output from a wide row of 5, rounded up to 16 (more than ShiftedConv.MaxWaste).
        Assert.Equal(ConvAlgorithm.Im2Col, new Conv2DShape(2, 5, 5, 3, 5, 5).Algorithm);
        Assert.Equal(ConvAlgorithm.ShiftedRows, new Conv2DShape(2, 5, 5, 3, 5, 5, 1, 1, 2, 2).Algorithm); // padded to 9 × 9: 1.9 per output
        Assert.Equal(ConvAlgorithm.Im2Col, new Conv2DShape(2, 8, 8, 3, 3, 3, 2, 2, 1, 1).Algorithm); // stride 2
        Assert.Equal(ConvAlgorithm.Im2Col, new Conv2DShape(4, 6, 6, 6, 1, 1).Algorithm); // pointwise: no im2col to save
    }

    [Fact]
    public void Depthwise_layers_take_the_path_measured_fastest()
    {
        // Stride 1: shifted rows; stride 2 (no shifted rows): direct convolution.
        var stride1 = new Conv2DShape(32, 16, 16, 32, 3, 3, 1, 1, 1, 1, Groups: 32);
        Assert.Equal(ConvAlgorithm.ShiftedRows, stride1.Algorithm);
        var stride2 = new Conv2DShape(32, 16, 16, 32, 3, 3, 2, 2, 1, 1, Groups: 32);
        Assert.Equal(ConvAlgorithm.Direct, stride2.Algorithm);
        // Three filters per channel: too many for direct, im2col's product fills its registers.
        Assert.Equal(ConvAlgorithm.Im2Col, new Conv2DShape(8, 16, 16, 24, 3, 3, 2, 2, 1, 1, Groups: 8).Algorithm);
        // A 1×1 depthwise layer (pointwise: no shifted rows) runs direct.
        Assert.Equal(ConvAlgorithm.Direct, new Conv2DShape(8, 6, 6, 8, 1, 1, Groups: 8).Algorithm);
    }

    [Fact]
    public void The_algorithm_given_is_the_one_kept_and_equality_sees_it()
    {
        var recommended = new Conv2DShape(6, 14, 14, 16, 5, 5);
        Assert.Equal(recommended.Recommended, recommended.Algorithm);
        var given = new Conv2DShape(6, 14, 14, 16, 5, 5, Algorithm: ConvAlgorithm.Im2Col);
        Assert.Equal(ConvAlgorithm.Im2Col, given.Algorithm);
        Assert.NotEqual(recommended, given);
        Assert.Equal(given, recommended.WithAlgorithm(ConvAlgorithm.Im2Col));
        Assert.Equal(recommended, new Conv2DShape(6, 14, 14, 16, 5, 5, Algorithm: ConvAlgorithm.ShiftedRows));
    }

    public static IEnumerable<object[]> InapplicableAlgorithms() => new[]
    {
        new object[] { new Conv2DShape(2, 8, 8, 3, 3, 3, 2, 2, 1, 1, Algorithm: ConvAlgorithm.ShiftedRows), "ShiftedRows" }, // stride 2
        new object[] { new Conv2DShape(2, 8, 8, 3, 3, 3, 1, 2, 1, 1, Algorithm: ConvAlgorithm.ShiftedRows), "ShiftedRows" }, // stride 2 across
        new object[] { new Conv2DShape(4, 6, 6, 6, 1, 1, Algorithm: ConvAlgorithm.ShiftedRows), "ShiftedRows" }, // pointwise
        new object[] { new Conv2DShape(6, 14, 14, 16, 5, 5, Algorithm: ConvAlgorithm.Direct), "Direct" }, // 6 input channels per group
        new object[] { new Conv2DShape(8, 8, 8, 8, 3, 3, 2, 2, 1, 1, Groups: 4, Algorithm: ConvAlgorithm.Direct), "Direct" }, // 2 per group
        new object[] { new Conv2DShape(2, 8, 8, 3, 3, 3, Algorithm: (ConvAlgorithm)7), "unknown" },
    };

    [Theory]
    [MemberData(nameof(InapplicableAlgorithms))]
    public void A_shape_given_an_algorithm_that_does_not_apply_throws(Conv2DShape s, string named)
    {
        const int batch = 2;
        var x = new float[batch * s.InputSize];
        var w = new float[s.WeightCount];
        var b = new float[s.OutChannels];
        var y = new float[batch * s.OutputSize];
        var scratch = new float[Math.Max(s.ScratchLength, s.WithAlgorithm(ConvAlgorithm.Im2Col).ScratchLength) + s.OutChannels + s.InChannels];
        void AssertThrows(Action action) => Assert.Contains(named, Assert.Throws<ArgumentException>(action).Message);
        AssertThrows(s.Validate);
        AssertThrows(() => Conv2DShape.WorkspaceLength(s));
        AssertThrows(() => ConvKernels.Forward(x, w, b, y, batch, s, scratch, default(LinearActivation)));
        AssertThrows(() => ConvKernels.WeightGradient(y, x, w, b, batch, s, scratch));
        AssertThrows(() => ConvKernels.InputGradient(y, w, x, x, batch, s, scratch, default(LinearActivation)));
        AssertThrows(() => ConvKernels.TransposedForward(y, w, new float[s.InChannels], x, batch, s, scratch, default(LinearActivation)));
        AssertThrows(() => ConvKernels.TransposedBackward(x, y, w, w, new float[s.InChannels], x, y, batch, s, scratch, default(LinearActivation)));
    }

    [Fact]
    public void Input_gradient_applies_the_previous_activation_derivative()
    {
        var s = new Conv2DShape(2, 4, 4, 3, 3, 3, 1, 1, 1, 1);
        float[] dz = Random(s.OutputSize, 8), w = Random(s.WeightCount, 9), yPrev = Random(s.InputSize, 10).Select(v => MathF.Tanh(v)).ToArray();
        var linear = new float[s.InputSize];
        var tanh = new float[s.InputSize];
        var scratch = new float[s.ScratchLength];
        ConvKernels.InputGradient(dz, w, yPrev, linear, 1, s, scratch, default(LinearActivation));
        ConvKernels.InputGradient(dz, w, yPrev, tanh, 1, s, scratch, default(TanhActivation));
        for (int i = 0; i < linear.Length; i++) Assert.Equal(linear[i] * (1 - yPrev[i] * yPrev[i]), tanh[i], 5);
    }

    [Fact]
    public void Shapes_that_do_not_fit_are_refused()
    {
        var tooBig = new Conv2DShape(1, 3, 3, 1, 5, 5);
        var e = Assert.Throws<ArgumentException>(() => ConvKernels.Forward(new float[9], new float[25], new float[1], new float[1], 1, tooBig, new float[100], default(LinearActivation)));
        Assert.Contains("does not fit", e.Message);
        Assert.Throws<ArgumentException>(() => new Conv2DShape(3, 4, 4, 4, 1, 1, Groups: 2).Validate());
        var s = new Conv2DShape(1, 4, 4, 1, 3, 3);
        Assert.Throws<ArgumentException>(() => ConvKernels.Forward(new float[15], new float[9], new float[1], new float[4], 1, s, new float[s.ScratchLength], default(LinearActivation)));
    }

    [Fact]
    public void Max_pooling_routes_the_gradient_to_the_winner_and_unpools_through_the_switches()
    {
        var s = new Pool2DShape(2, 5, 5, 3, 3, 2, 2, 1, 1);
        float[] x = Random(2 * s.InputSize, 11);
        var y = new float[2 * s.OutputSize];
        var switches = new int[y.Length];
        PoolKernels.MaxForward(x, y, switches, 2, s);
        int plane = 25, outPlane = s.OutHeight * s.OutWidth;
        for (int bc = 0; bc < 4; bc++)
            for (int oy = 0; oy < s.OutHeight; oy++)
                for (int ox = 0; ox < s.OutWidth; ox++)
                {
                    float best = float.NegativeInfinity;
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++)
                        {
                            int iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
                            if (iy >= 0 && iy < 5 && ix >= 0 && ix < 5) best = Math.Max(best, x[bc * plane + iy * 5 + ix]);
                        }
                    int o = bc * outPlane + oy * s.OutWidth + ox;
                    Assert.Equal(best, y[o]);
                    Assert.Equal(best, x[bc * plane + switches[o]]);
                }
        var dy = Random(y.Length, 12);
        var dx = new float[x.Length];
        PoolKernels.MaxBackward(dy, switches, dx, 2, s);
        Assert.Equal(dy.Sum(), dx.Sum(), 4);
        var unpooled = new float[x.Length];
        PoolKernels.MaxUnpool(y, switches, unpooled, 2, s);
        Assert.All(Enumerable.Range(0, x.Length), i => Assert.True(unpooled[i] == 0f || switches.Contains(i % plane)));
    }

    [Theory]
    [InlineData(2, 2, 7, 9)]    // 2×2 stride 2, a ragged width: the SIMD path's overlapping last block
    [InlineData(2, 2, 28, 28)]  // LeNet's S2
    [InlineData(2, 2, 6, 4)]    // fewer than eight windows a row: the scalar tail
    [InlineData(3, 3, 12, 13)]  // 3×3 stride 3: the branch-free general path
    [InlineData(3, 2, 9, 11)]   // overlapping windows
    public void Unpadded_max_pooling_fast_paths_match_the_reference(int size, int stride, int height, int width)
    {
        // The padded path (padding 0 given as a window that cannot reach it) is the reference for the fast ones.
        var s = new Pool2DShape(3, height, width, size, size, stride, stride);
        float[] x = Random(2 * s.InputSize, 21);
        for (int i = 0; i < x.Length; i += 7) x[i] = x[i + 1 < x.Length ? i + 1 : i]; // ties
        x[5] = float.NaN;
        var y = new float[2 * s.OutputSize];
        var switches = new int[y.Length];
        PoolKernels.MaxForward(x, y, switches, 2, s);
        int plane = height * width, outPlane = s.OutHeight * s.OutWidth;
        for (int bc = 0; bc < 6; bc++)
            for (int oy = 0; oy < s.OutHeight; oy++)
                for (int ox = 0; ox < s.OutWidth; ox++)
                {
                    float best = float.NegativeInfinity;
                    int winner = -1;
                    for (int ky = 0; ky < size; ky++)
                        for (int kx = 0; kx < size; kx++)
                        {
                            int at = (oy * stride + ky) * width + ox * stride + kx;
                            float v = x[bc * plane + at];
                            if (v > best || winner < 0 || float.IsNaN(v)) { best = v; winner = at; }
                        }
                    int o = bc * outPlane + oy * s.OutWidth + ox;
                    Assert.Equal(best, y[o]);
                    Assert.Equal(winner, switches[o]);
                }
        // The backward pass with the previous layer's derivative fused equals the plain one times the derivative.
        float[] dy = Random(y.Length, 22), yPrev = Random(x.Length, 23);
        var fused = new float[x.Length];
        var plain = new float[x.Length];
        PoolKernels.MaxBackward(dy, switches, fused, 2, s, yPrev, default(ReLUActivation));
        PoolKernels.MaxBackward(dy, switches, plain, 2, s);
        for (int i = 0; i < x.Length; i++) Assert.Equal(plain[i] * (yPrev[i] > 0f ? 1f : 0f), fused[i]);
    }

    [Fact]
    public void Average_and_global_pooling_gradients_match_central_differences()
    {
        var s = new Pool2DShape(3, 6, 5, 2, 3, 2, 1, 0, 1);
        float[] x = Random(s.InputSize, 13), c = Random(s.OutputSize, 14);
        double Loss()
        {
            var y = new float[s.OutputSize];
            PoolKernels.AverageForward(x, y, 1, s);
            return y.Zip(c, (a, d) => (double)a * d).Sum();
        }
        var dx = new float[x.Length];
        PoolKernels.AverageBackward(c, dx, 1, s);
        for (int i = 0; i < x.Length; i++)
        {
            float saved = x[i];
            x[i] = saved + 0.5f; double plus = Loss();
            x[i] = saved - 0.5f; double minus = Loss();
            x[i] = saved;
            Assert.Equal(plus - minus, dx[i], 4);
        }
        var means = new float[3];
        PoolKernels.GlobalAverageForward(x, means, 1, 3, 30);
        Assert.Equal(x.Take(30).Average(), means[0], 5);
        var spread = new float[x.Length];
        PoolKernels.GlobalAverageBackward(new float[] { 3f, 6f, 30f }, spread, 1, 3, 30);
        Assert.Equal(0.1f, spread[0], 6);
        Assert.Equal(1f, spread[89], 6);
    }
}
