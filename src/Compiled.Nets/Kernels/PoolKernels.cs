using System;

namespace Compiled.Nets.Kernels;

/// <summary>The shape of a 2-D pooling window over [Channels, InHeight, InWidth] per sample, PyTorch's output-size rule.</summary>
public readonly record struct Pool2DShape(int Channels, int InHeight, int InWidth, int SizeHeight, int SizeWidth,
    int StrideHeight, int StrideWidth, int PadHeight = 0, int PadWidth = 0)
{
    public int OutHeight => (InHeight + 2 * PadHeight - SizeHeight) / StrideHeight + 1;
    public int OutWidth => (InWidth + 2 * PadWidth - SizeWidth) / StrideWidth + 1;
    public int InputSize => Channels * InHeight * InWidth;
    public int OutputSize => Channels * OutHeight * OutWidth;
}

/// <summary>Max, average and global-average pooling, forward and backward, per sample and channel.</summary>
public static class PoolKernels
{
    /// <summary>
    /// Max pooling; <paramref name="switches"/> receives, per output, the index (within its channel) of the input that won,
    /// which routes the gradient back and drives max-unpooling. Padding never wins (it is −∞, as in PyTorch).
    /// </summary>
    public static void MaxForward(ReadOnlySpan<float> x, Span<float> y, Span<int> switches, int batch, Pool2DShape s)
    {
        Check(x.Length, batch * s.InputSize, nameof(x));
        Check(y.Length, batch * s.OutputSize, nameof(y));
        Check(switches.Length, batch * s.OutputSize, nameof(switches));
        int plane = s.InHeight * s.InWidth, outPlane = s.OutHeight * s.OutWidth;
        for (int bc = 0; bc < batch * s.Channels; bc++)
        {
            var input = x.Slice(bc * plane, plane);
            for (int oy = 0; oy < s.OutHeight; oy++)
                for (int ox = 0; ox < s.OutWidth; ox++)
                {
                    float best = float.NegativeInfinity;
                    int bestIndex = -1;
                    for (int ky = 0; ky < s.SizeHeight; ky++)
                    {
                        int iy = oy * s.StrideHeight - s.PadHeight + ky;
                        if ((uint)iy >= (uint)s.InHeight) continue;
                        for (int kx = 0; kx < s.SizeWidth; kx++)
                        {
                            int ix = ox * s.StrideWidth - s.PadWidth + kx;
                            if ((uint)ix >= (uint)s.InWidth) continue;
                            float v = input[iy * s.InWidth + ix];
                            // A NaN wins, as in PyTorch and the CUDA block (pool.cuh).
                            if (v > best || bestIndex < 0 || float.IsNaN(v)) { best = v; bestIndex = iy * s.InWidth + ix; }
                        }
                    }
                    int o = bc * outPlane + oy * s.OutWidth + ox;
                    y[o] = best;
                    switches[o] = bestIndex;
                }
        }
    }

    /// <summary>dx (overwritten): each output's gradient goes to the input that won its window.</summary>
    public static void MaxBackward(ReadOnlySpan<float> dy, ReadOnlySpan<int> switches, Span<float> dx, int batch, Pool2DShape s)
    {
        Check(dy.Length, batch * s.OutputSize, nameof(dy));
        Check(switches.Length, batch * s.OutputSize, nameof(switches));
        Check(dx.Length, batch * s.InputSize, nameof(dx));
        dx.Clear();
        int plane = s.InHeight * s.InWidth, outPlane = s.OutHeight * s.OutWidth;
        for (int bc = 0; bc < batch * s.Channels; bc++)
            for (int o = 0; o < outPlane; o++)
            {
                int winner = switches[bc * outPlane + o];
                if (winner >= 0) dx[bc * plane + winner] += dy[bc * outPlane + o];
            }
    }

    /// <summary>Max-unpooling: each value goes back to the position its max pooling chose; zeros elsewhere.</summary>
    public static void MaxUnpool(ReadOnlySpan<float> y, ReadOnlySpan<int> switches, Span<float> x, int batch, Pool2DShape s) =>
        MaxBackward(y, switches, x, batch, s);

