using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Compiled.Nets.Kernels;

/// <summary>Residual sums, channel concatenation and the element-wise helpers the graph's backward pass needs.</summary>
public static class GraphKernels
{
    /// <summary>y = a + b.</summary>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        Check(a.Length, y.Length, nameof(a));
        Check(b.Length, y.Length, nameof(b));
        a.CopyTo(y);
        DenseKernels.Add(y, b);
    }

    /// <summary>dPrev = dy ⊙ f′_prev(yPrev): the gradient into one input of an Add (or through any identity).</summary>
    public static void CopyTimesDerivative<TAct>(ReadOnlySpan<float> dy, ReadOnlySpan<float> yPrev, Span<float> dPrev, TAct previousActivation)
        where TAct : struct, IActivation
    {
        Check(dy.Length, dPrev.Length, nameof(dy));
        dy.CopyTo(dPrev);
        MultiplyByDerivative(dPrev, yPrev, previousActivation);
    }

    /// <summary>d ⊙= f′(y), nothing for the identity.</summary>
    public static void MultiplyByDerivative<TAct>(Span<float> d, ReadOnlySpan<float> y, TAct activation) where TAct : struct, IActivation
    {
        if (typeof(TAct) == typeof(LinearActivation)) return;
        Check(y.Length, d.Length, nameof(y));
        // Vectorised: a scalar ReLU derivative on signs that look random mispredicts every other branch.
        ref float d0 = ref MemoryMarshal.GetReference(d);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        int i = 0;
        for (; i + 8 <= d.Length; i += 8)
            (Vector256.LoadUnsafe(ref d0, (nuint)i) * activation.Derivative(Vector256.LoadUnsafe(ref y0, (nuint)i))).StoreUnsafe(ref d0, (nuint)i);
        for (; i < d.Length; i++) Unsafe.Add(ref d0, i) *= activation.Derivative(Unsafe.Add(ref y0, i));
    }

    /// <summary>Copies each sample's <paramref name="width"/> values into columns [offset, offset + width) of rows of <paramref name="outputWidth"/>.</summary>
    public static void ConcatPart(ReadOnlySpan<float> part, int width, Span<float> output, int outputWidth, int offset, int batch)
    {
        Check(part.Length, batch * width, nameof(part));
        Check(output.Length, batch * outputWidth, nameof(output));
        if (offset < 0 || offset + width > outputWidth) throw new ArgumentOutOfRangeException(nameof(offset), offset, $"a part of {width} does not fit rows of {outputWidth}");
        for (int b = 0; b < batch; b++) part.Slice(b * width, width).CopyTo(output.Slice(b * outputWidth + offset, width));
    }

    /// <summary>The inverse of <see cref="ConcatPart"/> on the way back: dPart = dy[:, offset..offset+width) ⊙ f′_prev(yPrev).</summary>
    public static void SplitPart<TAct>(ReadOnlySpan<float> dy, int outputWidth, int offset, ReadOnlySpan<float> yPrev, Span<float> dPart, int width, int batch,
        TAct previousActivation) where TAct : struct, IActivation
    {
        Check(dy.Length, batch * outputWidth, nameof(dy));
        Check(dPart.Length, batch * width, nameof(dPart));
        if (offset < 0 || offset + width > outputWidth) throw new ArgumentOutOfRangeException(nameof(offset), offset, $"a part of {width} does not fit rows of {outputWidth}");
        for (int b = 0; b < batch; b++) dy.Slice(b * outputWidth + offset, width).CopyTo(dPart.Slice(b * width, width));
        MultiplyByDerivative(dPart, yPrev, previousActivation);
    }

    private static void Check(int actual, int expected, string name)
    {
        if (actual != expected) throw new ArgumentException($"{name} has length {actual}, but the layer's shape needs {expected}.", name);
    }
}
