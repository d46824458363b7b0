using System.ComponentModel;
using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Compiled.Nets.CompilerServices;

/// <summary>The shape of a 2-D pooling window over [Channels, InHeight, InWidth] per sample, PyTorch's output-size rule.</summary>
/// <param name="Channels">Channels, pooled each on its own.</param>
/// <param name="InHeight">Input height.</param>
/// <param name="InWidth">Input width.</param>
/// <param name="SizeHeight">Window height.</param>
/// <param name="SizeWidth">Window width.</param>
/// <param name="StrideHeight">Vertical step between windows.</param>
/// <param name="StrideWidth">Horizontal step between windows.</param>
/// <param name="PadHeight">Padding at the top and bottom.</param>
/// <param name="PadWidth">Padding at the left and right.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct Pool2DShape(int Channels, int InHeight, int InWidth, int SizeHeight, int SizeWidth,
    int StrideHeight, int StrideWidth, int PadHeight = 0, int PadWidth = 0)
{
    // Checked products, as Conv2DShape's: a shape beyond 32-bit lengths throws instead of wrapping (Validate says so).
    /// <summary>Output height: (InHeight + 2·PadHeight − SizeHeight) / StrideHeight + 1.</summary>
    public int OutHeight => checked((InHeight + 2 * PadHeight - SizeHeight) / StrideHeight + 1);
    /// <summary>Output width: (InWidth + 2·PadWidth − SizeWidth) / StrideWidth + 1.</summary>
    public int OutWidth => checked((InWidth + 2 * PadWidth - SizeWidth) / StrideWidth + 1);
    /// <summary>Values per input sample.</summary>
    public int InputSize => checked(Channels * InHeight * InWidth);
    /// <summary>Values per output sample.</summary>
    public int OutputSize => checked(Channels * OutHeight * OutWidth);

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> unless every size and stride is positive, the padding is not negative,
    /// the window fits the padded input, and the sizes fit 32-bit lengths: the kernels' unchecked loops rely on it.
    /// </summary>
    public void Validate()
    {
        if (Channels <= 0 || InHeight <= 0 || InWidth <= 0 || SizeHeight <= 0 || SizeWidth <= 0 || StrideHeight <= 0 || StrideWidth <= 0
            || PadHeight < 0 || PadWidth < 0)
            throw new ArgumentException($"invalid pooling shape {Geometry}");
        // In 64 bits, and before OutHeight: (N + 2P − F) / S + 1 truncates towards zero, so a window just larger than the input would give 1.
        if ((long)InHeight + 2L * PadHeight < SizeHeight || (long)InWidth + 2L * PadWidth < SizeWidth)
            throw new ArgumentException($"a {SizeHeight}×{SizeWidth} window does not fit a padded {(long)InHeight + 2L * PadHeight}×{(long)InWidth + 2L * PadWidth} input");
        try
        {
            _ = InputSize + OutputSize;
        }
        catch (OverflowException)
        {
            throw new ArgumentException($"the pooling {Geometry} has sizes beyond 32-bit lengths");
        }
    }

    /// <summary>The geometry as the messages write it (not ToString, whose computed sizes may not exist for an invalid shape).</summary>
    private string Geometry =>
        $"{Channels}×{InHeight}×{InWidth}, {SizeHeight}×{SizeWidth} windows, stride {StrideHeight}×{StrideWidth}, padding {PadHeight}×{PadWidth}";
}

