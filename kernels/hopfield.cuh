// hopfield.cuh: a Hopfield memory's Hebbian store and one synchronous recall sweep (docs/hopfield.md).
//
// As on the CPU (src/Compiled.Nets/Kernels/HopfieldKernels.cs) the memory keeps the Hebbian sums C (whole numbers as
// floats) and the weights W = C / N. States are ±1 as floats. With fewer than MaxPatterns = ⌊2²⁴ / (N − 1)⌋ patterns
// every local field Σ_j C_ij s_j is a whole number below 2²⁴, so each float sum is exact in any order (FMA or not):
// the GPU, the emulation and the C# path agree to the bit, and a zero field (a tie) is an exact zero.
#pragma once

#include "reduce.cuh"

namespace cn {

// Hebb's rule: C += Σ_μ p^μ p^μᵀ with a zero diagonal, then W = C / N (a correctly rounded division, as in C#; not under
// --use_fast_math). patterns: count × N values, each +1 or −1, pattern after pattern; the patterns in the order given.
// One thread per weight. Launch: grid ⌈N²/threads⌉, block any (256), shared 0.
template <int N>
__device__ void hopfield_store(float* __restrict__ C, float* __restrict__ W, const float* __restrict__ patterns, int count)
{
    static_assert(N >= 1 && N <= 8192, "1 to 8192 neurons (HopfieldNetworkAttribute.MaxNeurons)");
    const int k = blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= N * N) return;
    const int i = k / N, j = k - i * N;
    float c = C[k];
    for (int p = 0; p < count; ++p) c += patterns[p * N + i] * patterns[p * N + j];
    if (i == j) c = 0.0f;
    C[k] = c;
    W[k] = c / static_cast<float>(N);
}

// One synchronous sweep: next_i = sign(Σ_j C_ij s_j), a zero field keeping s_i (sign(0) keeps the previous state).
// One block per neuron, its threads striding along row i (coalesced), then a block reduction.
// Launch: grid N, block Threads (a multiple of 32), shared 0. s and next must not overlap.
template <int N, int Threads>
__device__ void hopfield_sweep(const float* __restrict__ C, const float* __restrict__ s, float* __restrict__ next)
{
    const int i = blockIdx.x;
    const bool live = i < N;  // every thread reaches the reduction's barriers, live or not
    float h = 0.0f;
    if (live)
        for (int j = threadIdx.x; j < N; j += Threads) h += C[i * N + j] * s[j];
    h = block_reduce<Threads>(h, SumOp());
    if (live && threadIdx.x == 0) next[i] = h > 0.0f ? 1.0f : h < 0.0f ? -1.0f : s[i];
}

// changed[0] = the number of neurons whose state differs between s and next (0: a fixed point).
// Launch: grid 1, block Threads (a multiple of 32), shared 0.
template <int N, int Threads>
__device__ void hopfield_changes(const float* __restrict__ s, const float* __restrict__ next, float* __restrict__ changed)
{
    float n = 0.0f;
    for (int j = threadIdx.x; j < N; j += Threads) n += s[j] != next[j] ? 1.0f : 0.0f;
    n = block_reduce<Threads>(n, SumOp());
    if (threadIdx.x == 0) changed[0] = n;
}

}  // namespace cn
