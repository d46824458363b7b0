using System.ComponentModel;
using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// Stride-1 convolution without im2col. Each input plane is copied once into a zero-bordered plane, laid out row after
/// row at the padded width Wp. Then the patch row of tap (c, ky, kx) is that plane itself, read from offset ky·Wp + kx
/// over "wide" positions oy·Wp + ox. The columns ox ≥ OutWidth wrap into the next row: they are computed and thrown away
/// (the forward pass), or meet zeros (the gradients). im2col copies every tap's lines one by one, which cost LeNet's
/// 5×5 layers as much time as their products; the price here is the wasted columns, <see cref="WideLength"/> wide
/// positions per <see cref="Conv2DShape.Positions"/> outputs (<see cref="MaxWaste"/> at most).
/// </summary>
internal static unsafe class ShiftedConv
{
    /// <summary>
    /// The most wide positions per output position this path takes. Measured (docs/cnn.md): it still beat im2col at 4, on
    /// 5×5 and 3×3 kernels over 6×6 and 4×4 maps, as im2col's short lines cost more than the wasted columns.
    /// </summary>
    public const double MaxWaste = 4;

    /// <summary>Whether a shape can run here at all: stride 1 and not pointwise (<see cref="ConvAlgorithm.ShiftedRows"/>'s condition).</summary>
    public static bool Applies(Conv2DShape s) => s.StrideHeight == 1 && s.StrideWidth == 1 && !s.IsPointwise;

    /// <summary>Whether this path pays for a shape (<see cref="Conv2DShape.Recommended"/>): it applies, with not too many wasted columns.</summary>
    public static bool Fits(Conv2DShape s) => Applies(s) && WideLength(s) <= MaxWaste * s.Positions;

    public static int PaddedWidth(Conv2DShape s) => checked(s.InWidth + 2 * s.PadWidth);

    /// <summary>
    /// Output rows at the padded width: OutHeight · Wp positions (OutWidth of each row kept), rounded up to whole 16-float
    /// vectors so the products need no ragged ends.
    /// </summary>
    public static int WideLength(Conv2DShape s) => checked((s.OutHeight * PaddedWidth(s) + 15) / 16 * 16);

    /// <summary>
    /// A zero-bordered plane, plus the values the discarded columns of the last rows read past it (zeros), rounded up to
    /// whole vectors so every plane starts on a cache line.
    /// </summary>
    public static int PlaneLength(Conv2DShape s) =>
        Round16(checked((s.InHeight + 2 * s.PadHeight) * PaddedWidth(s) + s.KernelWidth - 1 + WideLength(s) - s.OutHeight * PaddedWidth(s)));

    private static int Round16(int floats) => checked((floats + 15) / 16 * 16);

    /// <summary>Samples whose planes the weight gradient holds at once, so each block's vector sums run over ≈ 2,048 positions.</summary>
    public static int WeightGradientSamples(Conv2DShape s) => Math.Clamp(2048 / WideLength(s), 1, 16);

    /// <summary>
    /// Floats of workspace: the taps' offsets, then either <see cref="WeightGradientSamples"/> samples' zero-bordered planes
    /// and wide dz rows of a group, or one sample's planes, wide rows and the input gradient's wide rows (one per tap).
    /// </summary>
    public static int ScratchLength(Conv2DShape s)
    {
        // Checked: Conv2DShape.Validate refuses a shape whose workspace does not fit a 32-bit length.
        checked
        {
            int groupIn = s.InChannels / s.Groups, groupOut = s.OutChannels / s.Groups, sample = groupIn * PlaneLength(s) + groupOut * WideLength(s);
            return 16 + Round16(s.PatchLength) + Math.Max(WeightGradientSamples(s) * sample, sample + Round16(s.KernelWidth) + s.PatchLength * WideLength(s));
        }
    }

