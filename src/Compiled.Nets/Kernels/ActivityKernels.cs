using System;

namespace Compiled.Nets.Kernels;

/// <summary>Activity penalties: loss terms on a layer's outputs rather than on its weights (the sparse autoencoder's L1).</summary>
public static class ActivityKernels
{
    /// <summary>λ · (1/batch) · Σ|a| over a batch of outputs.</summary>
    public static double L1(ReadOnlySpan<float> outputs, int batch, float lambda)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch must hold at least one sample.");
        double sum = 0;
        foreach (float a in outputs) sum += Math.Abs(a);
        return lambda * sum / batch;
    }

    /// <summary>
    /// delta += λ/batch · sign(a) ⊙ f′(a): the penalty's gradient, carried to the pre-activation when the layer keeps its
    /// delta there (<paramref name="derivative"/> is then its activation; linear otherwise).
    /// </summary>
    public static void AddL1Gradient<TAct>(ReadOnlySpan<float> outputs, Span<float> delta, int batch, float lambda, TAct derivative)
        where TAct : struct, IActivation
    {
        // outputs and delta are one buffer's values and gradients.
        KernelChecks.Length("ActivityKernels.AddL1Gradient", nameof(delta), delta.Length, outputs.Length);
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch must hold at least one sample.");
        float scale = lambda / batch;
        for (int i = 0; i < outputs.Length; i++)
        {
            float a = outputs[i];
            delta[i] += scale * MathF.Sign(a) * derivative.Derivative(a);
        }
    }
}