/// <summary>Max, average and global-average pooling, forward and backward, per sample and channel.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PoolKernels
{
    /// <summary>
    /// Max pooling; <paramref name="switches"/> receives, per output, the index (within its channel) of the input that won,
    /// which routes the gradient back and drives max-unpooling. Padding never wins (it is −∞, as in PyTorch).
    /// </summary>
    public static void MaxForward(ReadOnlySpan<float> x, Span<float> y, Span<int> switches, int batch, Pool2DShape s)
    {
        const string kernel = "PoolKernels.MaxForward";
        CheckShape(kernel, batch, s);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)batch * s.InputSize);
        KernelChecks.Length(kernel, nameof(y), y.Length, (long)batch * s.OutputSize);
        KernelChecks.Length(kernel, nameof(switches), switches.Length, (long)batch * s.OutputSize);
        int plane = s.InHeight * s.InWidth, outPlane = s.OutHeight * s.OutWidth;
        if (s.PadHeight == 0 && s.PadWidth == 0)
        {
            bool twoByTwo = s.SizeHeight == 2 && s.SizeWidth == 2 && s.StrideHeight == 2 && s.StrideWidth == 2;
            // Each form needs a row of at least one vector of windows; LeNet's S4 (10×10 in, 5 windows a row) takes the
            // 128-bit form: one window at a time its compares mispredicted, 484 µs at batch 64 against S2's 100 µs.
            if (twoByTwo && Avx2.IsSupported && s.OutWidth >= 8)
                MaxForward2x2(x, y, switches, batch, s);
            else if (twoByTwo && s.OutWidth >= 4 && Vector128.IsHardwareAccelerated && (Sse.IsSupported || AdvSimd.Arm64.IsSupported))
                MaxForward2x2Narrow(x, y, switches, batch, s);
            else
                MaxForwardInside(x, y, switches, batch, s);
            return;
        }
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

    /// <summary>
    /// The most common pooling, 2×2 with stride 2, eight windows at a time: the even and odd columns of two input rows
    /// are the four candidates of eight windows, and the maximum and its position are kept with vector selects.
    /// Same results as <see cref="MaxForwardInside"/> (ties keep the first in row order; a NaN wins).
    /// </summary>
    private static void MaxForward2x2(ReadOnlySpan<float> x, Span<float> y, Span<int> switches, int batch, Pool2DShape s)
    {
        int width = s.InWidth, plane = s.InHeight * width, outWidth = s.OutWidth, outPlane = s.OutHeight * outWidth;
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        ref int s0 = ref MemoryMarshal.GetReference(switches);
        var evenColumns = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        // Each output row reads two input rows, 2·OutWidth ≤ InWidth values each (the windows fit, stride 2).
        Debug.Assert(2 * s.OutHeight <= s.InHeight && 2 * outWidth <= width, "the windows inside the plane");
        for (int bc = 0; bc < batch * s.Channels; bc++)
        {
            ref float input = ref Unsafe.Add(ref x0, bc * plane);
            for (int oy = 0; oy < s.OutHeight; oy++)
            {
                int rowStart = 2 * oy * width;
                ref float top = ref Unsafe.Add(ref input, rowStart);
                ref float bottom = ref Unsafe.Add(ref top, width);
                int o = bc * outPlane + oy * outWidth;
                int ox = 0;
                while (ox < outWidth && outWidth >= 8)
                {
                    // A ragged end recomputes the last eight windows (the same values written twice).
                    if (ox + 8 > outWidth) ox = outWidth - 8;
                    var (topEven, topOdd) = Deinterleave(ref Unsafe.Add(ref top, 2 * ox));
                    var (bottomEven, bottomOdd) = Deinterleave(ref Unsafe.Add(ref bottom, 2 * ox));
                    var first = evenColumns + Vector256.Create(rowStart + 2 * ox);
                    var best = topEven;
                    var winner = first;
                    Take(topOdd, first + Vector256.Create(1), ref best, ref winner);
                    Take(bottomEven, first + Vector256.Create(width), ref best, ref winner);
                    Take(bottomOdd, first + Vector256.Create(width + 1), ref best, ref winner);
                    best.StoreUnsafe(ref y0, (nuint)(o + ox));
                    winner.StoreUnsafe(ref s0, (nuint)(o + ox));
                    ox += 8;
                }
                MaxWindows2x2(ref input, rowStart, width, ox, outWidth, ref Unsafe.Add(ref y0, o), ref Unsafe.Add(ref s0, o));
            }
        }
    }

    /// <summary>
    /// <see cref="MaxForward2x2"/> four windows at a time in 128-bit vectors: SSE without AVX2, AdvSimd on ARM64. Without it
    /// those machines took <see cref="MaxForwardInside"/>, 25 times slower here than the 256-bit form.
    /// </summary>
    internal static void MaxForward2x2Narrow(ReadOnlySpan<float> x, Span<float> y, Span<int> switches, int batch, Pool2DShape s)
    {
        int width = s.InWidth, plane = s.InHeight * width, outWidth = s.OutWidth, outPlane = s.OutHeight * outWidth;
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        ref int s0 = ref MemoryMarshal.GetReference(switches);
        var evenColumns = Vector128.Create(0, 2, 4, 6);
        Debug.Assert(2 * s.OutHeight <= s.InHeight && 2 * outWidth <= width, "the windows inside the plane");
        for (int bc = 0; bc < batch * s.Channels; bc++)
        {
            ref float input = ref Unsafe.Add(ref x0, bc * plane);
            for (int oy = 0; oy < s.OutHeight; oy++)
            {
                int rowStart = 2 * oy * width;
                ref float top = ref Unsafe.Add(ref input, rowStart);
                ref float bottom = ref Unsafe.Add(ref top, width);
                int o = bc * outPlane + oy * outWidth;
                int ox = 0;
                while (ox < outWidth && outWidth >= 4)
                {
                    // A ragged end recomputes the last four windows (the same values written twice).
                    if (ox + 4 > outWidth) ox = outWidth - 4;
                    var (topEven, topOdd) = DeinterleaveNarrow(ref Unsafe.Add(ref top, 2 * ox));
                    var (bottomEven, bottomOdd) = DeinterleaveNarrow(ref Unsafe.Add(ref bottom, 2 * ox));
                    var first = evenColumns + Vector128.Create(rowStart + 2 * ox);
                    var best = topEven;
                    var winner = first;
                    Take(topOdd, first + Vector128.Create(1), ref best, ref winner);
                    Take(bottomEven, first + Vector128.Create(width), ref best, ref winner);
                    Take(bottomOdd, first + Vector128.Create(width + 1), ref best, ref winner);
                    best.StoreUnsafe(ref y0, (nuint)(o + ox));
                    winner.StoreUnsafe(ref s0, (nuint)(o + ox));
                    ox += 4;
                }
                MaxWindows2x2(ref input, rowStart, width, ox, outWidth, ref Unsafe.Add(ref y0, o), ref Unsafe.Add(ref s0, o));
            }
        }
    }

    /// <summary>The 2×2 windows [fromOx, outWidth) of one output row, one at a time (a row narrower than a vector of windows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaxWindows2x2(ref float input, int rowStart, int width, int fromOx, int outWidth, ref float y, ref int switches)
    {
        for (int ox = fromOx; ox < outWidth; ox++)
        {
            int at = rowStart + 2 * ox;
            float best = Unsafe.Add(ref input, at);
            int winner = at;
            // Three calls, not a stackalloc'd list: a stackalloc in this loop grew the stack by every window of the batch.
            Consider(ref input, at + 1, ref best, ref winner);
            Consider(ref input, at + width, ref best, ref winner);
            Consider(ref input, at + width + 1, ref best, ref winner);
            Unsafe.Add(ref y, ox) = best;
            Unsafe.Add(ref switches, ox) = winner;
        }
    }

    /// <summary>Takes input[candidate] as the window's maximum when it is larger or NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Consider(ref float input, int candidate, ref float best, ref int winner)
    {
        float v = Unsafe.Add(ref input, candidate);
        // Selects, not a branch: on activations the comparison is a coin toss, and a mispredict costs more than both paths.
        bool wins = v > best | float.IsNaN(v);
        best = wins ? v : best;
        winner = wins ? candidate : winner;
    }

    /// <summary>Replaces the running maximum where <paramref name="candidate"/> is larger or NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take(Vector256<float> candidate, Vector256<int> index, ref Vector256<float> best, ref Vector256<int> winner)
    {
        var wins = Vector256.GreaterThan(candidate, best) | ~Vector256.Equals(candidate, candidate);
        best = Vector256.ConditionalSelect(wins, candidate, best);
        winner = Vector256.ConditionalSelect(wins.AsInt32(), index, winner);
    }

    /// <summary>Replaces the running maximum where <paramref name="candidate"/> is larger or NaN (four windows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take(Vector128<float> candidate, Vector128<int> index, ref Vector128<float> best, ref Vector128<int> winner)
    {
        var wins = Vector128.GreaterThan(candidate, best) | ~Vector128.Equals(candidate, candidate);
        best = Vector128.ConditionalSelect(wins, candidate, best);
        winner = Vector128.ConditionalSelect(wins.AsInt32(), index, winner);
    }

    /// <summary>8 consecutive floats as their even- and odd-indexed halves, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> Even, Vector128<float> Odd) DeinterleaveNarrow(ref float at)
    {
        var low = Vector128.LoadUnsafe(ref at);
        var high = Vector128.LoadUnsafe(ref at, 4);
        // shufps takes two lanes of each operand: [l0 l2 h0 h2] and [l1 l3 h1 h3]; ARM64's uzp1 and uzp2 do the same.
        if (Sse.IsSupported) return (Sse.Shuffle(low, high, 0b10_00_10_00), Sse.Shuffle(low, high, 0b11_01_11_01));
        return (AdvSimd.Arm64.UnzipEven(low, high), AdvSimd.Arm64.UnzipOdd(low, high));
    }

    /// <summary>16 consecutive floats as their even- and odd-indexed halves, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Even, Vector256<float> Odd) Deinterleave(ref float at)
    {
        var low = Vector256.LoadUnsafe(ref at);
        var high = Vector256.LoadUnsafe(ref at, 8);
        // shuffle_ps picks within 128-bit lanes: [l0 l2 h0 h2 | l4 l6 h4 h6]; permute4x64 (0, 2, 1, 3) restores the order.
        var even = Avx.Shuffle(low, high, 0b10_00_10_00);
        var odd = Avx.Shuffle(low, high, 0b11_01_11_01);
        return (Avx2.Permute4x64(even.AsDouble(), 0b11_01_10_00).AsSingle(), Avx2.Permute4x64(odd.AsDouble(), 0b11_01_10_00).AsSingle());
    }

    /// <summary>
    /// Max pooling without padding: every window lies inside the input, so there are no bounds to test, and the running
    /// maximum is kept with selects rather than branches (which mispredict on data like activations).
    /// </summary>
    private static void MaxForwardInside(ReadOnlySpan<float> x, Span<float> y, Span<int> switches, int batch, Pool2DShape s)
    {
        int plane = s.InHeight * s.InWidth, outPlane = s.OutHeight * s.OutWidth;
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        ref int s0 = ref MemoryMarshal.GetReference(switches);
        // No padding: the last window ends inside the plane (Validate: the window fits), so no bound is tested per value.
        Debug.Assert(((s.OutHeight - 1) * s.StrideHeight + s.SizeHeight - 1) * s.InWidth + (s.OutWidth - 1) * s.StrideWidth + s.SizeWidth - 1 < plane,
            "the last window inside the plane");
        for (int bc = 0; bc < batch * s.Channels; bc++)
        {
            ref float input = ref Unsafe.Add(ref x0, bc * plane);
            int o = bc * outPlane;
            for (int oy = 0; oy < s.OutHeight; oy++)
                for (int ox = 0; ox < s.OutWidth; ox++, o++)
                {
                    int first = oy * s.StrideHeight * s.InWidth + ox * s.StrideWidth;
                    float best = Unsafe.Add(ref input, first);
                    int winner = first;
                    for (int ky = 0; ky < s.SizeHeight; ky++)
                    {
                        int rowStart = first + ky * s.InWidth;
                        for (int kx = ky == 0 ? 1 : 0; kx < s.SizeWidth; kx++)
                        {
                            int at = rowStart + kx;
                            float v = Unsafe.Add(ref input, at);
                            // A NaN wins, as in PyTorch; ties keep the first.
                            bool wins = v > best | float.IsNaN(v);
                            best = wins ? v : best;
                            winner = wins ? at : winner;
                        }
                    }
                    Unsafe.Add(ref y0, o) = best;
                    Unsafe.Add(ref s0, o) = winner;
                }
        }
    }

    /// <summary>dx (overwritten): each output's gradient goes to the input that won its window, times f′_prev there.</summary>
    public static void MaxBackward<TAct>(ReadOnlySpan<float> dy, ReadOnlySpan<int> switches, Span<float> dx, int batch, Pool2DShape s,
        ReadOnlySpan<float> yPrev, TAct previousActivation) where TAct : struct, IActivation
    {
        if (typeof(TAct) == typeof(LinearActivation))
        {
            MaxBackward(dy, switches, dx, batch, s);
            return;
        }
        const string kernel = "PoolKernels.MaxBackward";
        CheckShape(kernel, batch, s);
        KernelChecks.Length(kernel, nameof(yPrev), yPrev.Length, (long)batch * s.InputSize);
        MaxBackward(dy, switches, dx, batch, s);
        if (s.StrideHeight < s.SizeHeight || s.StrideWidth < s.SizeWidth)
        {
            // Overlapping windows may share a winner: one pass over every value multiplies each once.
            GraphKernels.MultiplyByDerivative(dx, yPrev, previousActivation);
            return;
        }
        // Disjoint windows: only the winners hold a gradient, each once, so the derivative is needed there alone.
        int plane = s.InHeight * s.InWidth, outPlane = s.OutHeight * s.OutWidth;
        for (int bc = 0; bc < batch * s.Channels; bc++)
            for (int o = 0; o < outPlane; o++)
            {
                int winner = switches[bc * outPlane + o];
                if (winner >= 0) dx[bc * plane + winner] *= previousActivation.Derivative(yPrev[bc * plane + winner]);
            }
    }

    /// <summary>dx (overwritten): each output's gradient goes to the input that won its window.</summary>
    public static void MaxBackward(ReadOnlySpan<float> dy, ReadOnlySpan<int> switches, Span<float> dx, int batch, Pool2DShape s)
    {
        const string kernel = "PoolKernels.MaxBackward";
        CheckShape(kernel, batch, s);
        KernelChecks.Length(kernel, nameof(dy), dy.Length, (long)batch * s.OutputSize);
        KernelChecks.Length(kernel, nameof(switches), switches.Length, (long)batch * s.OutputSize);
        KernelChecks.Length(kernel, nameof(dx), dx.Length, (long)batch * s.InputSize);
        ScatterToWinners(dy, switches, dx, batch, s);
    }

    /// <summary>Max-unpooling: each value goes back to the position its max pooling chose; zeros elsewhere.</summary>
    public static void MaxUnpool(ReadOnlySpan<float> y, ReadOnlySpan<int> switches, Span<float> x, int batch, Pool2DShape s)
    {
        const string kernel = "PoolKernels.MaxUnpool";
        CheckShape(kernel, batch, s);
        KernelChecks.Length(kernel, nameof(y), y.Length, (long)batch * s.OutputSize);
        KernelChecks.Length(kernel, nameof(switches), switches.Length, (long)batch * s.OutputSize);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)batch * s.InputSize);
        ScatterToWinners(y, switches, x, batch, s);
    }

    /// <summary>
    /// x = 0, then x[winner] += y for every output. The switches are the caller's data, so these writes keep their bounds
    /// checks: a bad switch throws (or lands in another plane of x), never outside it.
    /// </summary>
    private static void ScatterToWinners(ReadOnlySpan<float> dy, ReadOnlySpan<int> switches, Span<float> dx, int batch, Pool2DShape s)
    {
        dx.Clear();
        int plane = s.InHeight * s.InWidth, outPlane = s.OutHeight * s.OutWidth;
        for (int bc = 0; bc < batch * s.Channels; bc++)
            for (int o = 0; o < outPlane; o++)
            {
                int winner = switches[bc * outPlane + o];
                if (winner >= 0) dx[bc * plane + winner] += dy[bc * outPlane + o];
            }
    }

    /// <summary>Max-unpooling's backward pass: dx[o] = dy[switch[o]] (the gradient at the position each value was placed).</summary>
    public static void MaxUnpoolBackward(ReadOnlySpan<float> dy, ReadOnlySpan<int> switches, Span<float> dx, int batch, Pool2DShape s)
    {
        const string kernel = "PoolKernels.MaxUnpoolBackward";
        CheckShape(kernel, batch, s);
        KernelChecks.Length(kernel, nameof(dy), dy.Length, (long)batch * s.InputSize);
        KernelChecks.Length(kernel, nameof(switches), switches.Length, (long)batch * s.OutputSize);
        KernelChecks.Length(kernel, nameof(dx), dx.Length, (long)batch * s.OutputSize);
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
        const string kernel = "PoolKernels.AverageForward";
        CheckShape(kernel, batch, s);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)batch * s.InputSize);
        KernelChecks.Length(kernel, nameof(y), y.Length, (long)batch * s.OutputSize);
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
        const string kernel = "PoolKernels.AverageBackward";
        CheckShape(kernel, batch, s);
        KernelChecks.Length(kernel, nameof(dy), dy.Length, (long)batch * s.OutputSize);
        KernelChecks.Length(kernel, nameof(dx), dx.Length, (long)batch * s.InputSize);
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
        const string kernel = "PoolKernels.GlobalAverageForward";
        CheckGlobalShape(kernel, batch, channels, plane);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)batch * channels * plane);
        KernelChecks.Length(kernel, nameof(y), y.Length, (long)batch * channels);
        for (int bc = 0; bc < batch * channels; bc++)
        {
            float sum = 0f;
            foreach (float v in x.Slice(bc * plane, plane)) sum += v;
            y[bc] = sum / plane;
        }
    }

    /// <summary>Spreads each channel's output gradient evenly over its <paramref name="plane"/> positions.</summary>
    public static void GlobalAverageBackward(ReadOnlySpan<float> dy, Span<float> dx, int batch, int channels, int plane)
    {
        const string kernel = "PoolKernels.GlobalAverageBackward";
        CheckGlobalShape(kernel, batch, channels, plane);
        KernelChecks.Length(kernel, nameof(dy), dy.Length, (long)batch * channels);
        KernelChecks.Length(kernel, nameof(dx), dx.Length, (long)batch * channels * plane);
        for (int bc = 0; bc < batch * channels; bc++) dx.Slice(bc * plane, plane).Fill(dy[bc] / plane);
    }

    private static void CheckShape(string kernel, int batch, Pool2DShape s)
    {
        s.Validate();
        KernelChecks.NonNegative(kernel, nameof(batch), batch);
    }

    private static void CheckGlobalShape(string kernel, int batch, int channels, int plane)
    {
        KernelChecks.NonNegative(kernel, nameof(batch), batch);
        KernelChecks.NonNegative(kernel, nameof(channels), channels);
        KernelChecks.NonNegative(kernel, nameof(plane), plane);
    }
}
