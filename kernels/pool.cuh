// pool.cuh: max and average pooling, global average pooling and max unpooling over NCHW float32,
// as PyTorch's MaxPool2d (return_indices), AvgPool2d (count_include_pad = True, its default),
// AdaptiveAvgPool2d(1) and MaxUnpool2d, and as the C# PoolKernels.cs. Uses conv.cuh's window
// geometry.
//
// x [Batch, C, InH, InW] → y [Batch, C, OutH, OutW] per channel plane, OutH = ⌊(InH + 2·PadH −
// KH)/StrideH⌋ + 1 (floor: no ceil_mode; likewise W). As PyTorch requires, the padding is at most
// half the kernel, so every window holds at least one real value and never reaches past the padded
// input. The backward passes take dy, the gradient at the pooling's output, and write dPrev, the
// gradient at the previous layer's pre-activation: f′_prev(yPrev) is fused in their epilogue as in
// dense_input_gradient (ActPrev = kLinear reads no yPrev). Pooling has no activation of its own.
//
// Switches: maxpool2d_forward also writes, per output, the index of its maximum within the input
// channel plane, ih·InW + iw (PyTorch's return_indices convention), as int; an arena of floats can
// hold them (reinterpret_cast: both 4 bytes) since nothing reads them as floats. They are what
// maxpool2d_backward routes dy with and where max_unpool2d_forward places values.
//
// Every backward gathers, one thread per INPUT value, from the outputs whose windows hold it
// (conv.cuh's windows_containing), in (oh, ow) order: with overlapping windows (stride < kernel)
// several outputs can route to the same input, and a per-output scatter would race or need float
// atomics, whose order is not fixed. So no block here has an atomic and every result is the same
// bits on every run.
#pragma once

#include "activations.cuh"
#include "conv.cuh"
#include "reduce.cuh"

namespace cn {

// The shape rules every pooling block checks at compile time.
template <int InH, int InW, int KH, int KW, int StrideH, int StrideW, int PadH, int PadW>
__device__ __forceinline__ void pool_shape_checks()
{
    static_assert(KH >= 1 && KW >= 1 && StrideH >= 1 && StrideW >= 1, "positive kernel and stride");
    static_assert(PadH >= 0 && PadW >= 0 && 2 * PadH <= KH && 2 * PadW <= KW, "padding at most half the kernel (as PyTorch)");
    static_assert(InH + 2 * PadH >= KH && InW + 2 * PadW >= KW, "the kernel fits in the padded input");
}

// Σ dy[plane, oh, ow] over the outputs whose window holds (ih, iw) and whose switch is that
// position, in (oh, ow) order: maxpool2d_backward and max_unpool2d_forward (which differ only in
// the epilogue). `plane` is n·C + c.
template <int InH, int InW, int KH, int KW, int StrideH, int StrideW, int PadH, int PadW>
__device__ __forceinline__ float gather_switched(const float* __restrict__ dy, const int* __restrict__ switches,
    int plane, int ih, int iw)
{
    constexpr int OutH = conv_output_size(InH, KH, StrideH, PadH), OutW = conv_output_size(InW, KW, StrideW, PadW);
    int ohLo, ohHi, owLo, owHi;
    windows_containing<KH, StrideH, PadH, OutH>(ih, ohLo, ohHi);
    windows_containing<KW, StrideW, PadW, OutW>(iw, owLo, owHi);
    const int self = ih * InW + iw, at = plane * OutH * OutW;
    float acc = 0.0f;
    for (int oh = ohLo; oh <= ohHi; ++oh)
        for (int ow = owLo; ow <= owHi; ++ow)
            if (switches[at + oh * OutW + ow] == self) acc += dy[at + oh * OutW + ow];
    return acc;
}

// y[n, c, oh, ow] = max over the window's real values (the padding is −∞: it never wins), and
// switches[n, c, oh, ow] = its position ih·InW + iw in the plane. Scan order kh, kw; the first
// maximum wins ties (strict >, as PyTorch and PoolKernels.cs: after a ReLU whole windows of zeros
// are common), and a NaN wins and propagates (as PyTorch; PoolKernels.cs's MaxForward lets a NaN
// win only as the window's first value).
// Launch: grid ⌈Batch·C·OutH·OutW/Threads⌉, block Threads (any), shared 0.
template <int Batch, int C, int InH, int InW, int KH, int KW, int StrideH, int StrideW, int PadH, int PadW>
__device__ void maxpool2d_forward(const float* __restrict__ x, float* __restrict__ y, int* __restrict__ switches)
{
    pool_shape_checks<InH, InW, KH, KW, StrideH, StrideW, PadH, PadW>();
    constexpr int OutH = conv_output_size(InH, KH, StrideH, PadH), OutW = conv_output_size(InW, KW, StrideW, PadW);
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= Batch * C * OutH * OutW) return;
    const int ow = i % OutW, oh = (i / OutW) % OutH, plane = i / (OutW * OutH);
    const int h0 = oh * StrideH - PadH, w0 = ow * StrideW - PadW;
    int khLo, khHi, kwLo, kwHi;
    taps_inside<KH, InH>(h0, khLo, khHi);
    taps_inside<KW, InW>(w0, kwLo, kwHi);
    const float* __restrict__ xp = x + plane * InH * InW;
    int best = (h0 + khLo) * InW + w0 + kwLo;  // the window's first real value (there is one)
    float bestValue = xp[best];
    for (int kh = khLo; kh < khHi; ++kh)
        for (int kw = kwLo; kw < kwHi; ++kw)
        {
            const int at = (h0 + kh) * InW + w0 + kw;
            const float v = xp[at];
            if (v > bestValue || v != v)  // v != v: NaN
            {
                bestValue = v;
                best = at;
            }
        }
    y[i] = bestValue;
    switches[i] = best;
}

