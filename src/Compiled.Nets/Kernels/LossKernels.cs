using System;
using System.Runtime.Intrinsics;

namespace Compiled.Nets.Kernels;

/// <summary>
/// Losses over a batch (means, as PyTorch's defaults) fused with the first backward step: each writes
/// <c>dz</c>, the gradient at the output layer's pre-activation, so no separate pass over the outputs is needed.
/// </summary>
public static class LossKernels
{
    /// <summary>Mean of (y − t)² over all values; dz = 2 (y − t) / count · f′(y).</summary>
    public static float MeanSquaredError<TAct>(ReadOnlySpan<float> y, ReadOnlySpan<float> t, Span<float> dz, TAct activation)
        where TAct : struct, IActivation
    {
        CheckLengths(y, t, dz);
        float scale = 2f / y.Length;
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            float diff = y[i] - t[i];
            sum += diff * diff;
            dz[i] = scale * diff * activation.Derivative(y[i]);
        }
        return (float)(sum / y.Length);
    }

    /// <summary>Binary cross-entropy for any output activation (log clamped at −100 like PyTorch's BCELoss).</summary>
    public static float BinaryCrossEntropy<TAct>(ReadOnlySpan<float> y, ReadOnlySpan<float> t, Span<float> dz, TAct activation)
        where TAct : struct, IActivation
    {
        CheckLengths(y, t, dz);
        float inverseCount = 1f / y.Length;
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            float p = y[i], target = t[i];
            sum -= target * MathF.Max(MathF.Log(p), -100f) + (1f - target) * MathF.Max(MathF.Log(1f - p), -100f);
            float dy = (p - target) / MathF.Max(p * (1f - p), 1e-12f);
            dz[i] = inverseCount * dy * activation.Derivative(p);
        }
        return (float)(sum / y.Length);
    }

    /// <summary>Binary cross-entropy on a logistic output σ(k z): the fused gradient is dz = k (y − t) / count.</summary>
    public static float BinaryCrossEntropyLogistic(ReadOnlySpan<float> y, ReadOnlySpan<float> t, Span<float> dz, float slope)
    {
        CheckLengths(y, t, dz);
        float scale = slope / y.Length;
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            float p = y[i], target = t[i];
            sum -= target * MathF.Max(MathF.Log(p), -100f) + (1f - target) * MathF.Max(MathF.Log(1f - p), -100f);
            dz[i] = scale * (p - target);
        }
        return (float)(sum / y.Length);
    }

    /// <summary>
    /// Softmax log-likelihood on a Softmax output layer's probabilities: −Σ t ln y averaged over the batch,
    /// with the fused gradient dz = (y − t) / batch.
    /// </summary>
    public static float SoftmaxCrossEntropyOnProbabilities(ReadOnlySpan<float> y, ReadOnlySpan<float> t, Span<float> dz, int batch)
    {
        CheckLengths(y, t, dz);
        float inverseBatch = 1f / batch;
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            if (t[i] != 0f) sum -= t[i] * Math.Log(Math.Max(y[i], 1e-30));
            dz[i] = inverseBatch * (y[i] - t[i]);
        }
        return (float)(sum / batch);
    }

    /// <summary>
    /// Softmax cross-entropy on raw outputs treated as logits (PyTorch's CrossEntropyLoss with probability targets):
    /// −Σ t log softmax(y), averaged over the batch; dz = (softmax(y) − t) / batch · f′(y).
    /// </summary>
    public static float SoftmaxCrossEntropyOnLogits<TAct>(ReadOnlySpan<float> y, ReadOnlySpan<float> t, Span<float> dz, int batch, TAct activation)
        where TAct : struct, IActivation
    {
        CheckLengths(y, t, dz);
        int width = y.Length / batch;
        float inverseBatch = 1f / batch;
        double sum = 0;
        for (int b = 0; b < batch; b++)
        {
            var row = y.Slice(b * width, width);
            var target = t.Slice(b * width, width);
            var grad = dz.Slice(b * width, width);
            float max = float.NegativeInfinity;
            foreach (float v in row) max = MathF.Max(max, v);
            float expSum = 0f;
            foreach (float v in row) expSum += MathF.Exp(v - max);
            float logSumExp = max + MathF.Log(expSum);
            for (int j = 0; j < width; j++)
            {
                if (target[j] != 0f) sum -= target[j] * (row[j] - logSumExp);
                float p = MathF.Exp(row[j] - logSumExp);
                grad[j] = inverseBatch * (p - target[j]) * activation.Derivative(row[j]);
            }
        }
        return (float)(sum / batch);
    }

    private static void CheckLengths(ReadOnlySpan<float> y, ReadOnlySpan<float> t, Span<float> dz)
    {
        if (t.Length != y.Length) throw new ArgumentException($"targets has length {t.Length}, but the outputs have {y.Length} values.", "targets");
        if (dz.Length != y.Length) throw new ArgumentException($"dz has length {dz.Length}, but the outputs have {y.Length} values.", nameof(dz));
    }
}

/// <summary>Row-wise softmax and its Jacobian-vector product.</summary>
public static class SoftmaxKernels
{
    /// <summary>Softmax of each row of <paramref name="rows"/> in place (max-subtracted for stability).</summary>
    public static void Forward(Span<float> rows, int width)
    {
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

/// <summary>Parameter updates, one fused pass over the parameter arena.</summary>
public static class OptimizerKernels
{
    /// <summary>Plain SGD: p ← p − η g.</summary>
    public static void Sgd(Span<float> parameters, ReadOnlySpan<float> gradients, float learningRate)
    {
        if (gradients.Length != parameters.Length)
            throw new ArgumentException($"gradients has length {gradients.Length}, but there are {parameters.Length} parameters.", nameof(gradients));
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var step = Vector256.Create(-learningRate);
            for (; i + 8 <= parameters.Length; i += 8)
            {
                var p = Vector256.Create(parameters.Slice(i, 8));
                Vector256.FusedMultiplyAdd(Vector256.Create(gradients.Slice(i, 8)), step, p).CopyTo(parameters.Slice(i, 8));
            }
        }
        for (; i < parameters.Length; i++) parameters[i] -= learningRate * gradients[i];
    }
}
