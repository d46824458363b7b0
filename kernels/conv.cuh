// conv.cuh: 2-D convolution forward and backward, as PyTorch's Conv2d and the C# ConvKernels.cs
// (Conv1d is the same with InH = 1, KH = 1, StrideH = 1, PadH = 0), and the window geometry shared
// with pool.cuh.
//
// Layouts (PyTorch's): activations are NCHW float32, x [Batch, InC, InH, InW] and y, dz
// [Batch, OutC, OutH, OutW]; the layer's parameters are the weight [OutC, InC/Groups, KH, KW]
// then the bias [OutC]. OutH = ⌊(InH + 2·PadH − KH)/StrideH⌋ + 1 (likewise W); padding is zeros
// and may differ per dimension. Groups splits the channels into Groups independent convolutions:
// input channels [g·InC/Groups, (g+1)·InC/Groups) feed output channels [g·OutC/Groups,
// (g+1)·OutC/Groups); depthwise convolution is Groups = InC (OutC a multiple of InC). Input rows
// or columns that no window reaches (when the floor above drops a remainder) do not affect y and
// get a zero gradient.
//
// As in dense.cuh, the activation is fused in the forward epilogue (y = f(z)) and the previous
// layer's activation derivative, taken from its output yPrev, in the data-gradient epilogue;
// dz is the gradient at this layer's pre-activation z.
//
// All three passes are direct loops, one thread (or, for the weight gradient, one block) per value
// of the result: every sum has a fixed order and there are no atomics, so a step gives the same
// bits on every run. This is the simple, correct first version (small kernels, quick to compile);
// an implicit-GEMM tiling would be faster and must keep these semantics.
#pragma once

#include "activations.cuh"
#include "reduce.cuh"

namespace cn {

// The number of windows of size k and stride s over n values padded by p on both sides (floor, as
// PyTorch without ceil_mode). Requires n + 2p ≥ k.
__host__ __device__ constexpr int conv_output_size(int n, int k, int s, int p) { return (n + 2 * p - k) / s + 1; }

// The outputs o ∈ [lo, hi] (none when lo > hi) whose window [o·S − P, o·S − P + K) holds the input
// position i; for each, the tap is k = i + P − o·S ∈ [0, K). The backward passes gather over these
// (one thread per input value) instead of scattering from the outputs, so no two threads ever
// write the same value and no sum needs an atomic.
template <int K, int S, int P, int Out>
__device__ __forceinline__ void windows_containing(int i, int& lo, int& hi)
{
    const int first = i + P - K + 1;  // o·S − P + K − 1 ≥ i: the window reaches i
    lo = first <= 0 ? 0 : (first + S - 1) / S;
    hi = (i + P) / S;  // o·S − P ≤ i: the window starts at or before i
    if (hi > Out - 1) hi = Out - 1;
}

// The taps k ∈ [lo, hi) of a window starting at `start` (= o·S − P) that fall inside [0, N): the
// others are padding.
template <int K, int N>
__device__ __forceinline__ void taps_inside(int start, int& lo, int& hi)
{
    lo = start < 0 ? -start : 0;
    hi = N - start < K ? N - start : K;
}

// g · f′_prev(yPrev[at]): the data-gradient epilogue. Linear needs no derivative and no read of
// yPrev (which may then be any pointer, e.g. null for the first layer's input).
template <int ActPrev>
__device__ __forceinline__ float times_derivative(float g, const float* __restrict__ yPrev, int at, float slopePrev)
{
    if constexpr (ActPrev == kLinear) return g;
    else return g * derivative<ActPrev>(yPrev[at], slopePrev);
}

// The shape rules every conv block checks at compile time.
template <int InC, int InH, int InW, int OutC, int KH, int KW, int StrideH, int StrideW, int PadH, int PadW, int Groups>
__device__ __forceinline__ void conv_shape_checks()
{
    static_assert(InC >= 1 && OutC >= 1 && KH >= 1 && KW >= 1 && StrideH >= 1 && StrideW >= 1 && PadH >= 0 && PadW >= 0,
        "positive sizes and strides, non-negative padding");
    static_assert(Groups >= 1 && InC % Groups == 0 && OutC % Groups == 0, "Groups divides both channel counts");
    static_assert(InH + 2 * PadH >= KH && InW + 2 * PadW >= KW, "the kernel fits in the padded input");
}

// y[n, oc, oh, ow] = f(bias[oc] + Σ_{c, kh, kw} x[n, g·InC/G + c, oh·Sh − Ph + kh, ow·Sw − Pw + kw]
// · w[oc, c, kh, kw]), g = oc / (OutC/G), taps in the padding skipped (zeros); sum order c, kh, kw.
// One thread per output value, ow fastest: a warp writes consecutive outputs, reads neighbouring
// inputs and mostly one output channel's weights (the same address: a broadcast).
// Launch: grid ⌈Batch·OutC·OutH·OutW/Threads⌉, block Threads (any), shared 0.
// HasBias = false skips the bias (bias may then be null): a transposed convolution's data gradient.
template <int Batch, int InC, int InH, int InW, int OutC, int KH, int KW, int StrideH, int StrideW, int PadH, int PadW,
    int Groups, int Act, bool HasBias = true>
__device__ void conv2d_forward(const float* __restrict__ x, const float* __restrict__ w, const float* __restrict__ bias,
    float* __restrict__ y, float slope)
{
    conv_shape_checks<InC, InH, InW, OutC, KH, KW, StrideH, StrideW, PadH, PadW, Groups>();
    constexpr int OutH = conv_output_size(InH, KH, StrideH, PadH), OutW = conv_output_size(InW, KW, StrideW, PadW);
    constexpr int GroupIn = InC / Groups, GroupOut = OutC / Groups;
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= Batch * OutC * OutH * OutW) return;
    const int ow = i % OutW, oh = (i / OutW) % OutH, oc = (i / (OutW * OutH)) % OutC, n = i / (OutW * OutH * OutC);
    const int h0 = oh * StrideH - PadH, w0 = ow * StrideW - PadW;
    int khLo, khHi, kwLo, kwHi;
    taps_inside<KH, InH>(h0, khLo, khHi);
    taps_inside<KW, InW>(w0, kwLo, kwHi);
    const int icFirst = (oc / GroupOut) * GroupIn;
    float acc = 0.0f;
    for (int c = 0; c < GroupIn; ++c)
    {
        const int xAt = ((n * InC + icFirst + c) * InH + h0) * InW + w0;  // x[n, ic, h0, w0], possibly in the padding
        const int wAt = (oc * GroupIn + c) * KH * KW;
        for (int kh = khLo; kh < khHi; ++kh)
            for (int kw = kwLo; kw < kwHi; ++kw) acc += x[xAt + kh * InW + kw] * w[wAt + kh * KW + kw];
    }
    if constexpr (HasBias) acc += bias[oc];
    y[i] = activate<Act>(acc, slope);
}

