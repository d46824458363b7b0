using System.ComponentModel;
using System;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// The reparameterisation z = μ + exp(½ lv) ⊙ ε and its KL term β · Σ −½ (1 + lv − μ² − e^lv) / batch
/// (<see cref="ReparameterizeAttribute"/>). ε is a standard normal by Box–Muller from two counter-based uniforms, so it is
/// the same on the CPU and on a GPU.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ReparameterizeKernels
{
    /// <summary>Training: a fresh ε per value (kept for the backward pass), z = μ + exp(½ lv) ε.</summary>
    public static void ForwardTraining(ReadOnlySpan<float> mean, ReadOnlySpan<float> logVariance, Span<float> z, Span<float> epsilon,
        uint seed, uint step, uint stream)
    {
        KernelChecks.Length(nameof(ForwardTraining), "logVariance", logVariance.Length, mean.Length);
        KernelChecks.Length(nameof(ForwardTraining), "z", z.Length, mean.Length);
        KernelChecks.Length(nameof(ForwardTraining), "epsilon", epsilon.Length, mean.Length);
        for (int i = 0; i < mean.Length; i++)
        {
            float e = CounterRandom.Normal(seed, step, stream, (uint)i);
            epsilon[i] = e;
            z[i] = mean[i] + MathF.Exp(0.5f * logVariance[i]) * e;
        }
    }

    /// <summary>β/batch · Σ −½ (1 + lv − μ² − e^lv): the KL divergence from N(0, 1), per sample, weighted.</summary>
    public static double KlDivergence(ReadOnlySpan<float> mean, ReadOnlySpan<float> logVariance, int batch, float beta)
    {
        KernelChecks.Length(nameof(KlDivergence), "logVariance", logVariance.Length, mean.Length);
        double sum = 0;
        for (int i = 0; i < mean.Length; i++)
        {
            double lv = logVariance[i], mu = mean[i];
            sum += -0.5 * (1 + lv - mu * mu - Math.Exp(lv));
        }
        return beta * sum / batch;
    }

    /// <summary>
    /// dμ = (dz + β/batch · μ) ⊙ f′_μ and dlv = (dz ⊙ ε ⊙ ½ e^{½ lv} + β/batch · ½ (e^lv − 1)) ⊙ f′_lv, each written
    /// (not added) where its producer's gradient goes; an empty target is skipped.
    /// </summary>
    public static void Backward<TMean, TLogVariance>(ReadOnlySpan<float> dz, ReadOnlySpan<float> epsilon, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> logVariance, Span<float> dMean, Span<float> dLogVariance, int batch, float beta, TMean meanDerivative, TLogVariance logVarianceDerivative)
        where TMean : struct, IActivation where TLogVariance : struct, IActivation
    {
        int n = mean.Length;
        KernelChecks.Length(nameof(Backward), "dz", dz.Length, n);
        KernelChecks.Length(nameof(Backward), "epsilon", epsilon.Length, n);
        KernelChecks.Length(nameof(Backward), "logVariance", logVariance.Length, n);
        float k = beta / batch;
        if (!dMean.IsEmpty)
        {
            KernelChecks.Length(nameof(Backward), "dMean", dMean.Length, n);
            for (int i = 0; i < n; i++) dMean[i] = (dz[i] + k * mean[i]) * meanDerivative.Derivative(mean[i]);
        }
        if (!dLogVariance.IsEmpty)
        {
            KernelChecks.Length(nameof(Backward), "dLogVariance", dLogVariance.Length, n);
            for (int i = 0; i < n; i++)
            {
                float lv = logVariance[i];
                float sigma = MathF.Exp(0.5f * lv);
                dLogVariance[i] = (dz[i] * epsilon[i] * 0.5f * sigma + k * 0.5f * (sigma * sigma - 1f)) * logVarianceDerivative.Derivative(lv);
            }
        }
    }
}
