using System.ComponentModel;
using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// Local response normalisation across channels (PyTorch's LocalResponseNorm) on [batch, C, P] (P = H·W or L):
/// s_c = k + α/n Σ_{c' = c − ⌊n/2⌋}^{c + ⌊(n−1)/2⌋} x_{c'}² (channels outside are zeros), y_c = x_c s_c^(−β).
/// The CUDA block (kernels/normalization.cuh) computes the same sums in the same order.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LocalResponseNormKernels
{
    /// <summary>y = x s^(−β); s kept in <paramref name="scale"/> for the backward pass.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scale, int channels, int plane, int size, float alpha, float beta, float k)
    {
        const string kernel = "LocalResponseNormKernels.Forward";
        KernelChecks.Length(kernel, nameof(y), y.Length, x.Length);
        KernelChecks.Length(kernel, nameof(scale), scale.Length, x.Length);
        int sample = channels * plane, before = size / 2, after = (size - 1) / 2;
        float perSize = alpha / size;
        for (int b = 0; b + sample <= x.Length; b += sample)
        {
            for (int c = 0; c < channels; c++)
            {
                var s = scale.Slice(b + c * plane, plane);
                s.Clear();
                for (int j = Math.Max(0, c - before); j <= Math.Min(channels - 1, c + after); j++)
                    AddSquares(x.Slice(b + j * plane, plane), s);
                var xc = x.Slice(b + c * plane, plane);
                var yc = y.Slice(b + c * plane, plane);
                for (int p = 0; p < plane; p++)
                {
                    float sp = k + perSize * s[p];
                    s[p] = sp;
                    yc[p] = xc[p] * MathF.Pow(sp, -beta);
                }
            }
        }
    }

    /// <summary>
    /// dPrev_j = (dy_j s_j^(−β) − 2αβ/n · x_j Σ_{c: j in window(c)} dy_c y_c / s_c) ⊙ f′_prev(x_j), x being the previous
    /// layer's output (written, not added: the layer has no parameters).
    /// </summary>
    public static void Backward<TAct>(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scale,
        Span<float> dPrev, int channels, int plane, int size, float alpha, float beta, TAct previousActivation)
        where TAct : struct, IActivation
    {
        const string kernel = "LocalResponseNormKernels.Backward";
        KernelChecks.Length(kernel, nameof(x), x.Length, dy.Length);
        KernelChecks.Length(kernel, nameof(y), y.Length, dy.Length);
        KernelChecks.Length(kernel, nameof(scale), scale.Length, dy.Length);
        KernelChecks.Length(kernel, nameof(dPrev), dPrev.Length, dy.Length);
        int sample = channels * plane, before = size / 2, after = (size - 1) / 2;
        float coefficient = 2f * alpha * beta / size;
        for (int b = 0; b + sample <= dy.Length; b += sample)
        {
            for (int j = 0; j < channels; j++)
            {
                var d = dPrev.Slice(b + j * plane, plane);
                d.Clear();
                // Channel c's window holds j when c − ⌊n/2⌋ ≤ j ≤ c + ⌊(n−1)/2⌋.
                for (int c = Math.Max(0, j - after); c <= Math.Min(channels - 1, j + before); c++)
                    for (int p = 0; p < plane; p++)
                    {
                        int i = b + c * plane + p;
                        d[p] += dy[i] * y[i] / scale[i];
                    }
                for (int p = 0; p < plane; p++)
                {
                    int i = b + j * plane + p;
                    d[p] = (dy[i] * MathF.Pow(scale[i], -beta) - coefficient * x[i] * d[p]) * previousActivation.Derivative(x[i]);
                }
            }
        }
    }

    /// <summary>sum += x ⊙ x, SIMD.</summary>
    private static void AddSquares(ReadOnlySpan<float> x, Span<float> sum)
    {
        int p = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
            var sv = MemoryMarshal.Cast<float, Vector<float>>(sum);
            for (int v = 0; v < xv.Length; v++) sv[v] += xv[v] * xv[v];
            p = xv.Length * Vector<float>.Count;
        }
        for (; p < x.Length; p++) sum[p] += x[p] * x[p];
    }
}

