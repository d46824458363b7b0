// optimizers.cuh: the parameter updates, as the C# Optimizers/*.cs (PyTorch's conventions).
//
// One thread per parameter, each reading its gradient and state once and writing them back
// once; the operations are those of the C# scalar loops, in the same order. Learning rate and
// constants are arguments (the learning rate changes with a schedule); Adam's bias corrections
// are computed on the host once per step, in double, exactly as Adam.cs does. The decaying
// averages are flushed to 0 below the normal range, as Optimizer.FlushSubnormal does on the CPU.
//
// Launch (all): grid ⌈Count/Threads⌉, block Threads (any size; 256 is a good default), shared 0.
#pragma once

namespace cn {

__device__ __forceinline__ int parameter_index() { return blockIdx.x * blockDim.x + threadIdx.x; }

// x, or 0 where |x| is below FLT_MIN = 2⁻¹²⁶ (a NaN is kept). The state of a weight that gets no gradient decays
// into the subnormal range and stays there (β·x rounds back to x), which costs a microcode assist per operation on
// Intel CPUs; the C# optimizers flush it, and so do these, so that both hold the same state whatever the compiler's
// flush-to-zero setting.
__device__ __forceinline__ float flush_subnormal(float x) { return fabsf(x) < 1.17549435e-38f ? 0.0f : x; }

// p ← p − η g.
template <int Count>
__device__ void sgd(float* __restrict__ p, const float* __restrict__ g, float lr)
{
    const int i = parameter_index();
    if (i < Count) p[i] -= lr * g[i];
}

// b ← μ b + g (b starts at 0, so the first step gives PyTorch's b = g); d = g + μ b with
// Nesterov, else b; p ← p − η d. `buffer` is the Count-float momentum state.
template <int Count, bool Nesterov>
__device__ void sgd_momentum(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ buffer,
    float lr, float momentum)
{
    const int i = parameter_index();
    if (i >= Count) return;
    const float gi = g[i];
    const float b = flush_subnormal(momentum * buffer[i] + gi);
    buffer[i] = b;
    const float d = Nesterov ? gi + momentum * b : b;
    p[i] -= lr * d;
}

// s ← s + g², p ← p − η g / (√s + ε). `sum` is the Count-float accumulator (never flushed: it never decays).
template <int Count>
__device__ void adagrad(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ sum, float lr, float epsilon)
{
    const int i = parameter_index();
    if (i >= Count) return;
    const float gi = g[i];
    const float s = sum[i] + gi * gi;
    sum[i] = s;
    p[i] -= lr * gi / (sqrtf(s) + epsilon);
}

// v ← α v + (1 − α) g², p ← p − η g / (√v + ε). `average` is the Count-float state.
template <int Count>
__device__ void rmsprop(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ average,
    float lr, float alpha, float epsilon)
{
    const int i = parameter_index();
    if (i >= Count) return;
    const float gi = g[i];
    const float v = flush_subnormal(alpha * average[i] + (1.0f - alpha) * gi * gi);
    average[i] = v;
    p[i] -= lr * gi / (sqrtf(v) + epsilon);
}

// v ← ρ v + (1 − ρ) g², δ = √(u + ε) / √(v + ε) · g, u ← ρ u + (1 − ρ) δ², p ← p − η δ.
// `state` is [v | u], Count floats each, as AdaDelta.cs lays out its arena.
template <int Count>
__device__ void adadelta(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ state,
    float lr, float rho, float epsilon)
{
    const int i = parameter_index();
    if (i >= Count) return;
    float* __restrict__ squareAverage = state;
    float* __restrict__ deltaAverage = state + Count;
    const float gi = g[i];
    const float oneMinusRho = 1.0f - rho;
    const float v = flush_subnormal(rho * squareAverage[i] + oneMinusRho * gi * gi);
    squareAverage[i] = v;
    const float u = deltaAverage[i];
    const float delta = sqrtf(u + epsilon) / sqrtf(v + epsilon) * gi;
    deltaAverage[i] = flush_subnormal(rho * u + oneMinusRho * delta * delta);
    p[i] -= lr * delta;
}

// m ← β₁ m + (1 − β₁) g, v ← β₂ v + (1 − β₂) g², p ← p − stepSize · m / (√v / c₂ + ε), with, at
// step t (from 1), stepSize = η / (1 − β₁ᵗ) and c₂ = √(1 − β₂ᵗ), both computed on the host in
// double and rounded to float. `state` is [m | v], Count floats each, as Adam.cs lays it out.
template <int Count>
__device__ void adam(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ state,
    float stepSize, float correction2Sqrt, float beta1, float beta2, float epsilon)
{
    const int i = parameter_index();
    if (i >= Count) return;
    float* __restrict__ first = state;
    float* __restrict__ second = state + Count;
    const float gi = g[i];
    const float m = flush_subnormal(beta1 * first[i] + (1.0f - beta1) * gi);
    const float v = flush_subnormal(beta2 * second[i] + (1.0f - beta2) * gi * gi);
    first[i] = m;
    second[i] = v;
    const float denominator = sqrtf(v) / correction2Sqrt + epsilon;
    p[i] -= stepSize * m / denominator;
}

// out[0] ← the index of the first NaN or ±∞ among g[0..Count), or Count when every value is finite: the check
// that lets the host refuse a step before the update. One block: each thread finds the first bad value of its
// stride, then thread 0 takes the smallest (no atomics, so the answer is the same on every run). The test is
// |x| ≤ FLT_MAX, false for NaN and ±∞ alike, and safe under fast math. Launch: grid 1, block Threads, shared 0.
template <int Count, int Threads>
__device__ void first_nonfinite(const float* __restrict__ g, int* __restrict__ out)
{
    __shared__ int first[Threads];
    int mine = Count;
    for (int i = threadIdx.x; i < Count; i += Threads)
        if (!(fabsf(g[i]) <= 3.402823466e38f)) { mine = i; break; }
    first[threadIdx.x] = mine;
    __syncthreads();
    if (threadIdx.x == 0)
    {
        int smallest = Count;
        for (int t = 0; t < Threads; ++t) smallest = first[t] < smallest ? first[t] : smallest;
        out[0] = smallest;
    }
}

}  // namespace cn
