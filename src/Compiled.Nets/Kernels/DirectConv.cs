using System.ComponentModel;
using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// Direct convolution for depthwise layers (one input channel per group, <see cref="ConvAlgorithm.Direct"/>): each
/// kernel tap adds a weight times a shifted input row into an output row (or the transpose for the gradients), with the
/// SIMD lanes along the row. No im2col, no workspace. Same results as the im2col path up to rounding order.
/// </summary>
internal static class DirectConv
{
    /// <summary>
    /// Stride 1 with a workspace that holds a zero-bordered plane: each plane is copied once with its padding as zeros,
    /// then every output vector sums its taps in registers (<see cref="Correlate"/>).
    /// </summary>
    public static bool UsesPaddedPlane(Conv2DShape s, int scratchLength) =>
        s.StrideHeight == 1 && s.StrideWidth == 1 && s.PadHeight < s.KernelHeight && s.PadWidth < s.KernelWidth
        && (s.InHeight + s.KernelHeight - 1) * (s.InWidth + s.KernelWidth - 1) <= scratchLength
        && (s.InHeight + 2 * s.PadHeight) * (s.InWidth + 2 * s.PadWidth) <= scratchLength;

    public static void Forward<TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        int start, int end, Conv2DShape s, Span<float> scratch, TAct activation) where TAct : struct, IActivation
    {
        if (UsesPaddedPlane(s, scratch.Length))
        {
            ForwardPadded(x, w, bias, y, start, end, s, scratch, activation);
            return;
        }
        int plane = s.InHeight * s.InWidth, outPlane = s.Positions, taps = s.KernelHeight * s.KernelWidth, perGroup = s.OutChannels / s.Groups;
        for (int b = start; b < end; b++)
            for (int o = 0; o < s.OutChannels; o++)
            {
                var input = x.Slice((b * s.InChannels + o / perGroup) * plane, plane);
                var output = y.Slice((b * s.OutChannels + o) * outPlane, outPlane);
                output.Fill(bias[o]);
                for (int ky = 0; ky < s.KernelHeight; ky++)
                    for (int kx = 0; kx < s.KernelWidth; kx++)
                    {
                        float weight = w[o * taps + ky * s.KernelWidth + kx];
                        var (first, last) = ConvKernels.InsideColumns(kx, s);
                        if (first >= last) continue;
                        for (int oy = 0; oy < s.OutHeight; oy++)
                        {
                            int iy = oy * s.StrideHeight - s.PadHeight + ky;
                            if ((uint)iy >= (uint)s.InHeight) continue;
                            Debug.Assert(iy * s.InWidth + (last - 1) * s.StrideWidth - s.PadWidth + kx < input.Length && oy * s.OutWidth + last <= output.Length, "the tap's lines inside their planes");
                            ref float source = ref Unsafe.AsRef(in input[iy * s.InWidth + first * s.StrideWidth - s.PadWidth + kx]);
                            ref float target = ref output[oy * s.OutWidth + first];
                            MultiplyAdd(weight, ref source, s.StrideWidth, ref target, 1, last - first);
                        }
                    }
                DenseKernels.ApplyActivation(output, activation);
            }
    }

    /// <summary>y = f(b + corr(x padded, w)) per output channel, the padding as the workspace's zero border.</summary>
    private static void ForwardPadded<TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        int start, int end, Conv2DShape s, Span<float> scratch, TAct activation) where TAct : struct, IActivation
    {
        int plane = s.InHeight * s.InWidth, outPlane = s.Positions, perGroup = s.OutChannels / s.Groups, taps = s.KernelHeight * s.KernelWidth;
        int paddedWidth = s.InWidth + 2 * s.PadWidth, paddedHeight = s.InHeight + 2 * s.PadHeight;
        var padded = scratch.Slice(0, paddedHeight * paddedWidth);
        padded.Clear();
        Debug.Assert(s.OutHeight + s.KernelHeight - 1 <= paddedHeight && s.OutWidth + s.KernelWidth - 1 <= paddedWidth, "Correlate's windows inside the padded plane");
        for (int b = start; b < end; b++)
            for (int c = 0; c < s.InChannels; c++)
            {
                // Only the interior is rewritten per plane; the zero border stays.
                var input = x.Slice((b * s.InChannels + c) * plane, plane);
                for (int iy = 0; iy < s.InHeight; iy++)
                    input.Slice(iy * s.InWidth, s.InWidth).CopyTo(padded.Slice((iy + s.PadHeight) * paddedWidth + s.PadWidth));
                for (int o = c * perGroup; o < (c + 1) * perGroup; o++)
                {
                    var output = y.Slice((b * s.OutChannels + o) * outPlane, outPlane);
                    output.Fill(bias[o]);
                    Correlate(ref MemoryMarshal.GetReference(padded), paddedWidth, ref Unsafe.AsRef(in w[o * taps]), s.KernelHeight, s.KernelWidth,
                        ref MemoryMarshal.GetReference(output), s.OutHeight, s.OutWidth);
                    DenseKernels.ApplyActivation(output, activation);
                }
            }
    }

    /// <summary>
    /// dx = Σ over the channel's filters of corr(dz padded by F − 1 − P, w flipped): the transposed convolution at stride 1
    /// as a forward one, so it runs in the same registers-only loop.
    /// </summary>
    private static void InputGradientPadded(ReadOnlySpan<float> dz, ReadOnlySpan<float> w, Span<float> dx, int start, int end, Conv2DShape s, Span<float> scratch)
    {
        int plane = s.InHeight * s.InWidth, outPlane = s.Positions, perGroup = s.OutChannels / s.Groups, kh = s.KernelHeight, kw = s.KernelWidth, taps = kh * kw;
        int borderY = kh - 1 - s.PadHeight, borderX = kw - 1 - s.PadWidth;
        int paddedWidth = s.OutWidth + 2 * borderX, paddedHeight = s.OutHeight + 2 * borderY;
        var padded = scratch.Slice(0, paddedHeight * paddedWidth);
        padded.Clear();
        Debug.Assert(s.InHeight + kh - 1 <= paddedHeight && s.InWidth + kw - 1 <= paddedWidth, "Correlate's windows inside the padded plane");
        Span<float> flipped = stackalloc float[taps];
        for (int b = start; b < end; b++)
            for (int c = 0; c < s.InChannels; c++)
            {
                var target = dx.Slice((b * s.InChannels + c) * plane, plane);
                target.Clear();
                for (int o = c * perGroup; o < (c + 1) * perGroup; o++)
                {
                    var gradient = dz.Slice((b * s.OutChannels + o) * outPlane, outPlane);
                    for (int oy = 0; oy < s.OutHeight; oy++)
                        gradient.Slice(oy * s.OutWidth, s.OutWidth).CopyTo(padded.Slice((oy + borderY) * paddedWidth + borderX));
                    for (int t = 0; t < taps; t++) flipped[t] = w[o * taps + taps - 1 - t];
                    Correlate(ref MemoryMarshal.GetReference(padded), paddedWidth, ref MemoryMarshal.GetReference(flipped), kh, kw,
                        ref MemoryMarshal.GetReference(target), s.InHeight, s.InWidth);
                }
            }
    }

    /// <summary>dW[o, a, b] += Σ dz[o, oy, ox] · x padded[oy + a, ox + b]: one vector sum per tap, kept across the whole plane.</summary>
    private static void WeightGradientPadded(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> dw, Span<float> db,
        int start, int end, Conv2DShape s, Span<float> scratch)
    {
        if (Vector256.IsHardwareAccelerated) WeightGradientPadded<Vector256<float>, Vector256Width>(dz, x, dw, db, start, end, s, scratch);
        else if (Vector128.IsHardwareAccelerated) WeightGradientPadded<Vector128<float>, Vector128Width>(dz, x, dw, db, start, end, s, scratch);
        else WeightGradientPadded<float, ScalarWidth>(dz, x, dw, db, start, end, s, scratch);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGradientPadded<TVector, TWidth>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> dw, Span<float> db,
        int start, int end, Conv2DShape s, Span<float> scratch) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
    {
        int plane = s.InHeight * s.InWidth, outPlane = s.Positions, perGroup = s.OutChannels / s.Groups, kh = s.KernelHeight, kw = s.KernelWidth, taps = kh * kw;
        int paddedWidth = s.InWidth + 2 * s.PadWidth, paddedHeight = s.InHeight + 2 * s.PadHeight, ow = s.OutWidth;
        var padded = scratch.Slice(0, paddedHeight * paddedWidth);
        padded.Clear();
        Span<TVector> sums = stackalloc TVector[taps];
        Span<float> tails = stackalloc float[taps];
        for (int b = start; b < end; b++)
            for (int c = 0; c < s.InChannels; c++)
            {
                var input = x.Slice((b * s.InChannels + c) * plane, plane);
                for (int iy = 0; iy < s.InHeight; iy++)
                    input.Slice(iy * s.InWidth, s.InWidth).CopyTo(padded.Slice((iy + s.PadHeight) * paddedWidth + s.PadWidth));
                ref float p0 = ref MemoryMarshal.GetReference(padded);
                for (int o = c * perGroup; o < (c + 1) * perGroup; o++)
                {
                    var gradient = dz.Slice((b * s.OutChannels + o) * outPlane, outPlane);
                    ref float g0 = ref MemoryMarshal.GetReference(gradient);
                    db[o] += ConvGemm.Sum(ref g0, outPlane);
                    sums.Clear();
                    tails.Clear();
                    for (int oy = 0; oy < s.OutHeight; oy++)
                    {
                        ref float row = ref Unsafe.Add(ref p0, oy * paddedWidth);
                        ref float g = ref Unsafe.Add(ref g0, oy * ow);
                        int ox = 0;
                        for (; ox + TWidth.Count <= ow; ox += TWidth.Count)
                        {
                            var d = TWidth.Load(ref g, ox);
                            for (int a = 0; a < kh; a++)
                            {
                                ref float line = ref Unsafe.Add(ref row, a * paddedWidth + ox);
                                for (int k = 0; k < kw; k++)
                                    sums[a * kw + k] = TWidth.MultiplyAdd(d, TWidth.Load(ref line, k), sums[a * kw + k]);
                            }
                        }
                        for (; ox < ow; ox++)
                        {
                            float d = Unsafe.Add(ref g, ox);
                            for (int a = 0; a < kh; a++)
                                for (int k = 0; k < kw; k++)
                                    tails[a * kw + k] += d * Unsafe.Add(ref row, a * paddedWidth + ox + k);
                        }
                    }
                    for (int t = 0; t < taps; t++) dw[o * taps + t] += TWidth.Sum(sums[t]) + tails[t];
                }
            }
    }

    /// <summary>
    /// output[oy, ox] += Σ_{a, b} kernel[a·kw + b] · plane[(oy + a)·width + ox + b] over an output of rows × columns:
    /// a vector of outputs at a time with every tap summed before the one store, and no bounds to test (the plane is large enough).
    /// </summary>
    private static void Correlate(ref float plane, int width, ref float kernel, int kh, int kw, ref float output, int rows, int columns)
    {
        if (Vector256.IsHardwareAccelerated) Correlate<Vector256<float>, Vector256Width>(ref plane, width, ref kernel, kh, kw, ref output, rows, columns);
        else if (Vector128.IsHardwareAccelerated) Correlate<Vector128<float>, Vector128Width>(ref plane, width, ref kernel, kh, kw, ref output, rows, columns);
        else Correlate<float, ScalarWidth>(ref plane, width, ref kernel, kh, kw, ref output, rows, columns);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Correlate<TVector, TWidth>(ref float plane, int width, ref float kernel, int kh, int kw, ref float output, int rows, int columns)
        where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
    {
        for (int oy = 0; oy < rows; oy++)
        {
            ref float row = ref Unsafe.Add(ref plane, oy * width);
            ref float target = ref Unsafe.Add(ref output, oy * columns);
            int ox = 0;
            for (; ox + TWidth.Count <= columns; ox += TWidth.Count)
            {
                var sum = TWidth.Load(ref target, ox);
                for (int a = 0; a < kh; a++)
                {
                    ref float line = ref Unsafe.Add(ref row, a * width + ox);
                    for (int b = 0; b < kw; b++)
                        sum = TWidth.MultiplyAdd(TWidth.Broadcast(Unsafe.Add(ref kernel, a * kw + b)), TWidth.Load(ref line, b), sum);
                }
                TWidth.Store(sum, ref target, ox);
            }
            for (; ox < columns; ox++)
            {
                float sum = Unsafe.Add(ref target, ox);
                for (int a = 0; a < kh; a++)
                    for (int b = 0; b < kw; b++)
                        sum += Unsafe.Add(ref kernel, a * kw + b) * Unsafe.Add(ref row, a * width + ox + b);
                Unsafe.Add(ref target, ox) = sum;
            }
        }
    }

    /// <summary>Adds samples [start, end)'s dW and db to <paramref name="dw"/> and <paramref name="db"/>.</summary>
    public static void WeightGradient(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> dw, Span<float> db,
        int start, int end, Conv2DShape s, Span<float> scratch)
    {
        if (UsesPaddedPlane(s, scratch.Length) && s.KernelHeight * s.KernelWidth <= 64)
        {
            WeightGradientPadded(dz, x, dw, db, start, end, s, scratch);
            return;
        }
        int plane = s.InHeight * s.InWidth, outPlane = s.Positions, taps = s.KernelHeight * s.KernelWidth, perGroup = s.OutChannels / s.Groups;
        for (int b = start; b < end; b++)
            for (int o = 0; o < s.OutChannels; o++)
            {
                var input = x.Slice((b * s.InChannels + o / perGroup) * plane, plane);
                var gradient = dz.Slice((b * s.OutChannels + o) * outPlane, outPlane);
                db[o] += ConvGemm.Sum(ref MemoryMarshal.GetReference(gradient), outPlane);
                for (int ky = 0; ky < s.KernelHeight; ky++)
                    for (int kx = 0; kx < s.KernelWidth; kx++)
                    {
                        var (first, last) = ConvKernels.InsideColumns(kx, s);
                        if (first >= last) continue;
                        float sum = 0f;
                        for (int oy = 0; oy < s.OutHeight; oy++)
                        {
                            int iy = oy * s.StrideHeight - s.PadHeight + ky;
                            if ((uint)iy >= (uint)s.InHeight) continue;
                            Debug.Assert(iy * s.InWidth + (last - 1) * s.StrideWidth - s.PadWidth + kx < input.Length && oy * s.OutWidth + last <= gradient.Length, "the tap's lines inside their planes");
                            ref float source = ref Unsafe.AsRef(in input[iy * s.InWidth + first * s.StrideWidth - s.PadWidth + kx]);
                            ref float g = ref Unsafe.AsRef(in gradient[oy * s.OutWidth + first]);
                            sum += s.StrideWidth == 1 ? ConvGemm.Dot(ref g, ref source, last - first) : StridedDot(ref g, ref source, s.StrideWidth, last - first);
                        }
                        dw[o * taps + ky * s.KernelWidth + kx] += sum;
                    }
            }
    }

    /// <summary>dx for samples [start, end) (overwritten, before the caller's derivative): every tap adds w · dz back along the rows.</summary>
    public static void InputGradient(ReadOnlySpan<float> dz, ReadOnlySpan<float> w, Span<float> dx, int start, int end, Conv2DShape s, Span<float> scratch)
    {
        if (UsesPaddedPlane(s, scratch.Length))
        {
            InputGradientPadded(dz, w, dx, start, end, s, scratch);
            return;
        }
        int plane = s.InHeight * s.InWidth, outPlane = s.Positions, taps = s.KernelHeight * s.KernelWidth, perGroup = s.OutChannels / s.Groups;
        dx.Slice(start * s.InputSize, (end - start) * s.InputSize).Clear();
        for (int b = start; b < end; b++)
            for (int o = 0; o < s.OutChannels; o++)
            {
                var input = dx.Slice((b * s.InChannels + o / perGroup) * plane, plane);
                var gradient = dz.Slice((b * s.OutChannels + o) * outPlane, outPlane);
                for (int ky = 0; ky < s.KernelHeight; ky++)
                    for (int kx = 0; kx < s.KernelWidth; kx++)
                    {
                        float weight = w[o * taps + ky * s.KernelWidth + kx];
                        var (first, last) = ConvKernels.InsideColumns(kx, s);
                        if (first >= last) continue;
                        for (int oy = 0; oy < s.OutHeight; oy++)
                        {
                            int iy = oy * s.StrideHeight - s.PadHeight + ky;
                            if ((uint)iy >= (uint)s.InHeight) continue;
                            Debug.Assert(iy * s.InWidth + (last - 1) * s.StrideWidth - s.PadWidth + kx < input.Length && oy * s.OutWidth + last <= gradient.Length, "the tap's lines inside their planes");
                            ref float g = ref Unsafe.AsRef(in gradient[oy * s.OutWidth + first]);
                            ref float target = ref input[iy * s.InWidth + first * s.StrideWidth - s.PadWidth + kx];
                            MultiplyAdd(weight, ref g, 1, ref target, s.StrideWidth, last - first);
                        }
                    }
            }
    }

    /// <summary>target[i·targetStride] += weight · source[i·sourceStride] for i &lt; count; vectorised when both are contiguous.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd(float weight, ref float source, int sourceStride, ref float target, int targetStride, int count)
    {
        int i = 0;
        if (sourceStride == 1 && targetStride == 1)
        {
            if (Vector256.IsHardwareAccelerated) i = MultiplyAdd<Vector256<float>, Vector256Width>(weight, ref source, ref target, count);
            else if (Vector128.IsHardwareAccelerated) i = MultiplyAdd<Vector128<float>, Vector128Width>(weight, ref source, ref target, count);
        }
        for (; i < count; i++) Unsafe.Add(ref target, i * targetStride) += weight * Unsafe.Add(ref source, i * sourceStride);
    }

    /// <summary>The whole vectors of a contiguous <see cref="MultiplyAdd(float, ref float, int, ref float, int, int)"/>; returns where the tail starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static int MultiplyAdd<TVector, TWidth>(float weight, ref float source, ref float target, int count) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
    {
        var wv = TWidth.Broadcast(weight);
        int i = 0;
        for (; i + TWidth.Count <= count; i += TWidth.Count)
            TWidth.Store(TWidth.MultiplyAdd(wv, TWidth.Load(ref source, i), TWidth.Load(ref target, i)), ref target, i);
        return i;
    }

    private static float StridedDot(ref float contiguous, ref float strided, int stride, int count)
    {
        float sum = 0f;
        for (int i = 0; i < count; i++) sum += Unsafe.Add(ref contiguous, i) * Unsafe.Add(ref strided, i * stride);
        return sum;
    }
}