    /// <summary>
    /// The workspace's parts: the offsets (ints), the planes and the wide rows of some samples, the input gradient's tap rows.
    /// Each part starts on a 64-byte boundary (the first 16 floats are slack for that): a 512-bit store that straddles two
    /// cache lines costs two, and the products store every wide row.
    /// </summary>
    private readonly unsafe ref struct Workspace
    {
        public readonly Span<int> Offsets;
        public readonly Span<float> Planes, Wide, TapRows;

        public Workspace(Span<float> scratch, Conv2DShape s, int samples = 1)
        {
            int groupIn = s.InChannels / s.Groups, groupOut = s.OutChannels / s.Groups, plane = PlaneLength(s), wide = WideLength(s);
            int misaligned = (int)((nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(scratch)) / sizeof(float) % 16);
            int at = (16 - misaligned) % 16;
            Offsets = MemoryMarshal.Cast<float, int>(scratch.Slice(at, s.PatchLength));
            at += Round16(s.PatchLength);
            Planes = scratch.Slice(at, samples * groupIn * plane);
            at += Planes.Length;
            Wide = scratch.Slice(at, samples * groupOut * wide);
            at += Wide.Length;
            // The tap rows follow zeros: the input gradient reads up to KernelWidth − 1 values before a row.
            TapRows = samples > 1 ? Span<float>.Empty : scratch.Slice(at + Round16(s.KernelWidth), s.PatchLength * wide);
            if (samples == 1) scratch.Slice(at, Round16(s.KernelWidth)).Clear();
            // Tap (c, ky, kx) reads plane c from ky·Wp + kx: the order of the weights' columns.
            int tap = 0, width = PaddedWidth(s);
            for (int c = 0; c < groupIn; c++)
                for (int ky = 0; ky < s.KernelHeight; ky++)
                    for (int kx = 0; kx < s.KernelWidth; kx++)
                        Offsets[tap++] = c * plane + ky * width + kx;
            Debug.Assert(Offsets[tap - 1] + wide <= groupIn * plane, "the last tap's window inside one sample's planes");
        }
    }

