using System;
using System.Runtime.Intrinsics;
using Compiled.Nets.CompilerServices;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// The width-generic kernels give the same results at every SIMD width, whatever this machine runs by default: each width
/// is called directly (one without hardware runs emulated, slowly but correctly), against the one-float width. CI also
/// runs the whole suite with AVX, AVX2 and all intrinsics switched off, so the entry points take each width too.
/// </summary>
public class SimdWidthTests
{
    private static float[] Random(int count, int seed)
    {
        var random = new SeededRandom(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = random.NextGaussian();
        return values;
    }

    /// <summary>Sums in another order (and fused or not): equal to 1e-5 of the sum of the terms' magnitudes.</summary>
    private static void AssertClose(float[] expected, float[] actual, float[] magnitude, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, magnitude[i]), $"{what}[{i}] is {actual[i]}, the scalar width gives {expected[i]}");
    }

    // Shapes that reach every tile and tail: 4-row blocks and single rows, whole tiles of every width, ragged columns.
    [Theory]
    [InlineData(1, 3, 2)]
    [InlineData(7, 37, 19)]
    [InlineData(9, 64, 70)]
    public void Dense_forward_is_the_same_at_every_width(int batch, int inSize, int outSize)
    {
        float[] x = Random(batch * inSize, 1), w = Random(outSize * inSize, 2), bias = Random(outSize, 3);
        var magnitude = new float[batch * outSize];
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < outSize; j++)
            {
                float sum = Math.Abs(bias[j]);
                for (int k = 0; k < inSize; k++) sum += Math.Abs(x[b * inSize + k] * w[j * inSize + k]);
                magnitude[b * outSize + j] = sum;
            }
        float[] Run<TVector, TWidth>() where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
        {
            var y = new float[batch * outSize];
            DenseKernels.ForwardBlock<TVector, TWidth, TanhActivation>(x, w, bias, y, 0, batch, 0, outSize, inSize, outSize, default);
            return y;
        }
        var scalar = Run<float, ScalarWidth>();
        AssertClose(scalar, Run<Vector128<float>, Vector128Width>(), magnitude, "y (128 bits)");
        AssertClose(scalar, Run<Vector256<float>, Vector256Width>(), magnitude, "y (256 bits)");
    }

    [Theory]
    [InlineData(3, 5, 7, false)]
    [InlineData(9, 11, 70, true)]
    [InlineData(6, 25, 133, true)]
    public void Strided_products_with_a_derivative_are_the_same_at_every_width(int rows, int depth, int cols, bool accumulate)
    {
        // C = g(D) · (Aᵀ B): A read down its columns, as the dense weight gradient does.
        float[] a = Random(depth * rows, 4), b = Random(depth * cols, 5), d = Random(rows * cols, 6), start = Random(rows * cols, 7);
        var magnitude = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int n = 0; n < cols; n++)
            {
                float sum = 0f;
                for (int k = 0; k < depth; k++) sum += Math.Abs(a[k * rows + r] * b[k * cols + n]);
                magnitude[r * cols + n] = sum + Math.Abs(start[r * cols + n]);
            }
        float[] Run<TVector, TWidth>() where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
        {
            var c = (float[])start.Clone();
            DenseKernels.MultiplyStrided<TVector, TWidth, LeakyReLUActivation>(ref a[0], 1, rows, ref b[0], ref c[0], ref d[0], rows, cols, depth,
                new LeakyReLUActivation(0.1f), accumulate);
            return c;
        }
        var scalar = Run<float, ScalarWidth>();
        AssertClose(scalar, Run<Vector128<float>, Vector128Width>(), magnitude, "C (128 bits)");
        AssertClose(scalar, Run<Vector256<float>, Vector256Width>(), magnitude, "C (256 bits)");
    }

    [Theory]
    [InlineData(1, 4, 3, false)]
    [InlineData(7, 25, 37, true)]
    [InlineData(16, 9, 200, false)]
    public void Row_combinations_and_row_dot_products_are_the_same_at_every_width(int m, int k, int n, bool accumulate)
    {
        float[] a = Random(m * k, 8), b = Random(k * n, 9), start = Random(m * n, 10), dz = Random(m * n, 11), startDw = Random(m * k, 14);
        var combined = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float sum = Math.Abs(start[i * n + j]);
                for (int p = 0; p < k; p++) sum += Math.Abs(a[i * k + p] * b[p * n + j]);
                combined[i * n + j] = sum;
            }
        var dotted = new float[m * k];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < k; j++)
            {
                float sum = Math.Abs(startDw[i * k + j]);
                for (int p = 0; p < n; p++) sum += Math.Abs(dz[i * n + p] * b[j * n + p]);
                dotted[i * k + j] = sum;
            }
        (float[] Combined, float[] Dotted) Run<TVector, TWidth>() where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
        {
            // C = A B (weights times patch rows) and C = dZ Bᵀ (dz rows against patch rows: a weight gradient).
            var c = (float[])start.Clone();
            ConvGemm.CombineRows<TVector, TWidth, StridedRows>(ref a[0], k, 1, ref b[0], new StridedRows(n), ref c[0], m, k, n, accumulate);
            var dw = (float[])startDw.Clone();
            ConvGemm.DotRows<TVector, TWidth, StridedRows>(ref dz[0], ref b[0], new StridedRows(n), ref dw[0], m, k, n, accumulate: true);
            return (c, dw);
        }
        var scalar = Run<float, ScalarWidth>();
        foreach (var (name, result) in new[] { ("128 bits", Run<Vector128<float>, Vector128Width>()), ("256 bits", Run<Vector256<float>, Vector256Width>()) })
        {
            AssertClose(scalar.Combined, result.Combined, combined, $"A B ({name})");
            AssertClose(scalar.Dotted, result.Dotted, dotted, $"dZ Bᵀ ({name})");
        }
        // The 512-bit width of the long dot products, emulated here unless the machine has AVX-512.
        AssertClose(scalar.Dotted, Run<Vector512<float>, Vector512Width>().Dotted, dotted, "dZ Bᵀ (512 bits)");
    }

    [Fact]
    public void Dot_products_across_samples_are_the_same_at_every_width()
    {
        const int m = 5, rows = 7, n = 48, samples = 3;
        float[] a = Random(samples * m * n, 12), b = Random(samples * rows * n, 13);
        var magnitude = new float[m * rows];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < rows; j++)
                for (int s = 0; s < samples; s++)
                    for (int p = 0; p < n; p++) magnitude[i * rows + j] += Math.Abs(a[s * m * n + i * n + p] * b[s * rows * n + j * n + p]);
        float[] Run<TVector, TWidth>() where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
        {
            var c = new float[m * rows];
            ConvGemm.DotRowsAcross<TVector, TWidth, StridedRows>(ref a[0], m * n, ref b[0], rows * n, new StridedRows(n), ref c[0], m, rows, n, samples, accumulate: false);
            return c;
        }
        var scalar = Run<float, ScalarWidth>();
        AssertClose(scalar, Run<Vector128<float>, Vector128Width>(), magnitude, "C (128 bits)");
        AssertClose(scalar, Run<Vector256<float>, Vector256Width>(), magnitude, "C (256 bits)");
    }

    [Theory]
    [InlineData(6)]
    [InlineData(8)]
    [InlineData(10)]
    [InlineData(15)]
    [InlineData(28)]
    [InlineData(34)]
    public void Two_by_two_max_pooling_is_the_same_at_every_width(int width)
    {
        // Values on a coarse grid (ties), and NaNs: the first maximum in row order wins a tie, a NaN always wins.
        var s = new Pool2DShape(3, 6, width, 2, 2, 2, 2);
        const int batch = 2;
        var random = new Random(width);
        var x = new float[batch * s.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = random.Next(50) == 0 ? float.NaN : random.Next(-4, 5) * 0.5f;
        var want = new float[batch * s.OutputSize];
        var wantSwitches = new int[want.Length];
        for (int bc = 0, o = 0; bc < batch * s.Channels; bc++)
            for (int oy = 0; oy < s.OutHeight; oy++)
                for (int ox = 0; ox < s.OutWidth; ox++, o++)
                {
                    int first = 2 * oy * width + 2 * ox;
                    int winner = first;
                    foreach (int at in new[] { first + 1, first + width, first + width + 1 })
                    {
                        float v = x[bc * s.InHeight * width + at], best = x[bc * s.InHeight * width + winner];
                        if (v > best || float.IsNaN(v)) winner = at;
                    }
                    want[o] = x[bc * s.InHeight * width + winner];
                    wantSwitches[o] = winner;
                }
        var y = new float[want.Length];
        var switches = new int[want.Length];
        PoolKernels.MaxForward(x, y, switches, batch, s);
        Assert.Equal(want, y);
        Assert.Equal(wantSwitches, switches);
        if (!Vector128.IsHardwareAccelerated || !(System.Runtime.Intrinsics.X86.Sse.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported))
            return;
        // The 128-bit form, which the entry point takes only without AVX2.
        Array.Clear(y);
        Array.Clear(switches);
        PoolKernels.MaxForward2x2Narrow(x, y, switches, batch, s);
        Assert.Equal(want, y);
        Assert.Equal(wantSwitches, switches);
    }

    private static readonly float[] Inputs = { -100f, -20f, -3.5f, -1f, -0.25f, -1e-20f, 0f, 1e-20f, 0.3f, 1f, 2.5f, 9f, 20f, 88f, 100f, -0.75f };

    public static TheoryData<string> ActivationNames => new() { "linear", "logistic", "tanh", "relu", "leaky", "softplus", "heaviside", "sign" };

    [Theory]
    [MemberData(nameof(ActivationNames))]
    public void Activation_forms_agree_at_every_width(string name)
    {
        switch (name)
        {
            case "linear": AssertForms(default(LinearActivation)); break;
            case "logistic": AssertForms(new LogisticActivation(0.5f)); break;
            case "tanh": AssertForms(default(TanhActivation)); break;
            case "relu": AssertForms(default(ReLUActivation)); break;
            case "leaky": AssertForms(new LeakyReLUActivation(0.01f)); break;
            case "softplus": AssertForms(default(SoftplusActivation)); break;
            case "heaviside": AssertForms(default(HeavisideActivation)); break;
            case "sign": AssertForms(default(SignActivation)); break;
        }
    }

    /// <summary>
    /// The 256-bit form equals the 128-bit form on its halves, lane for lane (the same operations per lane: what a machine
    /// without 256-bit vectors runs), and both are within 1e-6 of the scalar function (what runs lane by lane without SIMD).
    /// </summary>
    private static void AssertForms<TAct>(TAct activation) where TAct : struct, IActivation
    {
        for (int start = 0; start < Inputs.Length; start += 8)
        {
            var z = Vector256.Create(Inputs.AsSpan(start, 8));
            var y = activation.Apply(z);
            Assert.Equal(y, Vector256.Create(activation.Apply(z.GetLower()), activation.Apply(z.GetUpper())));
            var dy = activation.Derivative(y);
            Assert.Equal(dy, Vector256.Create(activation.Derivative(y.GetLower()), activation.Derivative(y.GetUpper())));
            for (int i = 0; i < 8; i++)
            {
                Assert.True(Math.Abs(y[i] - activation.Apply(z[i])) <= 1e-6f * Math.Max(1f, Math.Abs(y[i])), $"f({z[i]}) is {y[i]}, the scalar form gives {activation.Apply(z[i])}");
                Assert.True(Math.Abs(dy[i] - activation.Derivative(y[i])) <= 1e-6f, $"f′ at y = {y[i]} is {dy[i]}, the scalar form gives {activation.Derivative(y[i])}");
            }
        }
    }
}