// dW[oc, c, kh, kw] = Σ_{n, oh, ow} dz[n, oc, oh, ow] · x[n, g·InC/G + c, oh·Sh − Ph + kh, ow·Sw − Pw + kw]
// (taps in the padding contribute nothing) and db[oc] = Σ_{n, oh, ow} dz[n, oc, oh, ow], both
// added to dw and db (the gradient arena is zeroed once per step; thread 0 of the value's one block
// is its only writer, so no atomic). One block per weight, blockIdx.x = (c·KH + kh)·KW + kw and
// blockIdx.y = oc, plus one more column of blocks, blockIdx.x = InC/G·KH·KW, for the bias. A
// block's threads stride over the Batch·OutH·OutW positions (consecutive threads on consecutive ow,
// so the dz reads coalesce), each summing its positions in order, then block_reduce: the order of
// every sum is fixed by Threads, with no atomics.
// Launch: grid (InC/Groups·KH·KW + 1, OutC), block Threads (a multiple of 32), shared 0.
template <int Batch, int InC, int InH, int InW, int OutC, int KH, int KW, int StrideH, int StrideW, int PadH, int PadW,
    int Groups, int Threads>
__device__ void conv2d_weight_gradient(const float* __restrict__ dz, const float* __restrict__ x,
    float* __restrict__ dw, float* __restrict__ db)
{
    conv_shape_checks<InC, InH, InW, OutC, KH, KW, StrideH, StrideW, PadH, PadW, Groups>();
    constexpr int OutH = conv_output_size(InH, KH, StrideH, PadH), OutW = conv_output_size(InW, KW, StrideW, PadW);
    constexpr int GroupIn = InC / Groups, GroupOut = OutC / Groups, Taps = GroupIn * KH * KW;
    constexpr int Plane = OutH * OutW, Positions = Batch * Plane;
    const int r = blockIdx.x, oc = blockIdx.y;
    float sum = 0.0f;
    if (r == Taps)  // the bias column (uniform per block: every thread still reaches block_reduce)
    {
        for (int p = threadIdx.x; p < Positions; p += Threads)
        {
            const int n = p / Plane, at = p % Plane;
            sum += dz[(n * OutC + oc) * Plane + at];
        }
    }
    else
    {
        const int c = r / (KH * KW), kh = (r / KW) % KH, kw = r % KW;
        const int ic = (oc / GroupOut) * GroupIn + c;
        for (int p = threadIdx.x; p < Positions; p += Threads)
        {
            const int n = p / Plane, oh = (p % Plane) / OutW, ow = p % OutW;
            const int ih = oh * StrideH - PadH + kh, iw = ow * StrideW - PadW + kw;
            if (ih >= 0 && ih < InH && iw >= 0 && iw < InW)
                sum += dz[((n * OutC + oc) * OutH + oh) * OutW + ow] * x[((n * InC + ic) * InH + ih) * InW + iw];
        }
    }
    sum = block_reduce<Threads>(sum, SumOp());
    if (threadIdx.x == 0)
    {
        if (r == Taps) db[oc] += sum;
        else dw[oc * Taps + r] += sum;
    }
}