    /// <summary>y = f(conv(x) + b) for samples [start, end).</summary>
    public static void Forward<TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        int start, int end, Conv2DShape s, Span<float> scratch, TAct activation) where TAct : struct, IActivation
    {
        var work = new Workspace(scratch, s);
        int groupOut = s.OutChannels / s.Groups, patch = s.PatchLength, wide = WideLength(s), width = PaddedWidth(s);
        int positions = s.Positions, ow = s.OutWidth;
        work.Planes.Clear(); // the borders stay zero: only the interiors are rewritten
        for (int b = start; b < end; b++)
        {
            var sample = x.Slice(b * s.InputSize, s.InputSize);
            var output = y.Slice(b * s.OutputSize, s.OutputSize);
            for (int g = 0; g < s.Groups; g++)
            {
                CopyIntoPlanes(sample, work.Planes, s, g);
                // wide[o, :] = Σ_tap w[o, tap] · plane window of tap.
                fixed (int* offsets = work.Offsets)
                    ConvGemm.CombineRows(ref Unsafe.AsRef(in w[g * groupOut * patch]), patch, 1, ref MemoryMarshal.GetReference(work.Planes),
                        new ListedRows(offsets), ref MemoryMarshal.GetReference(work.Wide), groupOut, patch, wide, accumulate: false);
                for (int o = 0; o < groupOut; o++)
                {
                    int channel = g * groupOut + o;
                    for (int oy = 0; oy < s.OutHeight; oy++)
                        KeepLine(ref work.Wide[o * wide + oy * width], ref output[channel * positions + oy * ow], ow, bias[channel], activation);
                }
            }
        }
    }

    /// <summary>
    /// Adds samples [start, end)'s dW and db, <see cref="WeightGradientSamples"/> samples at a time: their planes and dz rows
    /// side by side in the workspace, so each block of dW sums over all of them before its horizontal adds.
    /// </summary>
    public static void WeightGradient(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> dw, Span<float> db,
        int start, int end, Conv2DShape s, Span<float> scratch)
    {
        int together = WeightGradientSamples(s);
        var work = new Workspace(scratch, s, together);
        int groupIn = s.InChannels / s.Groups, groupOut = s.OutChannels / s.Groups, patch = s.PatchLength, wide = WideLength(s), positions = s.Positions;
        int planesPerSample = groupIn * PlaneLength(s), widePerSample = groupOut * wide;
        work.Planes.Clear();
        work.Wide.Clear(); // dz's discarded columns stay zero, so they add nothing to the sums
        for (int b = start; b < end; b += together)
        {
            int count = Math.Min(together, end - b);
            for (int g = 0; g < s.Groups; g++)
            {
                for (int j = 0; j < count; j++)
                {
                    CopyIntoPlanes(x.Slice((b + j) * s.InputSize, s.InputSize), work.Planes.Slice(j * planesPerSample), s, g);
                    CopyIntoWide(dz.Slice((b + j) * s.OutputSize, s.OutputSize), work.Wide.Slice(j * widePerSample), s, g);
                }
                // dW[o, tap] += Σ over the samples and their wide positions of dz[o, ·] · plane window of tap.
                fixed (int* offsets = work.Offsets)
                    ConvGemm.DotRowsAcross(ref MemoryMarshal.GetReference(work.Wide), widePerSample, ref MemoryMarshal.GetReference(work.Planes), planesPerSample,
                        new ListedRows(offsets), ref dw[g * groupOut * patch], groupOut, patch, wide, count, accumulate: true);
            }
            for (int j = 0; j < count; j++)
            {
                var gradient = dz.Slice((b + j) * s.OutputSize, s.OutputSize);
                for (int o = 0; o < s.OutChannels; o++)
                    db[o] += ConvGemm.Sum(ref Unsafe.AsRef(in gradient[o * positions]), positions);
            }
        }
    }

    /// <summary>
    /// dx = convᵀ(dz) for samples [start, end), overwritten (the caller applies the previous layer's derivative): the wide rows
    /// wᵀ·dz, one per tap, then each dx row gathers its taps' values from them (<see cref="GatherRow"/>).
    /// </summary>
    public static void InputGradient(ReadOnlySpan<float> dz, ReadOnlySpan<float> w, Span<float> dx, int start, int end, Conv2DShape s, Span<float> scratch)
    {
        var work = new Workspace(scratch, s);
        int groupOut = s.OutChannels / s.Groups, groupIn = s.InChannels / s.Groups, patch = s.PatchLength, wide = WideLength(s);
        int inPlane = s.InHeight * s.InWidth;
        work.Wide.Clear();
        for (int b = start; b < end; b++)
        {
            var gradient = dz.Slice(b * s.OutputSize, s.OutputSize);
            var sample = dx.Slice(b * s.InputSize, s.InputSize);
            for (int g = 0; g < s.Groups; g++)
            {
                CopyIntoWide(gradient, work.Wide, s, g);
                // rows[tap, :] = Σ_o w[o, tap] · dz[o, :] (wᵀ: element (tap, o) at o·patch + tap).
                ConvGemm.CombineRows(ref Unsafe.AsRef(in w[g * groupOut * patch]), 1, patch, ref MemoryMarshal.GetReference(work.Wide),
                    ref MemoryMarshal.GetReference(work.TapRows), patch, groupOut, wide, accumulate: false);
                for (int c = 0; c < groupIn; c++)
                    for (int iy = 0; iy < s.InHeight; iy++)
                        GatherRow(ref MemoryMarshal.GetReference(work.TapRows), s, c, iy, ref sample[(g * groupIn + c) * inPlane + iy * s.InWidth]);
            }
        }
    }

    /// <summary>
    /// dx[c, iy, ix] = Σ over the taps (c, ky, kx) whose output row oy = iy + P − ky exists of rows[tap][oy·Wp + ix + P − kx],
    /// a row of dx at a time, whole vectors (the last one overlapping). A column ix + P − kx outside [0, OutWidth) reads a
    /// discarded column of the wide row, or of the row before, or the zeros before the first row: zero in each case, as
    /// dz's discarded columns are zero.
    /// </summary>
    private static void GatherRow(ref float rows, Conv2DShape s, int c, int iy, ref float target)
    {
        int wide = WideLength(s), width = PaddedWidth(s), kw = s.KernelWidth, count = s.InWidth;
        int kyFirst = Math.Max(0, iy + s.PadHeight - (s.OutHeight - 1)), kyLast = Math.Min(s.KernelHeight - 1, iy + s.PadHeight);
        // rows + offset(ky) + kx·(wide − 1) + ix is tap (c, ky, kx)'s value for dx column ix.
        ref float first = ref Unsafe.Add(ref rows, c * s.KernelHeight * kw * wide + s.PadWidth);
        if (Vector512.IsHardwareAccelerated && count >= 16)
        {
            for (int x0 = 0; ; x0 += 16)
            {
                if (x0 + 16 > count) x0 = count - 16;
                var sum = Vector512<float>.Zero;
                for (int ky = kyFirst; ky <= kyLast; ky++)
                {
                    ref float line = ref Unsafe.Add(ref first, ky * kw * wide + (iy + s.PadHeight - ky) * width + x0);
                    // A partial sum per kernel row: chains of KernelWidth + KernelHeight adds, not their product.
                    var part = Vector512.LoadUnsafe(ref line);
                    for (int kx = 1; kx < kw; kx++) part += Vector512.LoadUnsafe(ref Unsafe.Add(ref line, kx * (wide - 1)));
                    sum += part;
                }
                sum.StoreUnsafe(ref target, (nuint)x0);
                if (x0 + 16 >= count) return;
            }
        }
        if (Vector256.IsHardwareAccelerated && count >= Vector256<float>.Count)
        {
            GatherVectors<Vector256<float>, Vector256Width>(ref first, s, iy, kyFirst, kyLast, ref target);
            return;
        }
        if (Vector128.IsHardwareAccelerated && count >= Vector128<float>.Count)
        {
            GatherVectors<Vector128<float>, Vector128Width>(ref first, s, iy, kyFirst, kyLast, ref target);
            return;
        }
        for (int ix = 0; ix < count; ix++)
        {
            float sum = 0f;
            for (int ky = kyFirst; ky <= kyLast; ky++)
            {
                ref float line = ref Unsafe.Add(ref first, ky * kw * wide + (iy + s.PadHeight - ky) * width + ix);
                for (int kx = 0; kx < kw; kx++) sum += Unsafe.Add(ref line, kx * (wide - 1));
            }
            Unsafe.Add(ref target, ix) = sum;
        }
    }

    /// <summary><see cref="GatherRow"/> in whole vectors, the last one overlapping (the row holds at least one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GatherVectors<TVector, TWidth>(ref float first, Conv2DShape s, int iy, int kyFirst, int kyLast, ref float target)
        where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
    {
        int wide = WideLength(s), width = PaddedWidth(s), kw = s.KernelWidth, count = s.InWidth, v = TWidth.Count;
        for (int x0 = 0; ; x0 += v)
        {
            if (x0 + v > count) x0 = count - v;
            var sum = TWidth.Zero;
            for (int ky = kyFirst; ky <= kyLast; ky++)
            {
                ref float line = ref Unsafe.Add(ref first, ky * kw * wide + (iy + s.PadHeight - ky) * width + x0);
                // A partial sum per kernel row: chains of KernelWidth + KernelHeight adds, not their product.
                var part = TWidth.Load(ref line, 0);
                for (int kx = 1; kx < kw; kx++) part = TWidth.Add(part, TWidth.Load(ref line, kx * (wide - 1)));
                sum = TWidth.Add(sum, part);
            }
            TWidth.Store(sum, ref target, x0);
            if (x0 + v >= count) return;
        }
    }

    /// <summary>The group's input planes into the interiors of the zero-bordered planes.</summary>
    private static void CopyIntoPlanes(ReadOnlySpan<float> sample, Span<float> planes, Conv2DShape s, int group)
    {
        int groupIn = s.InChannels / s.Groups, inPlane = s.InHeight * s.InWidth, plane = PlaneLength(s), width = PaddedWidth(s);
        for (int c = 0; c < groupIn; c++)
        {
            ref float source = ref Unsafe.AsRef(in sample[(group * groupIn + c) * inPlane]);
            ref float interior = ref planes[c * plane + s.PadHeight * width + s.PadWidth];
            for (int iy = 0; iy < s.InHeight; iy++)
                ConvKernels.Copy(ref Unsafe.Add(ref source, iy * s.InWidth), ref Unsafe.Add(ref interior, iy * width), s.InWidth);
        }
    }

    /// <summary>The group's dz rows into wide rows (OutWidth of every Wp; the rest stays zero).</summary>
    private static void CopyIntoWide(ReadOnlySpan<float> gradient, Span<float> wideRows, Conv2DShape s, int group)
    {
        int groupOut = s.OutChannels / s.Groups, wide = WideLength(s), width = PaddedWidth(s), positions = s.Positions, ow = s.OutWidth;
        for (int o = 0; o < groupOut; o++)
        {
            ref float source = ref Unsafe.AsRef(in gradient[(group * groupOut + o) * positions]);
            ref float target = ref wideRows[o * wide];
            for (int oy = 0; oy < s.OutHeight; oy++)
                ConvKernels.Copy(ref Unsafe.Add(ref source, oy * ow), ref Unsafe.Add(ref target, oy * width), ow);
        }
    }

    /// <summary>target[i] = f(source[i] + b) for i &lt; count: the kept part of one wide output row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KeepLine<TAct>(ref float source, ref float target, int count, float bias, TAct activation) where TAct : struct, IActivation
    {
        if (Vector256.IsHardwareAccelerated) KeepLine<Vector256<float>, Vector256Width, TAct>(ref source, ref target, count, bias, activation);
        else if (Vector128.IsHardwareAccelerated) KeepLine<Vector128<float>, Vector128Width, TAct>(ref source, ref target, count, bias, activation);
        else KeepLine<float, ScalarWidth, TAct>(ref source, ref target, count, bias, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void KeepLine<TVector, TWidth, TAct>(ref float source, ref float target, int count, float bias, TAct activation)
        where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TAct : struct, IActivation
    {
        int v = TWidth.Count;
        if (count < v)
        {
            for (int i = 0; i < count; i++) Unsafe.Add(ref target, i) = activation.Apply(Unsafe.Add(ref source, i) + bias);
            return;
        }
        // Whole vectors, the last one overlapping the one before it (it reads the wide row, not the target, so no value is applied twice).
        var b = TWidth.Broadcast(bias);
        int j = 0;
        for (; j + v < count; j += v)
            TWidth.Store(TWidth.Apply(activation, TWidth.Add(TWidth.Load(ref source, j), b)), ref target, j);
        TWidth.Store(TWidth.Apply(activation, TWidth.Add(TWidth.Load(ref source, count - v), b)), ref target, count - v);
    }
}
