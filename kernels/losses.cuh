// losses.cuh: the losses fused with the first backward step, as the C# LossKernels.cs.
//
// Each loss kernel runs one block per sample: it writes dz, the gradient at the output layer's
// pre-activation, scaled exactly as LossKernels.cs (for the batch mean, weighted by optional
// per-sample weights: Σ w_b l_b / Σ w_b), and the sample's own loss l_b to losses[b] (the mean
// over its outputs for MSE and BCE, the row's cross-entropy for the softmax losses). loss_mean
// then reduces l_b to the batch loss in a fixed order. `weights` is null for unweighted.
//
// Σ w is recomputed by every block (Batch additions each) rather than by a separate launch.
#pragma once

#include "activations.cuh"
#include "reduce.cuh"

namespace cn {

// Σ_b w_b, or Batch without weights; every thread of the block gets it (block_reduce inside).
template <int Batch, int Threads>
__device__ __forceinline__ float total_weight(const float* __restrict__ weights)
{
    if (weights == nullptr) return static_cast<float>(Batch);
    float sum = 0.0f;
    for (int b = threadIdx.x; b < Batch; b += Threads) sum += weights[b];
    return block_reduce<Threads>(sum, SumOp());
}

__device__ __forceinline__ float sample_weight(const float* __restrict__ weights, int b)
{
    return weights == nullptr ? 1.0f : weights[b];
}

// Mean squared error: l_b = mean_j (y − t)²; dz = 2 w_b / (Σw · Width) · (y − t) · f′(y).
// Launch: grid Batch, block Threads (a multiple of 32), shared 0.
template <int Batch, int Width, int Act, int Threads>
__device__ void mse_loss(const float* __restrict__ y, const float* __restrict__ t, const float* __restrict__ weights,
    float* __restrict__ dz, float* __restrict__ losses, float slope)
{
    const int b = blockIdx.x;
    const float scale = 2.0f * sample_weight(weights, b) / (total_weight<Batch, Threads>(weights) * Width);
    float sum = 0.0f;
    for (int j = threadIdx.x; j < Width; j += Threads)
    {
        const int i = b * Width + j;
        const float diff = y[i] - t[i];
        sum += diff * diff;
        dz[i] = scale * diff * derivative<Act>(y[i], slope);
    }
    sum = block_reduce<Threads>(sum, SumOp());
    if (threadIdx.x == 0) losses[b] = sum / Width;
}

// −[t ln p + (1 − t) ln(1 − p)] with each log clamped at −100, as PyTorch's BCELoss.
__device__ __forceinline__ float binary_cross_entropy(float p, float t)
{
    return -(t * fmaxf(logf(p), -100.0f) + (1.0f - t) * fmaxf(logf(1.0f - p), -100.0f));
}

// Binary cross-entropy for any output activation: l_b = mean_j BCE(y, t);
// dz = w_b / (Σw · Width) · (y − t) / max(y (1 − y), 1e−12) · f′(y).
// Launch: grid Batch, block Threads (a multiple of 32), shared 0.
template <int Batch, int Width, int Act, int Threads>
__device__ void bce_loss(const float* __restrict__ y, const float* __restrict__ t, const float* __restrict__ weights,
    float* __restrict__ dz, float* __restrict__ losses, float slope)
{
    const int b = blockIdx.x;
    const float scale = sample_weight(weights, b) / (total_weight<Batch, Threads>(weights) * Width);
    float sum = 0.0f;
    for (int j = threadIdx.x; j < Width; j += Threads)
    {
        const int i = b * Width + j;
        const float p = y[i], target = t[i];
        sum += binary_cross_entropy(p, target);
        const float dy = (p - target) / fmaxf(p * (1.0f - p), 1e-12f);
        dz[i] = scale * dy * derivative<Act>(p, slope);
    }
    sum = block_reduce<Threads>(sum, SumOp());
    if (threadIdx.x == 0) losses[b] = sum / Width;
}

// Binary cross-entropy on a logistic output σ(k z), fused: dz = k w_b / (Σw · Width) · (y − t).
// Launch: grid Batch, block Threads (a multiple of 32), shared 0.
template <int Batch, int Width, int Threads>
__device__ void bce_logistic_loss(const float* __restrict__ y, const float* __restrict__ t, const float* __restrict__ weights,
    float* __restrict__ dz, float* __restrict__ losses, float logisticSlope)
{
    const int b = blockIdx.x;
    const float scale = logisticSlope * sample_weight(weights, b) / (total_weight<Batch, Threads>(weights) * Width);
    float sum = 0.0f;
    for (int j = threadIdx.x; j < Width; j += Threads)
    {
        const int i = b * Width + j;
        sum += binary_cross_entropy(y[i], t[i]);
        dz[i] = scale * (y[i] - t[i]);
    }
    sum = block_reduce<Threads>(sum, SumOp());
    if (threadIdx.x == 0) losses[b] = sum / Width;
}

// Softmax cross-entropy on a softmax layer's probabilities: l_b = −Σ_j t ln max(y, 1e−30);
// dz = w_b / Σw · (y − t) (the softmax's Jacobian is folded in: no softmax backward follows). On a sequence output
// (Steps > 1, a softmax per step) l_b is the mean over the sample's steps and dz carries 1 / Steps.
// Launch: grid Batch, block Threads (a multiple of 32), shared 0.
template <int Batch, int Width, int Threads, int Steps = 1>
__device__ void softmax_ce_probabilities_loss(const float* __restrict__ y, const float* __restrict__ t,
    const float* __restrict__ weights, float* __restrict__ dz, float* __restrict__ losses)
{
    const int b = blockIdx.x;
    const float scale = sample_weight(weights, b) / (total_weight<Batch, Threads>(weights) * Steps);
    float sum = 0.0f;
    for (int j = threadIdx.x; j < Width; j += Threads)
    {
        const int i = b * Width + j;
        if (t[i] != 0.0f) sum -= t[i] * logf(fmaxf(y[i], 1e-30f));  // 0 · ln 0 counts as 0
        dz[i] = scale * (y[i] - t[i]);
    }
    sum = block_reduce<Threads>(sum, SumOp());
    if (threadIdx.x == 0) losses[b] = sum / Steps;
}

// Softmax cross-entropy on raw outputs as logits (PyTorch's CrossEntropyLoss with probability
// targets): l_b = −Σ_j t (y − logsumexp(y)); dz = w_b / Σw · (softmax(y) − t) · f′(y).
// Launch: grid Batch, block Threads (a multiple of 32), shared 0.
// On a sequence output (Steps > 1) the softmax is per step of Width / Steps values and l_b the mean over the steps.
template <int Batch, int Width, int Act, int Threads, int Steps = 1>
__device__ void softmax_ce_logits_loss(const float* __restrict__ y, const float* __restrict__ t,
    const float* __restrict__ weights, float* __restrict__ dz, float* __restrict__ losses, float slope)
{
    static_assert(Width % Steps == 0, "a row is whole steps");
    constexpr int Step = Width / Steps;
    const int b = blockIdx.x;
    const float scale = sample_weight(weights, b) / (total_weight<Batch, Threads>(weights) * Steps);
    float sum = 0.0f;
    for (int s = 0; s < Steps; ++s)
    {
        const float* row = y + b * Width + s * Step;
        float rowMax = lowest();
        for (int j = threadIdx.x; j < Step; j += Threads) rowMax = fmaxf(rowMax, row[j]);
        rowMax = block_reduce<Threads>(rowMax, MaxOp());
        float expSum = 0.0f;
        for (int j = threadIdx.x; j < Step; j += Threads) expSum += expf(row[j] - rowMax);
        const float logSumExp = rowMax + logf(block_reduce<Threads>(expSum, SumOp()));
        for (int j = threadIdx.x; j < Step; j += Threads)
        {
            const int i = b * Width + s * Step + j;
            if (t[i] != 0.0f) sum -= t[i] * (row[j] - logSumExp);
            const float p = expf(row[j] - logSumExp);
            dz[i] = scale * (p - t[i]) * derivative<Act>(row[j], slope);
        }
    }
    sum = block_reduce<Threads>(sum, SumOp());
    if (threadIdx.x == 0) losses[b] = sum / Steps;
}

// out[0] = Σ_b w_b l_b / Σ_b w_b (the batch mean without weights), in a fixed order.
// Launch: grid 1, block Threads (a multiple of 32), shared 0.
template <int Batch, int Threads>
__device__ void loss_mean(const float* __restrict__ losses, const float* __restrict__ weights, float* __restrict__ out)
{
    float weighted = 0.0f;
    for (int b = threadIdx.x; b < Batch; b += Threads) weighted += sample_weight(weights, b) * losses[b];
    weighted = block_reduce<Threads>(weighted, SumOp());
    const float total = total_weight<Batch, Threads>(weights);
    if (threadIdx.x == 0) out[0] = weighted / total;
}

}  // namespace cn
