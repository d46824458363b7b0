using System.ComponentModel;
using System;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// A caller's gradient at a network's outputs (∂L/∂y, from another network or a loss of the caller's own) turned into the
/// delta the backward pass starts from: what the network's loss would have written had its ∂L/∂y been that gradient.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class OutputGradientKernels
{
    /// <summary>delta = g ⊙ f′(y): the output's activation is fused into its op (linear: a copy).</summary>
    public static void Elementwise<TAct>(ReadOnlySpan<float> outputs, ReadOnlySpan<float> gradient, Span<float> delta, TAct activation)
        where TAct : struct, IActivation
    {
        KernelChecks.Length(nameof(Elementwise), "gradient", gradient.Length, outputs.Length);
        KernelChecks.Length(nameof(Elementwise), "delta", delta.Length, outputs.Length);
        for (int i = 0; i < outputs.Length; i++) delta[i] = gradient[i] * activation.Derivative(outputs[i]);
    }

    /// <summary>
    /// A softmax over each row of <paramref name="width"/> values (each step of a sequence):
    /// delta = y ⊙ (g − Σⱼ gⱼ yⱼ), the softmax's Jacobian applied to g.
    /// </summary>
    public static void Softmax(ReadOnlySpan<float> outputs, ReadOnlySpan<float> gradient, Span<float> delta, int width)
    {
        KernelChecks.Length(nameof(Softmax), "gradient", gradient.Length, outputs.Length);
        KernelChecks.Length(nameof(Softmax), "delta", delta.Length, outputs.Length);
        if (width <= 0 || outputs.Length % width != 0)
            throw new ArgumentException($"{nameof(Softmax)}: {outputs.Length} outputs are not whole rows of {width}.", nameof(width));
        for (int row = 0; row < outputs.Length; row += width)
        {
            var y = outputs.Slice(row, width);
            var g = gradient.Slice(row, width);
            double dot = 0;
            for (int j = 0; j < width; j++) dot += (double)g[j] * y[j];
            var d = delta.Slice(row, width);
            for (int j = 0; j < width; j++) d[j] = y[j] * (g[j] - (float)dot);
        }
    }
}
