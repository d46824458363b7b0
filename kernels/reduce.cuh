// reduce.cuh: deterministic warp and block reductions, and a one-block sum kernel body.
//
// No atomics: the order of every sum is fixed by the block size, so a training step gives the
// same bits on every run (and a captured CUDA graph replays identically).
#pragma once

namespace cn {

struct SumOp
{
    __device__ __forceinline__ float operator()(float a, float b) const { return a + b; }
};

struct MaxOp
{
    __device__ __forceinline__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

// The most negative finite float: the identity of MaxOp without needing an INFINITY macro.
__device__ __forceinline__ float lowest() { return -3.402823466e+38f; }

// Butterfly reduction: every lane of the (full) warp ends with the result.
template <class Op>
__device__ __forceinline__ float warp_reduce(float v, Op op)
{
    for (int offset = 16; offset > 0; offset >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

// Reduces one value per thread of a 1-D block of Threads threads (a multiple of 32); every thread
// gets the result. Must be reached by all threads of the block (it has barriers).
template <int Threads, class Op>
__device__ float block_reduce(float v, Op op)
{
    static_assert(Threads % 32 == 0 && Threads >= 32 && Threads <= 1024, "a whole number of warps, at most 1024 threads");
    __shared__ float partial[Threads / 32];
    v = warp_reduce(v, op);
    if ((threadIdx.x & 31) == 0) partial[threadIdx.x >> 5] = v;
    __syncthreads();
    float result = partial[0];
    for (int w = 1; w < Threads / 32; ++w) result = op(result, partial[w]);  // same order in every thread
    __syncthreads();  // the next call may overwrite `partial` only after everyone has read it
    return result;
}

// out[0] += Σ in[0..Count): the second pass of a two-pass reduction (e.g. per-block partials), added
// to its destination (a gradient slot, zeroed once per step; thread 0 is the only writer).
// Launch: grid 1, block Threads, shared 0.
template <int Count, int Threads>
__device__ void reduce_sum(const float* __restrict__ in, float* __restrict__ out)
{
    float sum = 0.0f;
    for (int i = threadIdx.x; i < Count; i += Threads) sum += in[i];
    sum = block_reduce<Threads>(sum, SumOp());
    if (threadIdx.x == 0) out[0] += sum;
}

}  // namespace cn
