using System.ComponentModel;
using System;

namespace Compiled.Nets.CompilerServices;

/// <summary>Inverted dropout: the kept values are scaled by 1 / (1 − rate) while training, so inference is the identity.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DropoutKernels
{
    /// <summary>
    /// Draws a mask (0 or 1 / (1 − rate) per value) from the step's random stream (<see cref="CounterRandom"/>: value i of
    /// the batch gets uniform (seed, step, stream, i), as on the GPU) and writes y = x ⊙ mask.
    /// </summary>
    public static void ForwardTraining(ReadOnlySpan<float> x, Span<float> y, Span<float> mask, float rate, uint seed, uint step, uint stream)
    {
        const string kernel = "DropoutKernels.ForwardTraining";
        KernelChecks.Length(kernel, nameof(y), y.Length, x.Length);
        KernelChecks.Length(kernel, nameof(mask), mask.Length, x.Length);
        float keep = 1f / (1f - rate);
        for (int i = 0; i < x.Length; i++)
        {
            float m = CounterRandom.Uniform(seed, step, stream, (uint)i) < rate ? 0f : keep;
            mask[i] = m;
            y[i] = x[i] * m;
        }
    }

    /// <summary>dPrev = dy ⊙ mask ⊙ f′_prev(yPrev).</summary>
    public static void Backward<TAct>(ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, ReadOnlySpan<float> yPrev, Span<float> dPrev, TAct previousActivation)
        where TAct : struct, IActivation
    {
        const string kernel = "DropoutKernels.Backward";
        KernelChecks.Length(kernel, nameof(mask), mask.Length, dy.Length);
        KernelChecks.Length(kernel, nameof(yPrev), yPrev.Length, dy.Length);
        KernelChecks.Length(kernel, nameof(dPrev), dPrev.Length, dy.Length);
        for (int i = 0; i < dy.Length; i++) dPrev[i] = dy[i] * mask[i] * previousActivation.Derivative(yPrev[i]);
    }
}

/// <summary>Parametric ReLU with one learned slope a: y = x for x &gt; 0, a x otherwise.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PReLUKernels
{
    /// <summary>y = x for x &gt; 0, <paramref name="slope"/> · x otherwise.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, float slope)
    {
        KernelChecks.Length("PReLUKernels.Forward", nameof(y), y.Length, x.Length);
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0f ? x[i] : slope * x[i];
    }

    /// <summary>
    /// Returns ∂L/∂a = Σ dy · min(x, 0), which the caller adds to the slope's gradient (gradients are zeroed once per
    /// step and accumulate), and, when <paramref name="dPrev"/> is not empty, writes
    /// dPrev = dy ⊙ (x &gt; 0 ? 1 : a) ⊙ f′_prev(x) (x is the previous layer's output).
    /// </summary>
    public static float Backward<TAct>(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float slope, Span<float> dPrev, TAct previousActivation)
        where TAct : struct, IActivation
    {
        const string kernel = "PReLUKernels.Backward";
        KernelChecks.Length(kernel, nameof(x), x.Length, dy.Length);
        if (!dPrev.IsEmpty) KernelChecks.Length(kernel, nameof(dPrev), dPrev.Length, dy.Length);
        double slopeGradient = 0;
        for (int i = 0; i < dy.Length; i++)
        {
            if (x[i] <= 0f) slopeGradient += dy[i] * x[i];
            if (!dPrev.IsEmpty) dPrev[i] = dy[i] * (x[i] > 0f ? 1f : slope) * previousActivation.Derivative(x[i]);
        }
        return (float)slopeGradient;
    }
}

