using System.ComponentModel;
using System;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// Losses over a batch fused with the first backward step: each returns the batch's mean loss (PyTorch's
/// reductions) and writes <c>dz</c>, the gradient at the output layer's pre-activation.
/// With <c>sampleWeights</c> (one per sample; empty for none) the mean is weighted: Σ w_b l_b / Σ w_b,
/// PyTorch's convention for class weights.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LossKernels
{
    /// <summary>Mean of (y − t)² over all values; dz = 2 (y − t) / count · f′(y).</summary>
    public static float MeanSquaredError<TAct>(ReadOnlySpan<float> y, ReadOnlySpan<float> t, Span<float> dz, int batch,
        TAct activation, ReadOnlySpan<float> sampleWeights = default) where TAct : struct, IActivation
    {
        int width = CheckLengths("LossKernels.MeanSquaredError", y, t, dz, batch, sampleWeights);
        double total = 0, totalWeight = TotalWeight(sampleWeights, batch);
        for (int b = 0; b < batch; b++)
        {
            float weight = sampleWeights.IsEmpty ? 1f : sampleWeights[b];
            float scale = (float)(2.0 * weight / (totalWeight * width));
            double rowSum = 0;
            for (int j = b * width; j < (b + 1) * width; j++)
            {
                float diff = y[j] - t[j];
                rowSum += diff * diff;
                dz[j] = scale * diff * activation.Derivative(y[j]);
            }
            total += weight * rowSum;
        }
        return (float)(total / (totalWeight * width));
    }

    /// <summary>Binary cross-entropy for any output activation (log clamped at −100 like PyTorch's BCELoss).</summary>
    public static float BinaryCrossEntropy<TAct>(ReadOnlySpan<float> y, ReadOnlySpan<float> t, Span<float> dz, int batch,
        TAct activation, ReadOnlySpan<float> sampleWeights = default) where TAct : struct, IActivation
    {
        int width = CheckLengths("LossKernels.BinaryCrossEntropy", y, t, dz, batch, sampleWeights);
        double total = 0, totalWeight = TotalWeight(sampleWeights, batch);
        for (int b = 0; b < batch; b++)
        {
            float weight = sampleWeights.IsEmpty ? 1f : sampleWeights[b];
            float scale = (float)(weight / (totalWeight * width));
            double rowSum = 0;
            for (int j = b * width; j < (b + 1) * width; j++)
            {
                float p = y[j], target = t[j];
                rowSum -= BinaryCrossEntropyTerm(p, target);
                float dy = (p - target) / MathF.Max(p * (1f - p), 1e-12f);
                dz[j] = scale * dy * activation.Derivative(p);
            }
            total += weight * rowSum;
        }
        return (float)(total / (totalWeight * width));
    }

    /// <summary>Binary cross-entropy on a logistic output σ(k z): the fused gradient is dz = k (y − t) / count.</summary>
    public static float BinaryCrossEntropyLogistic(ReadOnlySpan<float> y, ReadOnlySpan<float> t, Span<float> dz, int batch,
        float slope, ReadOnlySpan<float> sampleWeights = default)
    {
        int width = CheckLengths("LossKernels.BinaryCrossEntropyLogistic", y, t, dz, batch, sampleWeights);
        double total = 0, totalWeight = TotalWeight(sampleWeights, batch);
        float equalScale = (float)(slope / (totalWeight * width)); // every sample's, without weights: one division per call
        for (int b = 0; b < batch; b++)
        {
            float weight = sampleWeights.IsEmpty ? 1f : sampleWeights[b];
            float scale = sampleWeights.IsEmpty ? equalScale : (float)(slope * weight / (totalWeight * width));
            double rowSum = 0;
            for (int j = b * width; j < (b + 1) * width; j++)
            {
                float p = y[j], target = t[j];
                rowSum -= BinaryCrossEntropyTerm(p, target);
                dz[j] = scale * (p - target);
            }
            total += weight * rowSum;
        }
        return (float)(total / (totalWeight * width));
    }

    /// <summary>
    /// Softmax log-likelihood on a Softmax output layer's probabilities: −Σ t ln y averaged over the batch,
    /// with the fused gradient dz = (y − t) / batch.
    /// </summary>
    /// <remarks>
    /// On a sequence output (<paramref name="steps"/> &gt; 1, a softmax per step) a sample's loss is the mean over its steps, so the
    /// batch's is the mean over every step of every sample (PyTorch's CrossEntropyLoss on [batch · steps, classes]).
    /// </remarks>
    public static float SoftmaxCrossEntropyOnProbabilities(ReadOnlySpan<float> y, ReadOnlySpan<float> t, Span<float> dz, int batch,
        ReadOnlySpan<float> sampleWeights = default, int steps = 1)
    {
        int width = CheckLengths("LossKernels.SoftmaxCrossEntropyOnProbabilities", y, t, dz, batch, sampleWeights);
        CheckSteps("LossKernels.SoftmaxCrossEntropyOnProbabilities", width, steps);
        double total = 0, totalWeight = TotalWeight(sampleWeights, batch);
        for (int b = 0; b < batch; b++)
        {
            float weight = sampleWeights.IsEmpty ? 1f : sampleWeights[b];
            float scale = (float)(weight / (totalWeight * steps));
            double rowLoss = 0;
            for (int j = b * width; j < (b + 1) * width; j++)
            {
                if (t[j] != 0f) rowLoss -= t[j] * Math.Log(Math.Max(y[j], 1e-30));
                dz[j] = scale * (y[j] - t[j]);
            }
            total += weight * rowLoss / steps;
        }
        return (float)(total / totalWeight);
    }

    private static void CheckSteps(string kernel, int width, int steps)
    {
        if (steps <= 0 || width % steps != 0)
            throw new ArgumentException($"{kernel}: a row of {width} outputs is not {steps} whole steps.", nameof(steps));
    }

    /// <summary>
    /// Softmax cross-entropy on raw outputs treated as logits (PyTorch's CrossEntropyLoss with probability targets):
    /// −Σ t log softmax(y), averaged over the batch; dz = (softmax(y) − t) / batch · f′(y).
    /// </summary>
    /// <remarks>On a sequence output (<paramref name="steps"/> &gt; 1) the softmax is per step and a sample's loss the mean over its steps.</remarks>
    public static float SoftmaxCrossEntropyOnLogits<TAct>(ReadOnlySpan<float> y, ReadOnlySpan<float> t, Span<float> dz, int batch,
        TAct activation, ReadOnlySpan<float> sampleWeights = default, int steps = 1) where TAct : struct, IActivation
    {
        int rowWidth = CheckLengths("LossKernels.SoftmaxCrossEntropyOnLogits", y, t, dz, batch, sampleWeights);
        CheckSteps("LossKernels.SoftmaxCrossEntropyOnLogits", rowWidth, steps);
        int width = rowWidth / steps;
        double total = 0, totalWeight = TotalWeight(sampleWeights, batch);
        for (int r = 0; r < batch * steps; r++)
        {
            int b = r / steps;
            float weight = sampleWeights.IsEmpty ? 1f : sampleWeights[b];
            float scale = (float)(weight / (totalWeight * steps));
            var row = y.Slice(r * width, width);
            var target = t.Slice(r * width, width);
            var grad = dz.Slice(r * width, width);
            float max = float.NegativeInfinity;
            foreach (float v in row) max = MathF.Max(max, v);
            float expSum = 0f;
            foreach (float v in row) expSum += MathF.Exp(v - max);
            float logSumExp = max + MathF.Log(expSum);
            double rowLoss = 0;
            for (int j = 0; j < width; j++)
            {
                if (target[j] != 0f) rowLoss -= target[j] * (row[j] - logSumExp);
                float p = MathF.Exp(row[j] - logSumExp);
                grad[j] = scale * (p - target[j]) * activation.Derivative(row[j]);
            }
            total += weight * rowLoss / steps;
        }
        return (float)(total / totalWeight);
    }

    /// <summary>
    /// −(t ln p + (1 − t) ln(1 − p)) with each log clamped at −100 like PyTorch's BCELoss, as its positive negation's
    /// sum. A 0 or 1 target (the usual case) needs one logarithm: the other term is 0 · (a finite value), exactly 0.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static float BinaryCrossEntropyTerm(float p, float target)
    {
        if (target == 1f) return MathF.Max(MathF.Log(p), -100f);
        if (target == 0f) return MathF.Max(MathF.Log(1f - p), -100f);
        return target * MathF.Max(MathF.Log(p), -100f) + (1f - target) * MathF.Max(MathF.Log(1f - p), -100f);
    }

    private static double TotalWeight(ReadOnlySpan<float> sampleWeights, int batch)
    {
        if (sampleWeights.IsEmpty) return batch;
        double sum = 0;
        foreach (float w in sampleWeights) sum += w;
        if (!(sum > 0)) throw new ArgumentException("The sample weights must sum to a positive number.", nameof(sampleWeights));
        return sum;
    }

    private static int CheckLengths(string kernel, ReadOnlySpan<float> y, ReadOnlySpan<float> t, Span<float> dz, int batch, ReadOnlySpan<float> sampleWeights)
    {
        KernelChecks.Length(kernel, "targets", t.Length, y.Length);
        KernelChecks.Length(kernel, nameof(dz), dz.Length, y.Length);
        if (batch <= 0 || y.Length % batch != 0)
            throw new ArgumentException($"{kernel}: {y.Length} outputs are not a whole number of rows for a batch of {batch}.", nameof(batch));
        if (!sampleWeights.IsEmpty) KernelChecks.Length(kernel, nameof(sampleWeights), sampleWeights.Length, batch);
        return y.Length / batch;
    }

    /// <summary>Scales a loss gradient in place: a per-sample sum (LossReduction.SumPerSample) is the mean times the values per sample.</summary>
    public static void Scale(Span<float> values, float factor)
    {
        for (int i = 0; i < values.Length; i++) values[i] *= factor;
    }
}