    /// <summary>Max-unpooling's backward pass: dx[o] = dy[switch[o]] (the gradient at the position each value was placed).</summary>
    public static void MaxUnpoolBackward(ReadOnlySpan<float> dy, ReadOnlySpan<int> switches, Span<float> dx, int batch, Pool2DShape s)
    {
        Check(dy.Length, batch * s.InputSize, nameof(dy));
        Check(switches.Length, batch * s.OutputSize, nameof(switches));
        Check(dx.Length, batch * s.OutputSize, nameof(dx));
        int plane = s.InHeight * s.InWidth, outPlane = s.OutHeight * s.OutWidth;
        for (int bc = 0; bc < batch * s.Channels; bc++)
            for (int o = 0; o < outPlane; o++)
            {
                int winner = switches[bc * outPlane + o];
                dx[bc * outPlane + o] = winner >= 0 ? dy[bc * plane + winner] : 0f;
            }
    }

    /// <summary>Average pooling, padding counted in the divisor (PyTorch's count_include_pad = true).</summary>
    public static void AverageForward(ReadOnlySpan<float> x, Span<float> y, int batch, Pool2DShape s)
    {
        Check(x.Length, batch * s.InputSize, nameof(x));
        Check(y.Length, batch * s.OutputSize, nameof(y));
        int plane = s.InHeight * s.InWidth, outPlane = s.OutHeight * s.OutWidth;
        float inverse = 1f / (s.SizeHeight * s.SizeWidth);
        for (int bc = 0; bc < batch * s.Channels; bc++)
        {
            var input = x.Slice(bc * plane, plane);
            for (int oy = 0; oy < s.OutHeight; oy++)
                for (int ox = 0; ox < s.OutWidth; ox++)
                {
                    float sum = 0f;
                    for (int ky = 0; ky < s.SizeHeight; ky++)
                    {
                        int iy = oy * s.StrideHeight - s.PadHeight + ky;
                        if ((uint)iy >= (uint)s.InHeight) continue;
                        for (int kx = 0; kx < s.SizeWidth; kx++)
                        {
                            int ix = ox * s.StrideWidth - s.PadWidth + kx;
                            if ((uint)ix < (uint)s.InWidth) sum += input[iy * s.InWidth + ix];
                        }
                    }
                    y[bc * outPlane + oy * s.OutWidth + ox] = sum * inverse;
                }
        }
    }

    /// <summary>dx (overwritten): each output's gradient spread evenly over its window.</summary>
    public static void AverageBackward(ReadOnlySpan<float> dy, Span<float> dx, int batch, Pool2DShape s)
    {
        Check(dy.Length, batch * s.OutputSize, nameof(dy));
        Check(dx.Length, batch * s.InputSize, nameof(dx));
        dx.Clear();
        int plane = s.InHeight * s.InWidth, outPlane = s.OutHeight * s.OutWidth;
        float inverse = 1f / (s.SizeHeight * s.SizeWidth);
        for (int bc = 0; bc < batch * s.Channels; bc++)
            for (int oy = 0; oy < s.OutHeight; oy++)
                for (int ox = 0; ox < s.OutWidth; ox++)
                {
                    float share = dy[bc * outPlane + oy * s.OutWidth + ox] * inverse;
                    for (int ky = 0; ky < s.SizeHeight; ky++)
                    {
                        int iy = oy * s.StrideHeight - s.PadHeight + ky;
                        if ((uint)iy >= (uint)s.InHeight) continue;
                        for (int kx = 0; kx < s.SizeWidth; kx++)
                        {
                            int ix = ox * s.StrideWidth - s.PadWidth + kx;
                            if ((uint)ix < (uint)s.InWidth) dx[bc * plane + iy * s.InWidth + ix] += share;
                        }
                    }
                }
    }

    /// <summary>Global average pooling: one mean per channel ([C, H, W] → [C]).</summary>
    public static void GlobalAverageForward(ReadOnlySpan<float> x, Span<float> y, int batch, int channels, int plane)
    {
        Check(x.Length, batch * channels * plane, nameof(x));
        Check(y.Length, batch * channels, nameof(y));
        for (int bc = 0; bc < batch * channels; bc++)
        {
            float sum = 0f;
            foreach (float v in x.Slice(bc * plane, plane)) sum += v;
            y[bc] = sum / plane;
        }
    }

    public static void GlobalAverageBackward(ReadOnlySpan<float> dy, Span<float> dx, int batch, int channels, int plane)
    {
        Check(dy.Length, batch * channels, nameof(dy));
        Check(dx.Length, batch * channels * plane, nameof(dx));
        for (int bc = 0; bc < batch * channels; bc++) dx.Slice(bc * plane, plane).Fill(dy[bc] / plane);
    }

    private static void Check(int actual, int expected, string name)
    {
        if (actual != expected) throw new ArgumentException($"{name} has length {actual}, but the pooling's shape needs {expected}.", name);
    }
}
