// layers.cuh: dropout, PReLU and batch normalisation, as the C# LayerKernels.cs.
// Buffers are [Batch, Features] row-major; Count = Batch · Features for element-wise kernels.
#pragma once

#include "activations.cuh"
#include "reduce.cuh"

namespace cn {

__device__ __forceinline__ int element_index() { return blockIdx.x * blockDim.x + threadIdx.x; }

// ---- Inverted dropout, with the mask (0 or 1/(1 − rate) per value) drawn elsewhere ----

// y = x ⊙ mask.
// Launch: grid ⌈Count/Threads⌉, block Threads (any), shared 0.
template <int Count>
__device__ void dropout_forward(const float* __restrict__ x, const float* __restrict__ mask, float* __restrict__ y)
{
    const int i = element_index();
    if (i < Count) y[i] = x[i] * mask[i];
}

// dPrev = dy ⊙ mask ⊙ f′_prev(yPrev).
// Launch: grid ⌈Count/Threads⌉, block Threads (any), shared 0.
template <int Count, int ActPrev>
__device__ void dropout_backward(const float* __restrict__ dy, const float* __restrict__ mask,
    const float* __restrict__ yPrev, float* __restrict__ dPrev, float slopePrev)
{
    const int i = element_index();
    if (i < Count) dPrev[i] = dy[i] * mask[i] * derivative<ActPrev>(yPrev[i], slopePrev);
}

// ---- Parametric ReLU with one learned slope a (read from the parameter arena) ----

// y = x for x > 0, a x otherwise.
// Launch: grid ⌈Count/Threads⌉, block Threads (any), shared 0.
template <int Count>
__device__ void prelu_forward(const float* __restrict__ x, float* __restrict__ y, const float* __restrict__ slope)
{
    const int i = element_index();
    if (i < Count)
    {
        const float xi = x[i];
        y[i] = xi > 0.0f ? xi : slope[0] * xi;
    }
}

// partials[blockIdx.x] = this block's part of ∂L/∂a = Σ dy · min(x, 0) (overwritten: scratch) and,
// with Propagate, dPrev = dy ⊙ (x > 0 ? 1 : a) ⊙ f′_prev(x) (x is the previous layer's output). A
// second launch, reduce_sum<⌈Count/Threads⌉, ·>(partials, slopeGradient), finishes the sum in a
// fixed order and adds it to the slope's gradient (zeroed once per step).
// Launch: grid ⌈Count/Threads⌉, block Threads (a multiple of 32), shared 0.
template <int Count, int Threads, int ActPrev, bool Propagate>
__device__ void prelu_backward(const float* __restrict__ dy, const float* __restrict__ x, const float* __restrict__ slope,
    float* __restrict__ partials, float* __restrict__ dPrev, float slopePrev)
{
    const int i = blockIdx.x * Threads + threadIdx.x;
    float part = 0.0f;
    if (i < Count)
    {
        const float xi = x[i], di = dy[i];
        if (xi <= 0.0f) part = di * xi;
        if constexpr (Propagate) dPrev[i] = di * (xi > 0.0f ? 1.0f : slope[0]) * derivative<ActPrev>(xi, slopePrev);
    }
    part = block_reduce<Threads>(part, SumOp());  // every thread reaches it: the bounds check is above
    if (threadIdx.x == 0) partials[blockIdx.x] = part;
}

// ---- Batch normalisation over features (PyTorch's BatchNorm1d on [Batch, Features]) with an
// activation after it. One thread per feature walks the batch: consecutive threads read
// consecutive features of a row, so every load coalesces, and each sum runs in the C# order.

// Batch normalisation over [Batch, Features, Plane]: value (b, f, p) at (b·Features + f)·Plane + p.
// Plane 1 is BatchNorm1d on [Batch, Features]; Plane H·W is BatchNorm2d, per-channel statistics over
// the batch and the positions (as BatchNormKernels in LayerKernels.cs).
//
// Training: batch mean and biased variance over the Batch·Plane values; invStd = 1/√(var + ε); the
// running averages take the unbiased variance; normalized = x̂; y = f(γ x̂ + β).
// Launch: grid ⌈Features/Threads⌉, block Threads (any), shared 0.
template <int Batch, int Features, int Act, int Plane = 1>
__device__ void batchnorm_forward_training(const float* __restrict__ x, float* __restrict__ y, float* __restrict__ normalized,
    const float* __restrict__ gamma, const float* __restrict__ beta, float* __restrict__ runningMean,
    float* __restrict__ runningVariance, float* __restrict__ invStd, float momentum, float epsilon, float slope)
{
    constexpr int N = Batch * Plane;
    static_assert(N >= 2, "a single value has no variance");
    const int f = element_index();
    if (f >= Features) return;
    float sum = 0.0f;
    for (int b = 0; b < Batch; ++b)
        for (int p = 0; p < Plane; ++p) sum += x[(b * Features + f) * Plane + p];
    const float mean = sum / N;
    float squares = 0.0f;  // two passes: no cancellation between Σx² and (Σx)²
    for (int b = 0; b < Batch; ++b)
        for (int p = 0; p < Plane; ++p)
        {
            const float d = x[(b * Features + f) * Plane + p] - mean;
            squares += d * d;
        }
    const float inv = 1.0f / sqrtf(squares / N + epsilon);
    invStd[f] = inv;
    runningMean[f] = (1.0f - momentum) * runningMean[f] + momentum * mean;
    runningVariance[f] = (1.0f - momentum) * runningVariance[f] + momentum * (squares / (N - 1));
    const float g = gamma[f], be = beta[f];
    for (int b = 0; b < Batch; ++b)
        for (int p = 0; p < Plane; ++p)
        {
            const int i = (b * Features + f) * Plane + p;
            const float n = (x[i] - mean) * inv;
            normalized[i] = n;
            y[i] = activate<Act>(g * n + be, slope);
        }
}

// Inference: y = f(x · s + (β − μ_run s)) with s = γ / √(σ²_run + ε), one thread per value.
// Launch: grid ⌈Batch·Features·Plane/Threads⌉, block Threads (any), shared 0.
template <int Batch, int Features, int Act, int Plane = 1>
__device__ void batchnorm_forward_inference(const float* __restrict__ x, float* __restrict__ y,
    const float* __restrict__ gamma, const float* __restrict__ beta, const float* __restrict__ runningMean,
    const float* __restrict__ runningVariance, float epsilon, float slope)
{
    const int i = element_index();
    if (i >= Batch * Features * Plane) return;
    const int f = (i / Plane) % Features;
    const float scale = gamma[f] / sqrtf(runningVariance[f] + epsilon);
    const float shift = beta[f] - runningMean[f] * scale;
    y[i] = activate<Act>(x[i] * scale + shift, slope);
}

// From dy, the gradient at this layer's output (overwritten with dz = dy ⊙ f′(y)): adds dβ += Σ dz
// and dγ += Σ dz x̂ to the gradients (zeroed once per step; one thread per feature is each value's
// only writer) and, with Propagate, dPrev = f′_prev(yPrev) · γ/σ · (dz − mean(dz) − x̂ mean(dz x̂)),
// sums and means over the Batch·Plane values of each feature.
// Launch: grid ⌈Features/Threads⌉, block Threads (any), shared 0.
template <int Batch, int Features, int Act, int ActPrev, bool Propagate, int Plane = 1>
__device__ void batchnorm_backward(float* __restrict__ dy, const float* __restrict__ y, const float* __restrict__ normalized,
    const float* __restrict__ gamma, const float* __restrict__ invStd, float* __restrict__ gammaGradient,
    float* __restrict__ betaGradient, const float* __restrict__ yPrev, float* __restrict__ dPrev, float slope, float slopePrev)
{
    constexpr int N = Batch * Plane;
    const int f = element_index();
    if (f >= Features) return;
    float sumDz = 0.0f, sumDzNormalized = 0.0f;
    for (int b = 0; b < Batch; ++b)
        for (int p = 0; p < Plane; ++p)
        {
            const int i = (b * Features + f) * Plane + p;
            const float dz = dy[i] * derivative<Act>(y[i], slope);
            dy[i] = dz;
            sumDz += dz;
            sumDzNormalized += dz * normalized[i];
        }
    betaGradient[f] += sumDz;
    gammaGradient[f] += sumDzNormalized;
    if constexpr (Propagate)
    {
        const float scale = gamma[f] * invStd[f];
        const float meanDz = sumDz / N, meanDzNormalized = sumDzNormalized / N;
        for (int b = 0; b < Batch; ++b)
            for (int p = 0; p < Plane; ++p)
            {
                const int i = (b * Features + f) * Plane + p;
                dPrev[i] = scale * (dy[i] - meanDz - normalized[i] * meanDzNormalized) * derivative<ActPrev>(yPrev[i], slopePrev);
            }
    }
}

}  // namespace cn