// dPrev[n, c, ih, iw] = f′_prev(yPrev[n, c, ih, iw]) · Σ dy[n, c, oh, ow] over the outputs whose
// switch is (ih, iw): the gather of gather_switched, one thread per input value (0 where no output
// chose it).
// Launch: grid ⌈Batch·C·InH·InW/Threads⌉, block Threads (any), shared 0.
template <int Batch, int C, int InH, int InW, int KH, int KW, int StrideH, int StrideW, int PadH, int PadW, int ActPrev>
__device__ void maxpool2d_backward(const float* __restrict__ dy, const int* __restrict__ switches,
    const float* __restrict__ yPrev, float* __restrict__ dPrev, float slopePrev)
{
    pool_shape_checks<InH, InW, KH, KW, StrideH, StrideW, PadH, PadW>();
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= Batch * C * InH * InW) return;
    const int iw = i % InW, ih = (i / InW) % InH, plane = i / (InW * InH);
    const float g = gather_switched<InH, InW, KH, KW, StrideH, StrideW, PadH, PadW>(dy, switches, plane, ih, iw);
    dPrev[i] = times_derivative<ActPrev>(g, yPrev, i, slopePrev);
}

// y[n, c, oh, ow] = (Σ of the window's real values) · 1/(KH·KW): count_include_pad = True, the
// padding counts as zeros (the window never extends past the padded input, so the divisor is always
// the full kernel). Sum order kh, kw, then the product with the float 1/(KH·KW), as PoolKernels.cs.
// Launch: grid ⌈Batch·C·OutH·OutW/Threads⌉, block Threads (any), shared 0.
template <int Batch, int C, int InH, int InW, int KH, int KW, int StrideH, int StrideW, int PadH, int PadW>
__device__ void avgpool2d_forward(const float* __restrict__ x, float* __restrict__ y)
{
    pool_shape_checks<InH, InW, KH, KW, StrideH, StrideW, PadH, PadW>();
    constexpr int OutH = conv_output_size(InH, KH, StrideH, PadH), OutW = conv_output_size(InW, KW, StrideW, PadW);
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= Batch * C * OutH * OutW) return;
    const int ow = i % OutW, oh = (i / OutW) % OutH, plane = i / (OutW * OutH);
    const int h0 = oh * StrideH - PadH, w0 = ow * StrideW - PadW;
    int khLo, khHi, kwLo, kwHi;
    taps_inside<KH, InH>(h0, khLo, khHi);
    taps_inside<KW, InW>(w0, kwLo, kwHi);
    const int xAt = (plane * InH + h0) * InW + w0;  // x[plane, h0, w0], possibly in the padding
    float sum = 0.0f;
    for (int kh = khLo; kh < khHi; ++kh)
        for (int kw = kwLo; kw < kwHi; ++kw) sum += x[xAt + kh * InW + kw];
    y[i] = sum * (1.0f / static_cast<float>(KH * KW));
}

// dPrev[n, c, ih, iw] = f′_prev(yPrev[n, c, ih, iw]) · Σ dy[n, c, oh, ow] · 1/(KH·KW) over the windows
// holding (ih, iw), one thread per input value gathering in (oh, ow) order: the shares and their
// order of PoolKernels.cs's scatter.
// Launch: grid ⌈Batch·C·InH·InW/Threads⌉, block Threads (any), shared 0.
template <int Batch, int C, int InH, int InW, int KH, int KW, int StrideH, int StrideW, int PadH, int PadW, int ActPrev>
__device__ void avgpool2d_backward(const float* __restrict__ dy, const float* __restrict__ yPrev, float* __restrict__ dPrev,
    float slopePrev)
{
    pool_shape_checks<InH, InW, KH, KW, StrideH, StrideW, PadH, PadW>();
    constexpr int OutH = conv_output_size(InH, KH, StrideH, PadH), OutW = conv_output_size(InW, KW, StrideW, PadW);
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= Batch * C * InH * InW) return;
    const int iw = i % InW, ih = (i / InW) % InH, plane = i / (InW * InH);
    int ohLo, ohHi, owLo, owHi;
    windows_containing<KH, StrideH, PadH, OutH>(ih, ohLo, ohHi);
    windows_containing<KW, StrideW, PadW, OutW>(iw, owLo, owHi);
    const int at = plane * OutH * OutW;
    constexpr float inverse = 1.0f / static_cast<float>(KH * KW);
    float sum = 0.0f;
    for (int oh = ohLo; oh <= ohHi; ++oh)
        for (int ow = owLo; ow <= owHi; ++ow) sum += dy[at + oh * OutW + ow] * inverse;
    dPrev[i] = times_derivative<ActPrev>(sum, yPrev, i, slopePrev);
}

