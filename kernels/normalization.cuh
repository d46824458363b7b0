// normalization.cuh: local response and local contrast normalisation, and the noise layers' backward
// pass, as the C# NormalizationKernels.cs (same sums in the same order).
// Feature maps are [Batch, C, P] row-major (P = H·W, or L for 1-D maps). One thread per value or per
// position; no atomics, no shared memory.
#pragma once

#include "activations.cuh"

namespace cn {

// ---- Local response normalisation across channels (PyTorch's LocalResponseNorm) ----

// s_c = k + α/n Σ_{c' = c − ⌊n/2⌋}^{c + ⌊(n−1)/2⌋} x_{c'}² (outside channels are zeros); y = x s^(−β);
// scale = s for the backward pass.
// Launch: grid ⌈Batch·C·P/Threads⌉, block Threads (any), shared 0.
template <int Batch, int C, int P, int Size>
__device__ void lrn_forward(const float* __restrict__ x, float* __restrict__ y, float* __restrict__ scale,
    float alpha, float beta, float k)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= Batch * C * P) return;
    const int p = i % P, c = (i / P) % C, base = i - c * P - p;
    const int from = c - Size / 2 < 0 ? 0 : c - Size / 2, to = c + (Size - 1) / 2 > C - 1 ? C - 1 : c + (Size - 1) / 2;
    float sum = 0.0f;
    for (int j = from; j <= to; j++) { const float v = x[base + j * P + p]; sum += v * v; }
    const float s = k + (alpha / Size) * sum;
    scale[i] = s;
    y[i] = x[i] * powf(s, -beta);
}

// dPrev_j = (dy_j s_j^(−β) − 2αβ/n · x_j Σ_{c: j in window(c)} dy_c y_c / s_c) ⊙ f′_prev(x_j).
// Launch: grid ⌈Batch·C·P/Threads⌉, block Threads (any), shared 0.
template <int Batch, int C, int P, int Size, int ActPrev>
__device__ void lrn_backward(const float* __restrict__ dy, const float* __restrict__ x, const float* __restrict__ y,
    const float* __restrict__ scale, float* __restrict__ dPrev, float alpha, float beta, float slopePrev)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= Batch * C * P) return;
    const int p = i % P, j = (i / P) % C, base = i - j * P - p;
    const int from = j - (Size - 1) / 2 < 0 ? 0 : j - (Size - 1) / 2, to = j + Size / 2 > C - 1 ? C - 1 : j + Size / 2;
    float sum = 0.0f;
    for (int c = from; c <= to; c++) { const int at = base + c * P + p; sum += dy[at] * y[at] / scale[at]; }
    const float coefficient = 2.0f * alpha * beta / Size;
    dPrev[i] = (dy[i] * powf(scale[i], -beta) - coefficient * x[i] * sum) * derivative<ActPrev>(x[i], slopePrev);
}

// ---- Local contrast normalisation (Jarrett et al. 2009) over a WH×WW window across channels ----
// N = C·WH·WW; m = box(Σ_c x)/N, v = x − m, σ = √(box(Σ_c v²)/N), y = v / max(σ, ε). Planes are
// [Batch, H·W]; box(g)(i, j) sums g over the window centred on (i, j), zero outside.

template <int H, int W, int WH, int WW>
__device__ __forceinline__ float lcn_box(const float* __restrict__ plane, int p)
{
    const int i = p / W, j = p % W;
    const int r0 = i - WH / 2 < 0 ? 0 : i - WH / 2, r1 = i + WH / 2 > H - 1 ? H - 1 : i + WH / 2;
    const int s0 = j - WW / 2 < 0 ? 0 : j - WW / 2, s1 = j + WW / 2 > W - 1 ? W - 1 : j + WW / 2;
    float t = 0.0f;
    for (int r = r0; r <= r1; r++)
        for (int s = s0; s <= s1; s++) t += plane[r * W + s];
    return t;
}

// plane[b, p] = Σ_c x[b, c, p] (Square: Σ_c x²).
// Launch: grid ⌈Batch·H·W/Threads⌉, block Threads (any), shared 0.
template <int Batch, int C, int HW, bool Square>
__device__ void lcn_channel_sum(const float* __restrict__ x, float* __restrict__ plane)
{
    const int q = blockIdx.x * blockDim.x + threadIdx.x;
    if (q >= Batch * HW) return;
    const int b = q / HW, p = q % HW;
    float t = 0.0f;
    for (int c = 0; c < C; c++) { const float v = x[(b * C + c) * HW + p]; t += Square ? v * v : v; }
    plane[q] = t;
}

