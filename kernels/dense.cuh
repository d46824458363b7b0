// dense.cuh: a dense layer's forward and backward passes as tiled matrix products, as the C#
// DenseKernels.cs (W is [Out, In] row-major, then the bias [Out]; a batch is Batch rows).
//
// All three products go through one T×T shared-memory tile routine; each thread computes one
// element of the result and applies the fused epilogue (bias + activation, or the previous
// layer's activation derivative) in registers before the single store.
#pragma once

#include "activations.cuh"

namespace cn {

// C(m, n) = Σ_k A(m, k) B(k, n) for the thread's element (m, n) = (blockIdx.y·T + threadIdx.y,
// blockIdx.x·T + threadIdx.x) of an M×N result; 0 outside it. A(m, k) is a[m·K + k] when
// AKContiguous, else a[k·M + m]; B(k, n) is b[k·N + n] when BNContiguous, else b[n·K + k]: the
// three dense products differ only in which index of each operand is contiguous.
// Block T×T; every thread must call it (it has barriers).
template <int M, int N, int K, int T, bool AKContiguous, bool BNContiguous>
__device__ __forceinline__ float gemm_tile(const float* __restrict__ a, const float* __restrict__ b)
{
    // as[m][k], bs[k][n]. The +1 column keeps the transposed stores free of bank conflicts.
    __shared__ float as[T][T + 1];
    __shared__ float bs[T][T + 1];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int m0 = blockIdx.y * T, n0 = blockIdx.x * T;
    float acc = 0.0f;
    for (int k0 = 0; k0 < K; k0 += T)
    {
        // One element of each tile per thread, tx running along the operand's contiguous index so
        // a warp's loads coalesce; zeros pad the ragged edges so the inner loop needs no bounds.
        if constexpr (AKContiguous)
        {
            const int m = m0 + ty, k = k0 + tx;
            as[ty][tx] = (m < M && k < K) ? a[m * K + k] : 0.0f;
        }
        else
        {
            const int m = m0 + tx, k = k0 + ty;
            as[tx][ty] = (m < M && k < K) ? a[k * M + m] : 0.0f;
        }
        if constexpr (BNContiguous)
        {
            const int k = k0 + ty, n = n0 + tx;
            bs[ty][tx] = (k < K && n < N) ? b[k * N + n] : 0.0f;
        }
        else
        {
            const int k = k0 + tx, n = n0 + ty;
            bs[tx][ty] = (k < K && n < N) ? b[n * K + k] : 0.0f;
        }
        __syncthreads();  // the tiles are complete before anyone reads them
        for (int kk = 0; kk < T; ++kk) acc += as[ty][kk] * bs[kk][tx];
        __syncthreads();  // everyone is done reading before the next tiles overwrite them
    }
    return acc;
}

// y[b, j] = f(bias[j] + Σ_i x[b, i] w[j, i]).
// Launch: grid (⌈Out/T⌉, ⌈Batch/T⌉), block (T, T), shared 0 (static 2·T·(T+1)·4 bytes).
template <int Batch, int In, int Out, int Act, int T>
__device__ void dense_forward(const float* __restrict__ x, const float* __restrict__ w, const float* __restrict__ bias,
    float* __restrict__ y, float slope)
{
    const float acc = gemm_tile<Batch, Out, In, T, true, false>(x, w);
    const int b = blockIdx.y * T + threadIdx.y, j = blockIdx.x * T + threadIdx.x;
    if (b < Batch && j < Out) y[b * Out + j] = activate<Act>(acc + bias[j], slope);
}

// Adds to dW and db: dW[j, i] += Σ_b dz[b, j] x[b, i] and db[j] += Σ_b dz[b, j] (dz: the gradient
// at this layer's pre-activation; the runner zeroes the gradient arena once per step, so a weight
// read by several ops sums their gradients). The first column of blocks also adds to db, summing
// over the batch in order (as the C# loop), one thread per output j. Each value has one writer, so
// the load-add-store needs no atomic.
// Launch: grid (⌈In/T⌉, ⌈Out/T⌉), block (T, T), shared 0 (static 2·T·(T+1)·4 bytes).
template <int Batch, int In, int Out, int T>
__device__ void dense_weight_gradient(const float* __restrict__ dz, const float* __restrict__ x,
    float* __restrict__ dw, float* __restrict__ db)
{
    const float acc = gemm_tile<Out, In, Batch, T, false, true>(dz, x);
    const int j = blockIdx.y * T + threadIdx.y, i = blockIdx.x * T + threadIdx.x;
    if (j < Out && i < In) dw[j * In + i] += acc;
    if (blockIdx.x == 0 && threadIdx.y == 0)
    {
        const int jb = blockIdx.y * T + threadIdx.x;  // tx along j: the reads of each row coalesce
        if (jb < Out)
        {
            float sum = 0.0f;
            for (int b = 0; b < Batch; ++b) sum += dz[b * Out + jb];
            db[jb] += sum;
        }
    }
}

// dzPrev[b, i] = f′_prev(yPrev[b, i]) · Σ_j dz[b, j] w[j, i]: the gradient at the previous
// layer's pre-activation, its activation derivative (from its output yPrev) in the epilogue.
// Launch: grid (⌈In/T⌉, ⌈Batch/T⌉), block (T, T), shared 0 (static 2·T·(T+1)·4 bytes).
template <int Batch, int In, int Out, int ActPrev, int T>
__device__ void dense_input_gradient(const float* __restrict__ dz, const float* __restrict__ w,
    const float* __restrict__ yPrev, float* __restrict__ dzPrev, float slopePrev)
{
    const float acc = gemm_tile<Batch, In, Out, T, true, true>(dz, w);
    const int b = blockIdx.y * T + threadIdx.y, i = blockIdx.x * T + threadIdx.x;
    if (b < Batch && i < In)
    {
        const int at = b * In + i;
        // Linear needs no derivative and no read of yPrev (which may then be any pointer).
        dzPrev[at] = ActPrev == kLinear ? acc : acc * derivative<ActPrev>(yPrev[at], slopePrev);
    }
}

}  // namespace cn