/// <summary>
/// Batch normalisation over features (PyTorch's BatchNorm1d on [batch, features]) with an activation after it.
/// Training uses the batch's mean and biased variance, and updates the running averages with the unbiased one.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class BatchNormKernels
{
    // Value (b, f, p) of a [batch, features, plane] layout sits at (b·features + f)·plane + p; plane 1 is BatchNorm1d on
    // [batch, features], plane H·W is BatchNorm2d with per-channel statistics over the batch and the positions.

    /// <summary>The training forward pass: normalises with the batch statistics, keeps the normalised values, updates the running averages, then scales, shifts and applies the activation.</summary>
    public static void ForwardTraining<TAct>(ReadOnlySpan<float> x, Span<float> y, Span<float> normalized,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> runningMean, Span<float> runningVariance,
        Span<float> inverseStd, int batch, float momentum, float epsilon, TAct activation, int plane = 1) where TAct : struct, IActivation
    {
        const string kernel = "BatchNormKernels.ForwardTraining";
        int features = gamma.Length;
        CheckShape(kernel, batch, plane);
        long n = (long)batch * plane;
        if (n < 2)
            throw new ArgumentException($"BatchNorm needs more than one value per feature while training (got a batch of {batch}): a single sample has no variance.", nameof(batch));
        // All before the first write: a bad span must not leave the running statistics half updated.
        long values = n * features;
        KernelChecks.Length(kernel, nameof(x), x.Length, values);
        KernelChecks.Length(kernel, nameof(y), y.Length, values);
        KernelChecks.Length(kernel, nameof(normalized), normalized.Length, values);
        KernelChecks.Length(kernel, nameof(beta), beta.Length, features);
        KernelChecks.Length(kernel, nameof(runningMean), runningMean.Length, features);
        KernelChecks.Length(kernel, nameof(runningVariance), runningVariance.Length, features);
        KernelChecks.Length(kernel, nameof(inverseStd), inverseStd.Length, features);
        for (int f = 0; f < features; f++)
        {
            double sum = 0, squares = 0;
            for (int b = 0; b < batch; b++)
                foreach (float v in x.Slice((b * features + f) * plane, plane)) sum += v;
            double mean = sum / n;
            for (int b = 0; b < batch; b++)
                foreach (float v in x.Slice((b * features + f) * plane, plane)) { double d = v - mean; squares += d * d; }
            double variance = squares / n;
            float inv = (float)(1.0 / Math.Sqrt(variance + epsilon));
            inverseStd[f] = inv;
            runningMean[f] = (1f - momentum) * runningMean[f] + momentum * (float)mean;
            runningVariance[f] = (1f - momentum) * runningVariance[f] + momentum * (float)(squares / (n - 1));
            for (int b = 0; b < batch; b++)
            {
                int start = (b * features + f) * plane;
                for (int i = start; i < start + plane; i++)
                {
                    float v = (float)((x[i] - mean) * inv);
                    normalized[i] = v;
                    y[i] = activation.Apply(gamma[f] * v + beta[f]);
                }
            }
        }
    }

    /// <summary>The inference forward pass: normalises with the running averages, then scales, shifts and applies the activation.</summary>
    public static void ForwardInference<TAct>(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVariance, int batch, float epsilon, TAct activation, int plane = 1) where TAct : struct, IActivation
    {
        const string kernel = "BatchNormKernels.ForwardInference";
        int features = gamma.Length;
        CheckShape(kernel, batch, plane);
        long values = (long)batch * plane * features;
        KernelChecks.Length(kernel, nameof(x), x.Length, values);
        KernelChecks.Length(kernel, nameof(y), y.Length, values);
        KernelChecks.Length(kernel, nameof(beta), beta.Length, features);
        KernelChecks.Length(kernel, nameof(runningMean), runningMean.Length, features);
        KernelChecks.Length(kernel, nameof(runningVariance), runningVariance.Length, features);
        for (int f = 0; f < features; f++)
        {
            float scale = gamma[f] / MathF.Sqrt(runningVariance[f] + epsilon);
            float shift = beta[f] - runningMean[f] * scale;
            for (int b = 0; b < batch; b++)
            {
                int start = (b * features + f) * plane;
                for (int i = start; i < start + plane; i++) y[i] = activation.Apply(x[i] * scale + shift);
            }
        }
    }

    /// <summary>
    /// From dy (the gradient at this layer's output, overwritten with dz = dy ⊙ f′(y)) adds to dγ and dβ (gradients are
    /// zeroed once per step and accumulate) and, when <paramref name="dPrev"/> is not empty, writes
    /// dPrev = f′_prev(yPrev) ⊙ γ/σ · (dz − mean(dz) − x̂ · mean(dz x̂)).
    /// </summary>
    public static void Backward<TAct, TPrev>(Span<float> dy, ReadOnlySpan<float> y, ReadOnlySpan<float> normalized,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> inverseStd, Span<float> gammaGradient, Span<float> betaGradient,
        ReadOnlySpan<float> yPrev, Span<float> dPrev, int batch, TAct activation, TPrev previousActivation, int plane = 1)
        where TAct : struct, IActivation where TPrev : struct, IActivation
    {
        const string kernel = "BatchNormKernels.Backward";
        int features = gamma.Length;
        CheckShape(kernel, batch, plane);
        long n = (long)batch * plane, values = n * features;
        // All before the first write: a bad span must not leave dy or the gradients half updated.
        KernelChecks.Length(kernel, nameof(dy), dy.Length, values);
        KernelChecks.Length(kernel, nameof(y), y.Length, values);
        KernelChecks.Length(kernel, nameof(normalized), normalized.Length, values);
        KernelChecks.Length(kernel, nameof(inverseStd), inverseStd.Length, features);
        KernelChecks.Length(kernel, nameof(gammaGradient), gammaGradient.Length, features);
        KernelChecks.Length(kernel, nameof(betaGradient), betaGradient.Length, features);
        if (!dPrev.IsEmpty)
        {
            KernelChecks.Length(kernel, nameof(dPrev), dPrev.Length, values);
            KernelChecks.Length(kernel, nameof(yPrev), yPrev.Length, values);
        }
        for (int f = 0; f < features; f++)
        {
            double sumDz = 0, sumDzNormalized = 0;
            for (int b = 0; b < batch; b++)
            {
                int start = (b * features + f) * plane;
                for (int i = start; i < start + plane; i++)
                {
                    float dz = dy[i] * activation.Derivative(y[i]);
                    dy[i] = dz;
                    sumDz += dz;
                    sumDzNormalized += dz * normalized[i];
                }
            }
            betaGradient[f] += (float)sumDz;
            gammaGradient[f] += (float)sumDzNormalized;
            if (dPrev.IsEmpty) continue;
            float scale = gamma[f] * inverseStd[f];
            float meanDz = (float)(sumDz / n), meanDzNormalized = (float)(sumDzNormalized / n);
            for (int b = 0; b < batch; b++)
            {
                int start = (b * features + f) * plane;
                for (int i = start; i < start + plane; i++)
                    dPrev[i] = scale * (dy[i] - meanDz - normalized[i] * meanDzNormalized) * previousActivation.Derivative(yPrev[i]);
            }
        }
    }

    private static void CheckShape(string kernel, int batch, int plane)
    {
        KernelChecks.NonNegative(kernel, nameof(batch), batch);
        KernelChecks.NonNegative(kernel, nameof(plane), plane);
    }
}

/// <summary>L1 and L2 penalties on a weight range.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RegularizationKernels
{
    /// <summary>λ₁ Σ|w| + (λ₂/2) Σ w².</summary>
    public static double Penalty(ReadOnlySpan<float> weights, float l1, float l2)
    {
        double absolute = 0, squares = 0;
        foreach (float w in weights) { absolute += Math.Abs(w); squares += (double)w * w; }
        return l1 * absolute + 0.5 * l2 * squares;
    }

    /// <summary>g += λ₁ sign(w) + λ₂ w.</summary>
    public static void AddGradient(ReadOnlySpan<float> weights, Span<float> gradients, float l1, float l2)
    {
        KernelChecks.Length("RegularizationKernels.AddGradient", nameof(gradients), gradients.Length, weights.Length);
        for (int i = 0; i < weights.Length; i++) gradients[i] += l1 * MathF.Sign(weights[i]) + l2 * weights[i];
    }
}
