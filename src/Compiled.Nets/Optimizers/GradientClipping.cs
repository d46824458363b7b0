using System;
using System.Numerics;

namespace Compiled.Nets.Optimizers;

/// <summary>Gradient clipping applied to the gradient arena before <c>Optimizer.Step</c>.</summary>
public static class GradientClipping
{
    /// <summary>
    /// PyTorch's <c>clip_grad_norm_</c> over the whole arena: with ‖g‖₂ above <paramref name="maxNorm"/>, scales
    /// every gradient by maxNorm / (‖g‖₂ + 10⁻⁶). Returns ‖g‖₂ before clipping. A non-finite norm (an infinite or
    /// NaN gradient) is returned with the gradients left as they are, so the caller can see it and skip the step.
    /// </summary>
    /// <param name="gradients">The gradients, scaled in place.</param>
    /// <param name="maxNorm">The largest norm allowed; positive.</param>
    public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
    {
        if (!(maxNorm > 0f))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be positive, in (0, ∞].");

        // Squares summed in double: no overflow for any finite float, and no loss over long arenas.
        double sumOfSquares = 0;
        foreach (float g in gradients) sumOfSquares += (double)g * g;
        double norm = Math.Sqrt(sumOfSquares);

        if (double.IsFinite(norm) && norm > maxNorm)
        {
            float scale = (float)(maxNorm / (norm + 1e-6));
            int i = 0, width = Vector<float>.Count;
            if (Vector.IsHardwareAccelerated)
            {
                var vScale = new Vector<float>(scale);
                for (; i + width <= gradients.Length; i += width)
                    (new Vector<float>(gradients.Slice(i, width)) * vScale).CopyTo(gradients.Slice(i, width));
            }
            for (; i < gradients.Length; i++) gradients[i] *= scale;
        }
        return (float)norm;
    }
}