// dzPrev[n, ic, ih, iw] = f′_prev(yPrev[n, ic, ih, iw]) · Σ dz[n, oc, oh, ow] · w[oc, ic − g·InC/G, kh, kw]
// over the output channels oc of ic's group and the outputs (oh, ow) whose windows hold (ih, iw),
// at taps kh = ih + Ph − oh·Sh, kw = iw + Pw − ow·Sw; sum order oc, oh, ow. One thread per INPUT
// value gathers (windows_containing) rather than each output scattering into its window: no two
// threads write the same value, so no atomics, and the order is fixed. Positions no window reaches
// get 0.
//
// This is also the forward pass of the transposed convolution (PyTorch's ConvTranspose2d, before
// its bias and activation) from [Batch, OutC, OutH, OutW] to [Batch, InC, InH, InW] with the same
// stride, padding, groups and weight tensor: ConvTranspose2d's weight [in, out/groups, kH, kW] is
// this layer's [OutC, InC/Groups, KH, KW], and its output size (OutH − 1)·Sh − 2·Ph + KH +
// output_padding is InH here (output_padding being the remainder the forward's floor drops).
// Conversely the transposed layer's data gradient is conv2d_forward (zero bias, linear), and its
// weight gradient conv2d_weight_gradient with dz ← its input and x ← its output gradient (whose db
// is then not its bias gradient: it is added to a discarded scratch slot).
// Launch: grid ⌈Batch·InC·InH·InW/Threads⌉, block Threads (any), shared 0.
template <int Batch, int InC, int InH, int InW, int OutC, int KH, int KW, int StrideH, int StrideW, int PadH, int PadW,
    int Groups, int ActPrev>
__device__ void conv2d_input_gradient(const float* __restrict__ dz, const float* __restrict__ w,
    const float* __restrict__ yPrev, float* __restrict__ dzPrev, float slopePrev)
{
    conv_shape_checks<InC, InH, InW, OutC, KH, KW, StrideH, StrideW, PadH, PadW, Groups>();
    constexpr int OutH = conv_output_size(InH, KH, StrideH, PadH), OutW = conv_output_size(InW, KW, StrideW, PadW);
    constexpr int GroupIn = InC / Groups, GroupOut = OutC / Groups;
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= Batch * InC * InH * InW) return;
    const int iw = i % InW, ih = (i / InW) % InH, ic = (i / (InW * InH)) % InC, n = i / (InW * InH * InC);
    int ohLo, ohHi, owLo, owHi;
    windows_containing<KH, StrideH, PadH, OutH>(ih, ohLo, ohHi);
    windows_containing<KW, StrideW, PadW, OutW>(iw, owLo, owHi);
    const int group = ic / GroupIn, c = ic % GroupIn;
    float acc = 0.0f;
    for (int oc = group * GroupOut; oc < (group + 1) * GroupOut; ++oc)
    {
        const int dzAt = (n * OutC + oc) * OutH * OutW;
        const int wAt = (oc * GroupIn + c) * KH * KW;
        for (int oh = ohLo; oh <= ohHi; ++oh)
        {
            const int kh = ih + PadH - oh * StrideH;
            for (int ow = owLo; ow <= owHi; ++ow)
                acc += dz[dzAt + oh * OutW + ow] * w[wAt + kh * KW + (iw + PadW - ow * StrideW)];
        }
    }
    dzPrev[i] = times_derivative<ActPrev>(acc, yPrev, i, slopePrev);
}

}  // namespace cn