/// <summary>Row-wise softmax and its Jacobian-vector product.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SoftmaxKernels
{
    /// <summary>Softmax of each row of <paramref name="rows"/> in place (max-subtracted for stability).</summary>
    public static void Forward(Span<float> rows, int width)
    {
        KernelChecks.Positive("SoftmaxKernels.Forward", nameof(width), width); // a width of 0 would never step through the rows
        for (int start = 0; start + width <= rows.Length; start += width)
        {
            var row = rows.Slice(start, width);
            float max = float.NegativeInfinity;
            foreach (float v in row) max = MathF.Max(max, v);
            float sum = 0f;
            for (int j = 0; j < row.Length; j++) { float e = MathF.Exp(row[j] - max); row[j] = e; sum += e; }
            float inverse = 1f / sum;
            for (int j = 0; j < row.Length; j++) row[j] *= inverse;
        }
    }

    /// <summary>
    /// Turns the gradient at a softmax's output into the gradient at its input, in place:
    /// dz_i = y_i (dy_i − Σ_j dy_j y_j).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> y, Span<float> gradient, int width)
    {
        const string kernel = "SoftmaxKernels.Backward";
        KernelChecks.Positive(kernel, nameof(width), width);
        KernelChecks.Length(kernel, nameof(gradient), gradient.Length, y.Length);
        for (int start = 0; start + width <= y.Length; start += width)
        {
            var yr = y.Slice(start, width);
            var gr = gradient.Slice(start, width);
            float dot = 0f;
            for (int j = 0; j < width; j++) dot += gr[j] * yr[j];
            for (int j = 0; j < width; j++) gr[j] = yr[j] * (gr[j] - dot);
        }
    }
}
