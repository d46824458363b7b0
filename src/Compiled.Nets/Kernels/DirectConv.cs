using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Nets.Kernels;

/// <summary>
/// Direct convolution for depthwise layers (one input channel per group, <see cref="Conv2DShape.IsDepthwise"/>): each
/// kernel tap adds a weight times a shifted input row into an output row (or the transpose for the gradients), with the
/// SIMD lanes along the row. No im2col, no workspace. Same results as the im2col path up to rounding order.
/// </summary>
internal static class DirectConv
{
    public static void Forward<TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        int start, int end, Conv2DShape s, TAct activation) where TAct : struct, IActivation
    {
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
                            ref float source = ref Unsafe.AsRef(in input[iy * s.InWidth + first * s.StrideWidth - s.PadWidth + kx]);
                            ref float target = ref output[oy * s.OutWidth + first];
                            MultiplyAdd(weight, ref source, s.StrideWidth, ref target, 1, last - first);
                        }
                    }
                DenseKernels.ApplyActivation(output, activation);
            }
    }

    /// <summary>Adds samples [start, end)'s dW and db to <paramref name="dw"/> and <paramref name="db"/>.</summary>
    public static void WeightGradient(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> dw, Span<float> db,
        int start, int end, Conv2DShape s)
    {
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
                            ref float source = ref Unsafe.AsRef(in input[iy * s.InWidth + first * s.StrideWidth - s.PadWidth + kx]);
                            ref float g = ref Unsafe.AsRef(in gradient[oy * s.OutWidth + first]);
                            sum += s.StrideWidth == 1 ? ConvGemm.Dot(ref g, ref source, last - first) : StridedDot(ref g, ref source, s.StrideWidth, last - first);
                        }
                        dw[o * taps + ky * s.KernelWidth + kx] += sum;
                    }
            }
    }

    /// <summary>dx for samples [start, end) (overwritten, before the caller's derivative): every tap adds w · dz back along the rows.</summary>
    public static void InputGradient(ReadOnlySpan<float> dz, ReadOnlySpan<float> w, Span<float> dx, int start, int end, Conv2DShape s)
    {
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
            var wv = Vector256.Create(weight);
            for (; i + 8 <= count; i += 8)
                Vector256.FusedMultiplyAdd(wv, Vector256.LoadUnsafe(ref source, (nuint)i), Vector256.LoadUnsafe(ref target, (nuint)i)).StoreUnsafe(ref target, (nuint)i);
        }
        for (; i < count; i++) Unsafe.Add(ref target, i * targetStride) += weight * Unsafe.Add(ref source, i * sourceStride);
    }

    private static float StridedDot(ref float contiguous, ref float strided, int stride, int count)
    {
        float sum = 0f;
        for (int i = 0; i < count; i++) sum += Unsafe.Add(ref contiguous, i) * Unsafe.Add(ref strided, i * stride);
        return sum;
    }
}