// out[b, p] = box(plane)/N (Root: its square root).
// Launch: grid ⌈Batch·H·W/Threads⌉, block Threads (any), shared 0.
template <int Batch, int C, int H, int W, int WH, int WW, bool Root>
__device__ void lcn_window_mean(const float* __restrict__ plane, float* __restrict__ out)
{
    const int q = blockIdx.x * blockDim.x + threadIdx.x;
    if (q >= Batch * H * W) return;
    const int b = q / (H * W), p = q % (H * W);
    const float m = lcn_box<H, W, WH, WW>(plane + b * H * W, p) * (1.0f / (C * WH * WW));
    out[q] = Root ? sqrtf(m) : m;
}

// centred = x − mean (per position).
// Launch: grid ⌈Batch·C·H·W/Threads⌉, block Threads (any), shared 0.
template <int Batch, int C, int HW>
__device__ void lcn_centre(const float* __restrict__ x, const float* __restrict__ mean, float* __restrict__ centred)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= Batch * C * HW) return;
    centred[i] = x[i] - mean[(i / (C * HW)) * HW + i % HW];
}

// y = v / max(σ, ε).
// Launch: grid ⌈Batch·C·H·W/Threads⌉, block Threads (any), shared 0.
template <int Batch, int C, int HW>
__device__ void lcn_divide(const float* __restrict__ centred, const float* __restrict__ sigma, float* __restrict__ y, float epsilon)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= Batch * C * HW) return;
    y[i] = centred[i] / fmaxf(sigma[(i / (C * HW)) * HW + i % HW], epsilon);
}

// Backward 1: work[b, p] = g_S = [σ > ε] (−Σ_c dy v / d²) / (2σ), d = max(σ, ε).
// Launch: grid ⌈Batch·H·W/Threads⌉, block Threads (any), shared 0.
template <int Batch, int C, int HW>
__device__ void lcn_backward_scale(const float* __restrict__ dy, const float* __restrict__ centred,
    const float* __restrict__ sigma, float* __restrict__ work, float epsilon)
{
    const int q = blockIdx.x * blockDim.x + threadIdx.x;
    if (q >= Batch * HW) return;
    const int b = q / HW, p = q % HW;
    const float s = sigma[q], d = fmaxf(s, epsilon);
    float t = 0.0f;
    for (int c = 0; c < C; c++) { const int at = (b * C + c) * HW + p; t += dy[at] * centred[at]; }
    work[q] = s > epsilon ? -t / (d * d) / (2.0f * s) : 0.0f;
}

// Backward 2: dPrev = g_v = dy/d + 2 v box(g_S)/N.
// Launch: grid ⌈Batch·C·H·W/Threads⌉, block Threads (any), shared 0.
template <int Batch, int C, int H, int W, int WH, int WW>
__device__ void lcn_backward_centred(const float* __restrict__ dy, const float* __restrict__ centred,
    const float* __restrict__ sigma, const float* __restrict__ work, float* __restrict__ dPrev, float epsilon)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= Batch * C * H * W) return;
    const int b = i / (C * H * W), p = i % (H * W);
    const float d = fmaxf(sigma[b * H * W + p], epsilon);
    const float box = lcn_box<H, W, WH, WW>(work + b * H * W, p) * (1.0f / (C * WH * WW));
    dPrev[i] = dy[i] / d + 2.0f * centred[i] * box;
}

// Backward 4 (after lcn_channel_sum of dPrev into work): dPrev = (dPrev − box(work)/N) ⊙ f′_prev(x).
// Launch: grid ⌈Batch·C·H·W/Threads⌉, block Threads (any), shared 0.
template <int Batch, int C, int H, int W, int WH, int WW, int ActPrev>
__device__ void lcn_backward_mean(const float* __restrict__ work, const float* __restrict__ x, float* __restrict__ dPrev, float slopePrev)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= Batch * C * H * W) return;
    const int b = i / (C * H * W), p = i % (H * W);
    const float box = lcn_box<H, W, WH, WW>(work + b * H * W, p) * (1.0f / (C * WH * WW));
    dPrev[i] = (dPrev[i] - box) * derivative<ActPrev>(x[i], slopePrev);
}

// ---- Noise layers: additive noise passes the gradient through ----

// dPrev = dy ⊙ f′_prev(yPrev).
// Launch: grid ⌈Count/Threads⌉, block Threads (any), shared 0.
template <int Count, int ActPrev>
__device__ void noise_pass_backward(const float* __restrict__ dy, const float* __restrict__ yPrev, float* __restrict__ dPrev, float slopePrev)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < Count) dPrev[i] = dy[i] * derivative<ActPrev>(yPrev[i], slopePrev);
}

}  // namespace cn
