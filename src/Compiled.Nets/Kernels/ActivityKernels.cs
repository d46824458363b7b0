using System.ComponentModel;
using System;

namespace Compiled.Nets.CompilerServices;

/// <summary>Activity penalties: loss terms on a layer's outputs rather than on its weights (the sparse autoencoder's L1).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
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

    /// <summary>β · Σⱼ KL(ρ ‖ ρ̂ⱼ) with ρ̂ⱼ the batch's mean of unit j's outputs (rows of <paramref name="width"/> values).</summary>
    public static double KlSparsity(ReadOnlySpan<float> outputs, int batch, int width, float rho, float beta)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch must hold at least one sample.");
        KernelChecks.Length("ActivityKernels.KlSparsity", nameof(outputs), outputs.Length, (long)batch * width);
        double sum = 0;
        for (int j = 0; j < width; j++)
        {
            double mean = 0;
            for (int b = 0; b < batch; b++) mean += outputs[b * width + j];
            mean /= batch;
            sum += rho * Math.Log(rho / mean) + (1 - rho) * Math.Log((1 - rho) / (1 - mean));
        }
        return beta * sum;
    }

    /// <summary>delta += β/batch · (−ρ/ρ̂ⱼ + (1 − ρ)/(1 − ρ̂ⱼ)) ⊙ f′(a): the KL sparsity penalty's gradient.</summary>
    public static void AddKlSparsityGradient<TAct>(ReadOnlySpan<float> outputs, Span<float> delta, int batch, int width, float rho, float beta, TAct derivative)
        where TAct : struct, IActivation
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch must hold at least one sample.");
        KernelChecks.Length("ActivityKernels.AddKlSparsityGradient", nameof(outputs), outputs.Length, (long)batch * width);
        KernelChecks.Length("ActivityKernels.AddKlSparsityGradient", nameof(delta), delta.Length, outputs.Length);
        for (int j = 0; j < width; j++)
        {
            double mean = 0;
            for (int b = 0; b < batch; b++) mean += outputs[b * width + j];
            mean /= batch;
            float g = (float)(beta / batch * (-rho / mean + (1 - rho) / (1 - mean)));
            for (int b = 0; b < batch; b++)
            {
                float a = outputs[b * width + j];
                delta[b * width + j] += g * derivative.Derivative(a);
            }
        }
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
