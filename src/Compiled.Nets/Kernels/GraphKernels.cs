using System.ComponentModel;
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Nets.CompilerServices;

/// <summary>Residual sums, channel concatenation and the element-wise helpers the graph's backward pass needs.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GraphKernels
{
    /// <summary>y = a + b.</summary>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        KernelChecks.Length("GraphKernels.Add", nameof(a), a.Length, y.Length);
        KernelChecks.Length("GraphKernels.Add", nameof(b), b.Length, y.Length);
        a.CopyTo(y);
        DenseKernels.Add(y, b);
    }

    /// <summary>dPrev = dy ⊙ f′_prev(yPrev): the gradient into one input of an Add (or through any identity).</summary>
    public static void CopyTimesDerivative<TAct>(ReadOnlySpan<float> dy, ReadOnlySpan<float> yPrev, Span<float> dPrev, TAct previousActivation)
        where TAct : struct, IActivation
    {
        const string kernel = "GraphKernels.CopyTimesDerivative";
        KernelChecks.Length(kernel, nameof(dy), dy.Length, dPrev.Length);
        if (typeof(TAct) != typeof(LinearActivation)) KernelChecks.Length(kernel, nameof(yPrev), yPrev.Length, dPrev.Length);
        dy.CopyTo(dPrev);
        MultiplyByDerivative(dPrev, yPrev, previousActivation);
    }

    /// <summary>d ⊙= f′(y), nothing for the identity.</summary>
    public static void MultiplyByDerivative<TAct>(Span<float> d, ReadOnlySpan<float> y, TAct activation) where TAct : struct, IActivation
    {
        if (typeof(TAct) == typeof(LinearActivation)) return;
        KernelChecks.Length("GraphKernels.MultiplyByDerivative", nameof(y), y.Length, d.Length);
        // Vectorised: a scalar ReLU derivative on signs that look random mispredicts every other branch.
        if (Vector256.IsHardwareAccelerated) MultiplyByDerivative<Vector256<float>, Vector256Width, TAct>(d, y, activation);
        else if (Vector128.IsHardwareAccelerated) MultiplyByDerivative<Vector128<float>, Vector128Width, TAct>(d, y, activation);
        else MultiplyByDerivative<float, ScalarWidth, TAct>(d, y, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyByDerivative<TVector, TWidth, TAct>(Span<float> d, ReadOnlySpan<float> y, TAct activation)
        where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector> where TAct : struct, IActivation
    {
        ref float d0 = ref MemoryMarshal.GetReference(d);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        int i = 0;
        for (; i + TWidth.Count <= d.Length; i += TWidth.Count)
            TWidth.Store(TWidth.Multiply(TWidth.Load(ref d0, i), TWidth.Derivative(activation, TWidth.Load(ref y0, i))), ref d0, i);
        for (; i < d.Length; i++) Unsafe.Add(ref d0, i) *= activation.Derivative(Unsafe.Add(ref y0, i));
    }

    /// <summary>Copies each sample's <paramref name="width"/> values into columns [offset, offset + width) of rows of <paramref name="outputWidth"/>.</summary>
    public static void ConcatPart(ReadOnlySpan<float> part, int width, Span<float> output, int outputWidth, int offset, int batch)
    {
        const string kernel = "GraphKernels.ConcatPart";
        CheckPart(kernel, width, outputWidth, offset, batch);
        KernelChecks.Length(kernel, nameof(part), part.Length, (long)batch * width);
        KernelChecks.Length(kernel, nameof(output), output.Length, (long)batch * outputWidth);
        for (int b = 0; b < batch; b++) part.Slice(b * width, width).CopyTo(output.Slice(b * outputWidth + offset, width));
    }

    /// <summary>The inverse of <see cref="ConcatPart"/> on the way back: dPart = dy[:, offset..offset+width) ⊙ f′_prev(yPrev).</summary>
    public static void SplitPart<TAct>(ReadOnlySpan<float> dy, int outputWidth, int offset, ReadOnlySpan<float> yPrev, Span<float> dPart, int width, int batch,
        TAct previousActivation) where TAct : struct, IActivation
    {
        const string kernel = "GraphKernels.SplitPart";
        CheckPart(kernel, width, outputWidth, offset, batch);
        KernelChecks.Length(kernel, nameof(dy), dy.Length, (long)batch * outputWidth);
        KernelChecks.Length(kernel, nameof(dPart), dPart.Length, (long)batch * width);
        if (typeof(TAct) != typeof(LinearActivation)) KernelChecks.Length(kernel, nameof(yPrev), yPrev.Length, dPart.Length);
        for (int b = 0; b < batch; b++) dy.Slice(b * outputWidth + offset, width).CopyTo(dPart.Slice(b * width, width));
        MultiplyByDerivative(dPart, yPrev, previousActivation);
    }

    /// <summary>Columns [offset, offset + width) inside rows of outputWidth, summed in 64 bits so they cannot wrap.</summary>
    private static void CheckPart(string kernel, int width, int outputWidth, int offset, int batch)
    {
        KernelChecks.NonNegative(kernel, nameof(width), width);
        KernelChecks.NonNegative(kernel, nameof(outputWidth), outputWidth);
        KernelChecks.NonNegative(kernel, nameof(batch), batch);
        if (offset < 0 || (long)offset + width > outputWidth)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{kernel}: a part of {width} at {offset} does not fit rows of {outputWidth}");
    }
}