/// <summary>
/// Local contrast normalisation (Jarrett et al. 2009) on [batch, C, H, W] over a kh×kw window across every channel,
/// zero padded, N = C·kh·kw: m = box(Σ_c x)/N, v = x − m, σ = √(box(Σ_c v²)/N), y = v / max(σ, ε). box(g)(i, j) is the
/// sum of g over the window centred on (i, j) (odd sides). Planes are summed in the CUDA block's order.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LocalContrastNormKernels
{
    /// <summary>y; v kept in <paramref name="centred"/>, σ in <paramref name="sigma"/>; <paramref name="work"/> is one plane per sample of scratch.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> centred, Span<float> sigma, Span<float> work,
        int channels, int height, int width, int windowHeight, int windowWidth, float epsilon)
    {
        const string kernel = "LocalContrastNormKernels.Forward";
        int plane = height * width, sample = channels * plane;
        KernelChecks.Length(kernel, nameof(y), y.Length, x.Length);
        KernelChecks.Length(kernel, nameof(centred), centred.Length, x.Length);
        KernelChecks.Length(kernel, nameof(sigma), sigma.Length, x.Length / channels);
        KernelChecks.Length(kernel, nameof(work), work.Length, x.Length / channels);
        float perWindow = 1f / (channels * windowHeight * windowWidth);
        for (int b = 0, q = 0; b + sample <= x.Length; b += sample, q += plane)
        {
            var xs = x.Slice(b, sample);
            var vs = centred.Slice(b, sample);
            var sg = sigma.Slice(q, plane);
            var wk = work.Slice(q, plane);
            for (int p = 0; p < plane; p++)
            {
                float t = 0f;
                for (int c = 0; c < channels; c++) t += xs[c * plane + p];
                wk[p] = t;
            }
            for (int p = 0; p < plane; p++) sg[p] = Box(wk, p, height, width, windowHeight, windowWidth) * perWindow;  // the mean m
            for (int i = 0; i < sample; i++) vs[i] = xs[i] - sg[i % plane];
            for (int p = 0; p < plane; p++)
            {
                float t = 0f;
                for (int c = 0; c < channels; c++) { float v = vs[c * plane + p]; t += v * v; }
                wk[p] = t;
            }
            for (int p = 0; p < plane; p++) sg[p] = MathF.Sqrt(Box(wk, p, height, width, windowHeight, windowWidth) * perWindow);
            var ys = y.Slice(b, sample);
            for (int i = 0; i < sample; i++) ys[i] = vs[i] / MathF.Max(sg[i % plane], epsilon);
        }
    }

    /// <summary>
    /// dPrev = (g_v − box(Σ_c g_v)/N) ⊙ f′_prev(x) with g_v = dy/d + 2 v box(g_S)/N, d = max(σ, ε),
    /// g_S = [σ &gt; ε] (−Σ_c dy v / d²) / (2σ) (written, not added: the layer has no parameters).
    /// </summary>
    public static void Backward<TAct>(ReadOnlySpan<float> dy, ReadOnlySpan<float> centred, ReadOnlySpan<float> sigma, Span<float> work,
        ReadOnlySpan<float> x, Span<float> dPrev, int channels, int height, int width, int windowHeight, int windowWidth, float epsilon, TAct previousActivation)
        where TAct : struct, IActivation
    {
        const string kernel = "LocalContrastNormKernels.Backward";
        int plane = height * width, sample = channels * plane;
        KernelChecks.Length(kernel, nameof(centred), centred.Length, dy.Length);
        KernelChecks.Length(kernel, nameof(sigma), sigma.Length, dy.Length / channels);
        KernelChecks.Length(kernel, nameof(work), work.Length, dy.Length / channels);
        KernelChecks.Length(kernel, nameof(x), x.Length, dy.Length);
        KernelChecks.Length(kernel, nameof(dPrev), dPrev.Length, dy.Length);
        float perWindow = 1f / (channels * windowHeight * windowWidth);
        for (int b = 0, q = 0; b + sample <= dy.Length; b += sample, q += plane)
        {
            var g = dy.Slice(b, sample);
            var vs = centred.Slice(b, sample);
            var sg = sigma.Slice(q, plane);
            var wk = work.Slice(q, plane);
            var d = dPrev.Slice(b, sample);
            for (int p = 0; p < plane; p++)
            {
                float s = sg[p], div = MathF.Max(s, epsilon), t = 0f;
                for (int c = 0; c < channels; c++) t += g[c * plane + p] * vs[c * plane + p];
                wk[p] = s > epsilon ? -t / (div * div) / (2f * s) : 0f;
            }
            for (int p = 0; p < plane; p++)
            {
                float div = MathF.Max(sg[p], epsilon), box = Box(wk, p, height, width, windowHeight, windowWidth) * perWindow;
                for (int c = 0; c < channels; c++)
                {
                    int i = c * plane + p;
                    d[i] = g[i] / div + 2f * vs[i] * box;
                }
            }
            for (int p = 0; p < plane; p++)
            {
                float t = 0f;
                for (int c = 0; c < channels; c++) t += d[c * plane + p];
                wk[p] = t;
            }
            var xs = x.Slice(b, sample);
            for (int p = 0; p < plane; p++)
            {
                float box = Box(wk, p, height, width, windowHeight, windowWidth) * perWindow;
                for (int c = 0; c < channels; c++)
                {
                    int i = c * plane + p;
                    d[i] = (d[i] - box) * previousActivation.Derivative(xs[i]);
                }
            }
        }
    }

    /// <summary>Σ of the plane over the window centred on position p (zero outside), rows then columns in order.</summary>
    private static float Box(ReadOnlySpan<float> plane, int p, int height, int width, int windowHeight, int windowWidth)
    {
        int i = p / width, j = p % width, rh = windowHeight / 2, rw = windowWidth / 2;
        float t = 0f;
        for (int r = Math.Max(0, i - rh); r <= Math.Min(height - 1, i + rh); r++)
            for (int s = Math.Max(0, j - rw); s <= Math.Min(width - 1, j + rw); s++)
                t += plane[r * width + s];
        return t;
    }
}