// y[n, c] = mean of the H·W plane x[n, c, ·, ·] (AdaptiveAvgPool2d(1) then flatten: y is [Batch, C],
// the layout dense.cuh takes). One block per plane: its threads stride over the plane (coalesced),
// then block_reduce, so the sum order is fixed by Threads.
// Launch: grid Batch·C, block Threads (a multiple of 32), shared 0.
template <int Batch, int C, int H, int W, int Threads>
__device__ void global_avgpool_forward(const float* __restrict__ x, float* __restrict__ y)
{
    static_assert(Batch >= 1 && C >= 1 && H >= 1 && W >= 1, "positive sizes");
    const int plane = blockIdx.x;  // < Batch·C by the launch: uniform per block, so no bounds check before the barriers
    const float* __restrict__ xp = x + plane * H * W;
    float sum = 0.0f;
    for (int j = threadIdx.x; j < H * W; j += Threads) sum += xp[j];
    sum = block_reduce<Threads>(sum, SumOp());
    if (threadIdx.x == 0) y[plane] = sum / static_cast<float>(H * W);
}

// dPrev[n, c, h, w] = f′_prev(yPrev[n, c, h, w]) · dy[n, c] / (H·W).
// Launch: grid ⌈Batch·C·H·W/Threads⌉, block Threads (any), shared 0.
template <int Batch, int C, int H, int W, int ActPrev>
__device__ void global_avgpool_backward(const float* __restrict__ dy, const float* __restrict__ yPrev, float* __restrict__ dPrev,
    float slopePrev)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= Batch * C * H * W) return;
    dPrev[i] = times_derivative<ActPrev>(dy[i / (H * W)] / static_cast<float>(H * W), yPrev, i, slopePrev);
}

// Max unpooling (SegNet's decoder, PyTorch's MaxUnpool2d): from pooled values x [Batch, C, OutH,
// OutW] and the switches of the maxpool2d_forward with the same geometry (InH, InW, KH, KW, strides,
// padding: the unpooled size is that pooling's input size), y [Batch, C, InH, InW] holds each value
// at its switch and zeros elsewhere. One thread per unpooled value gathers, like maxpool2d_backward
// (it is the same sum: unpooling is the adjoint of the pooling's selection). With overlapping windows
// two pooled values can share a switch: they are summed here, deterministically, where PyTorch keeps
// one of them (nondeterministically on CUDA); without overlap (stride ≥ kernel, the usual case) the
// two agree. Switches must lie in their window (as maxpool2d_forward's do); others are ignored.
// Launch: grid ⌈Batch·C·InH·InW/Threads⌉, block Threads (any), shared 0.
template <int Batch, int C, int InH, int InW, int KH, int KW, int StrideH, int StrideW, int PadH, int PadW>
__device__ void max_unpool2d_forward(const float* __restrict__ x, const int* __restrict__ switches, float* __restrict__ y)
{
    pool_shape_checks<InH, InW, KH, KW, StrideH, StrideW, PadH, PadW>();
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= Batch * C * InH * InW) return;
    const int iw = i % InW, ih = (i / InW) % InH, plane = i / (InW * InH);
    y[i] = gather_switched<InH, InW, KH, KW, StrideH, StrideW, PadH, PadW>(x, switches, plane, ih, iw);
}

// dPrev[n, c, oh, ow] = f′_prev(yPrev[n, c, oh, ow]) · dy[n, c, switch]: max_unpool2d_forward's
// gradient, dy [Batch, C, InH, InW] read at each pooled value's switch; yPrev and dPrev are pooled
// sized, [Batch, C, OutH, OutW].
// Launch: grid ⌈Batch·C·OutH·OutW/Threads⌉, block Threads (any), shared 0.
template <int Batch, int C, int InH, int InW, int KH, int KW, int StrideH, int StrideW, int PadH, int PadW, int ActPrev>
__device__ void max_unpool2d_backward(const float* __restrict__ dy, const int* __restrict__ switches,
    const float* __restrict__ yPrev, float* __restrict__ dPrev, float slopePrev)
{
    pool_shape_checks<InH, InW, KH, KW, StrideH, StrideW, PadH, PadW>();
    constexpr int OutH = conv_output_size(InH, KH, StrideH, PadH), OutW = conv_output_size(InW, KW, StrideW, PadW);
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= Batch * C * OutH * OutW) return;
    const int plane = i / (OutH * OutW);
    dPrev[i] = times_derivative<ActPrev>(dy[plane * InH * InW + switches[i]], yPrev, i, slopePrev);
}

}  // namespace cn
