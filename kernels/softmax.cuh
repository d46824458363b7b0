// softmax.cuh: row-wise softmax and its Jacobian-vector product, as the C# SoftmaxKernels.
// One block per row; both work in place (x == y, gradient overwritten) like the C# kernels, so
// no pointer here is __restrict__: each thread reads and writes only its own elements of a row.
#pragma once

#include "reduce.cuh"

namespace cn {

// y = softmax(x) per row of Width values, max-subtracted for stability. The row is staged in
// dynamic shared memory so global memory is read once and written once.
// Launch: grid Rows, block Threads (a multiple of 32), shared Width·4 bytes (dynamic).
template <int Width, int Threads>
__device__ void softmax_forward(const float* x, float* y)
{
    CN_DYNAMIC_SHARED(float, row);
    const float* xr = x + blockIdx.x * Width;
    float* yr = y + blockIdx.x * Width;
    float rowMax = lowest();
    for (int j = threadIdx.x; j < Width; j += Threads)
    {
        row[j] = xr[j];
        rowMax = fmaxf(rowMax, row[j]);
    }
    rowMax = block_reduce<Threads>(rowMax, MaxOp());
    float sum = 0.0f;
    for (int j = threadIdx.x; j < Width; j += Threads)
    {
        row[j] = expf(row[j] - rowMax);
        sum += row[j];
    }
    const float inverse = 1.0f / block_reduce<Threads>(sum, SumOp());
    for (int j = threadIdx.x; j < Width; j += Threads) yr[j] = row[j] * inverse;
}

// gradient ← y ⊙ (gradient − Σ_j gradient_j y_j) per row, in place: turns the gradient at the
// softmax's output into the gradient at its input.
// Launch: grid Rows, block Threads (a multiple of 32), shared 0.
template <int Width, int Threads>
__device__ void softmax_backward(const float* y, float* gradient)
{
    const float* yr = y + blockIdx.x * Width;
    float* gr = gradient + blockIdx.x * Width;
    float dot = 0.0f;
    for (int j = threadIdx.x; j < Width; j += Threads) dot += gr[j] * yr[j];
    dot = block_reduce<Threads>(dot, SumOp());
    for (int j = threadIdx.x; j < Width; j += Threads) gr[j] = yr[j] * (gr[j] - dot);
}

}  // namespace cn