/// <summary>The denoising autoencoder's corruptions, training only: additive Gaussian noise and masking noise.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class NoiseKernels
{
    /// <summary>y = x + σ z, z ~ N(0, 1) from the step's random stream.</summary>
    public static void GaussianForwardTraining(ReadOnlySpan<float> x, Span<float> y, float sigma, uint seed, uint step, uint stream)
    {
        KernelChecks.Length("NoiseKernels.GaussianForwardTraining", nameof(y), y.Length, x.Length);
        for (int i = 0; i < x.Length; i++) y[i] = x[i] + sigma * CounterRandom.Normal(seed, step, stream, (uint)i);
    }

    /// <summary>dPrev = dy ⊙ f′_prev(yPrev): additive noise passes the gradient through.</summary>
    public static void PassBackward<TAct>(ReadOnlySpan<float> dy, ReadOnlySpan<float> yPrev, Span<float> dPrev, TAct previousActivation)
        where TAct : struct, IActivation
    {
        const string kernel = "NoiseKernels.PassBackward";
        KernelChecks.Length(kernel, nameof(yPrev), yPrev.Length, dy.Length);
        KernelChecks.Length(kernel, nameof(dPrev), dPrev.Length, dy.Length);
        for (int i = 0; i < dy.Length; i++) dPrev[i] = dy[i] * previousActivation.Derivative(yPrev[i]);
    }

    /// <summary>A mask of 0 (probability <paramref name="rate"/>) or 1 per value from the step's random stream, and y = x ⊙ mask (no rescaling).</summary>
    public static void MaskingForwardTraining(ReadOnlySpan<float> x, Span<float> y, Span<float> mask, float rate, uint seed, uint step, uint stream)
    {
        const string kernel = "NoiseKernels.MaskingForwardTraining";
        KernelChecks.Length(kernel, nameof(y), y.Length, x.Length);
        KernelChecks.Length(kernel, nameof(mask), mask.Length, x.Length);
        for (int i = 0; i < x.Length; i++)
        {
            float m = CounterRandom.Uniform(seed, step, stream, (uint)i) < rate ? 0f : 1f;
            mask[i] = m;
            y[i] = x[i] * m;
        }
    }
}
