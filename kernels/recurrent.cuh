// recurrent.cuh: SimpleRnn, LSTM (with or without peepholes) and GRU unrolled over T steps, the math of the C#
// RecurrentKernels.cs (PyTorch's gate orders i, f, g, o and r, z, n; b_hn inside the reset product).
//
// Parameters, one block per layer: W_ih [G, I], W_hh [G, H], peepholes [3H] (i, f, o; LSTM with peepholes only),
// b_ih [G], b_hh [G], G = gates · H. Sequences are batch-first [b][t][·].
//
// One block per sample runs the recurrence: each thread owns hidden units j (strided by blockDim.x) and computes all
// their gates from x_t and h_{t−1}, then the block synchronises before the next step reads h_t. The scratch (per sample,
// `Width` floats) keeps gates[T][G], states h_0…h_T and (LSTM) cells c_0…c_T, (GRU) W_hn h + b_hn [T][H]. Backward writes
// every step's gate gradients per sample; the weight gradients are then one thread per weight, summing over the samples
// and steps in a fixed order (no atomics).
#pragma once

#include "activations.cuh"

namespace cn {

enum RecurrentCell : int { kRnnTanh = 0, kRnnReLU = 1, kLstm = 2, kLstmPeephole = 3, kGru = 4 };

template <int Cell> struct recurrent_traits
{
    static constexpr bool lstm = Cell == kLstm || Cell == kLstmPeephole;
    static constexpr bool peephole = Cell == kLstmPeephole;
    static constexpr bool gru = Cell == kGru;
    static constexpr int gates = lstm ? 4 : gru ? 3 : 1;
};

__device__ __forceinline__ float recurrent_sigmoid(float z) { return 1.0f / (1.0f + expf(-z)); }

// Offsets in one sample's forward scratch.
template <int Cell, int T, int H>
struct recurrent_layout
{
    static constexpr int G = recurrent_traits<Cell>::gates * H;
    static constexpr int gates = 0;
    static constexpr int states = gates + T * G;
    static constexpr int cells = states + (T + 1) * H;
    static constexpr int hidden_n = cells + (recurrent_traits<Cell>::lstm ? (T + 1) * H : 0);
    static constexpr int end = hidden_n + (recurrent_traits<Cell>::gru ? T * H : 0);
};

// The forward pass of sample blockIdx.x. Launch: grid batch, block min(H, 256), shared 0.
// Given > 0: the initial state is another layer's output per sample, `given` [batch, Given]: h_0, then c_0 when Given = 2H.
template <int Cell, int T, int I, int H, bool Sequences, int Width, int Given = 0>
__device__ void recurrent_forward(const float* __restrict__ x, const float* __restrict__ p, float* __restrict__ scratch,
    float* __restrict__ out, float leak, const float* __restrict__ given = nullptr)
{
    using R = recurrent_traits<Cell>;
    using L = recurrent_layout<Cell, T, H>;
    constexpr int G = L::G;
    static_assert(L::end <= Width, "the recurrent scratch is too small");
    const float* w_ih = p;
    const float* w_hh = w_ih + G * I;
    const float* peep = w_hh + G * H;
    const float* b_ih = peep + (R::peephole ? 3 * H : 0);
    const float* b_hh = b_ih + G;
    const int s = blockIdx.x;
    float* z = scratch + s * Width;
    const float* xs = x + s * T * I;

    for (int j = threadIdx.x; j < H; j += blockDim.x)
    {
        z[L::states + j] = Given > 0 ? given[s * Given + j] : 0.0f;
        if constexpr (R::lstm) z[L::cells + j] = Given == 2 * H ? given[s * Given + H + j] : 0.0f;
    }
    __syncthreads();
    for (int t = 0; t < T; ++t)
    {
        const float* xt = xs + t * I;
        const float* hp = z + L::states + t * H;
        float* h = z + L::states + (t + 1) * H;
        float* gt = z + L::gates + t * G;
        for (int j = threadIdx.x; j < H; j += blockDim.x)
        {
            // Both products of each of the unit's gates, in the C# order (bias, then the sum).
            float zx[R::gates], zh[R::gates];
            for (int k = 0; k < R::gates; ++k)
            {
                const int row = k * H + j;
                float a = 0.0f, b = 0.0f;
                for (int i = 0; i < I; ++i) a += w_ih[row * I + i] * xt[i];
                for (int m = 0; m < H; ++m) b += w_hh[row * H + m] * hp[m];
                zx[k] = a + b_ih[row];
                zh[k] = b + b_hh[row];
            }
            if constexpr (R::lstm)
            {
                const float cp = z[L::cells + t * H + j];
                float zi = zx[0] + zh[0], zf = zx[1] + zh[1];
                if constexpr (R::peephole) { zi += peep[j] * cp; zf += peep[H + j] * cp; }
                const float ig = recurrent_sigmoid(zi), fg = recurrent_sigmoid(zf), gg = tanhf(zx[2] + zh[2]);
                const float c = fg * cp + ig * gg;
                float zo = zx[3] + zh[3];
                if constexpr (R::peephole) zo += peep[2 * H + j] * c;
                const float og = recurrent_sigmoid(zo);
                gt[j] = ig; gt[H + j] = fg; gt[2 * H + j] = gg; gt[3 * H + j] = og;
                z[L::cells + (t + 1) * H + j] = c;
                h[j] = og * tanhf(c);
            }
            else if constexpr (R::gru)
            {
                const float r = recurrent_sigmoid(zx[0] + zh[0]), u = recurrent_sigmoid(zx[1] + zh[1]);
                const float n = tanhf(zx[2] + r * zh[2]);
                gt[j] = r; gt[H + j] = u; gt[2 * H + j] = n;
                z[L::hidden_n + t * H + j] = zh[2];
                h[j] = (1.0f - u) * n + u * hp[j];
            }
            else
            {
                const float pre = zx[0] + zh[0];
                const float a = Cell == kRnnReLU ? (pre > 0.0f ? pre : 0.0f) : tanhf(pre);
                gt[j] = a;
                h[j] = leak == 1.0f ? a : (1.0f - leak) * hp[j] + leak * a;
            }
        }
        __syncthreads();
    }
    for (int j = threadIdx.x; j < H; j += blockDim.x)
    {
        if constexpr (Sequences)
            for (int t = 0; t < T; ++t) out[(s * T + t) * H + j] = z[L::states + (t + 1) * H + j];
        else
            out[s * H + j] = z[L::states + T * H + j];
    }
}

// Backpropagation through time for sample blockIdx.x: writes the gradients at every step's gate pre-activations,
// dgates[T][G] and (GRU, at W_hh h + b_hh) dhidden[T][G], to the sample's backward scratch (`Width` floats:
// dgates then dhidden). Launch: grid batch, block min(H, 256), shared 0 (static 3·H floats).
// Given > 0: also writes the gradient at the given initial state, dgiven [batch, Given] = (dh_0[, dc_0]) · f′_given(given).
template <int Cell, int T, int I, int H, bool Sequences, int Width, int Given = 0, int ActGiven = 0>
__device__ void recurrent_backward(const float* __restrict__ p, const float* __restrict__ scratch, const float* __restrict__ dout,
    float* __restrict__ back, float leak, float* __restrict__ dgiven = nullptr, const float* __restrict__ given = nullptr, float givenSlope = 0.0f)
{
    using R = recurrent_traits<Cell>;
    using L = recurrent_layout<Cell, T, H>;
    constexpr int G = L::G;
    static_assert(T * G * (R::gru ? 2 : 1) <= Width, "the recurrent backward scratch is too small");
    const float* w_hh = p + G * I;
    const float* peep = w_hh + G * H;
    const int s = blockIdx.x;
    const float* z = scratch + s * Width;
    float* dg = back + s * Width;
    float* dhh = R::gru ? dg + T * G : dg;
    __shared__ float dh[H], dc[H], direct[H];

    for (int j = threadIdx.x; j < H; j += blockDim.x) { dh[j] = 0.0f; dc[j] = 0.0f; }
    __syncthreads();
    for (int t = T - 1; t >= 0; --t)
    {
        const float* gt = z + L::gates + t * G;
        float* dgt = dg + t * G;
        float* dht = dhh + t * G;
        for (int j = threadIdx.x; j < H; j += blockDim.x)
        {
            float d = dh[j];
            if constexpr (Sequences) d += dout[(s * T + t) * H + j];
            else if (t == T - 1) d += dout[s * H + j];
            if constexpr (R::lstm)
            {
                const float ig = gt[j], fg = gt[H + j], gg = gt[2 * H + j], og = gt[3 * H + j];
                const float c = z[L::cells + (t + 1) * H + j], cp = z[L::cells + t * H + j];
                const float tc = tanhf(c);
                const float dzo = d * tc * og * (1.0f - og);
                float dct = dc[j] + d * og * (1.0f - tc * tc);
                if constexpr (R::peephole) dct += dzo * peep[2 * H + j];
                const float dzi = dct * gg * ig * (1.0f - ig);
                const float dzf = dct * cp * fg * (1.0f - fg);
                const float dzg = dct * ig * (1.0f - gg * gg);
                dgt[j] = dzi; dgt[H + j] = dzf; dgt[2 * H + j] = dzg; dgt[3 * H + j] = dzo;
                float dcp = dct * fg;
                if constexpr (R::peephole) dcp += dzi * peep[j] + dzf * peep[H + j];
                dc[j] = dcp;
                direct[j] = 0.0f;
            }
            else if constexpr (R::gru)
            {
                const float r = gt[j], u = gt[H + j], n = gt[2 * H + j];
                const float hp = z[L::states + t * H + j], hn = z[L::hidden_n + t * H + j];
                const float dzn = d * (1.0f - u) * (1.0f - n * n);
                const float dzz = d * (hp - n) * u * (1.0f - u);
                const float dzr = dzn * hn * r * (1.0f - r);
                dgt[j] = dzr; dgt[H + j] = dzz; dgt[2 * H + j] = dzn;
                dht[j] = dzr; dht[H + j] = dzz; dht[2 * H + j] = dzn * r;
                direct[j] = d * u;
            }
            else
            {
                const float a = gt[j];
                dgt[j] = leak * d * (Cell == kRnnReLU ? (a > 0.0f ? 1.0f : 0.0f) : 1.0f - a * a);
                direct[j] = d * (1.0f - leak);
            }
        }
        __syncthreads();
        // dh_{t−1} = direct + Σ_rows dgates_hh[row] W_hh[row, j], over every unit's gates (hence the barrier above).
        for (int j = threadIdx.x; j < H; j += blockDim.x)
        {
            float sum = 0.0f;
            for (int row = 0; row < G; ++row) sum += dht[row] * w_hh[row * H + j];
            dh[j] = direct[j] + sum;
        }
        __syncthreads();
    }
    if constexpr (Given > 0)
        for (int j = threadIdx.x; j < H; j += blockDim.x)
        {
            const int at = s * Given + j;
            dgiven[at] = ActGiven == kLinear ? dh[j] : dh[j] * derivative<ActGiven>(given[at], givenSlope);
            if constexpr (Given == 2 * H)
                dgiven[at + H] = ActGiven == kLinear ? dc[j] : dc[j] * derivative<ActGiven>(given[at + H], givenSlope);
        }
}

// Adds the parameter gradients, one thread per parameter (grid ⌈count/256⌉, block 256): W_ih, W_hh, peepholes, b_ih,
// b_hh, each a sum over the samples then the steps of the backward scratch's gate gradients.
template <int Cell, int Batch, int T, int I, int H, int Width>
__device__ void recurrent_weight_gradient(const float* __restrict__ x, const float* __restrict__ scratch, const float* __restrict__ back,
    float* __restrict__ g)
{
    using R = recurrent_traits<Cell>;
    using L = recurrent_layout<Cell, T, H>;
    constexpr int G = L::G;
    constexpr int wih = G * I, whh = G * H, npeep = R::peephole ? 3 * H : 0;
    constexpr int count = wih + whh + npeep + 2 * G;
    const int e = blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= count) return;
    const int hidden_at = R::gru ? T * G : 0;  // dW_hh and b_hh read the gradient at W_hh h + b_hh
    float sum = 0.0f;
    if (e < wih)
    {
        const int row = e / I, i = e % I;
        for (int s = 0; s < Batch; ++s)
            for (int t = 0; t < T; ++t) sum += back[s * Width + t * G + row] * x[(s * T + t) * I + i];
    }
    else if (e < wih + whh)
    {
        const int row = (e - wih) / H, m = (e - wih) % H;
        for (int s = 0; s < Batch; ++s)
            for (int t = 0; t < T; ++t) sum += back[s * Width + hidden_at + t * G + row] * scratch[s * Width + L::states + t * H + m];
    }
    else if (e < wih + whh + npeep)
    {
        const int k = (e - wih - whh) / H, j = (e - wih - whh) % H;  // k: 0 p_i (c_{t−1}), 1 p_f (c_{t−1}), 2 p_o (c_t)
        const int gate = k == 0 ? 0 : k == 1 ? 1 : 3, cell = k == 2 ? 1 : 0;
        for (int s = 0; s < Batch; ++s)
            for (int t = 0; t < T; ++t)
                sum += back[s * Width + t * G + gate * H + j] * scratch[s * Width + L::cells + (t + cell) * H + j];
    }
    else if (e < wih + whh + npeep + G)
    {
        const int row = e - wih - whh - npeep;
        for (int s = 0; s < Batch; ++s)
            for (int t = 0; t < T; ++t) sum += back[s * Width + t * G + row];
    }
    else
    {
        const int row = e - wih - whh - npeep - G;
        for (int s = 0; s < Batch; ++s)
            for (int t = 0; t < T; ++t) sum += back[s * Width + hidden_at + t * G + row];
    }
    g[e] += sum;
}

// dx[s, t, i] = f′_prev(x) · Σ_row dgates[s][t][row] W_ih[row, i], one thread per input value (grid ⌈batch·T·I/256⌉).
template <int Cell, int Batch, int T, int I, int H, int Width, int ActPrev>
__device__ void recurrent_input_gradient(const float* __restrict__ p, const float* __restrict__ x, const float* __restrict__ back,
    float* __restrict__ dx, float slopePrev)
{
    constexpr int G = recurrent_traits<Cell>::gates * H;
    const int e = blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= Batch * T * I) return;
    const int s = e / (T * I), t = (e / I) % T, i = e % I;
    float sum = 0.0f;
    for (int row = 0; row < G; ++row) sum += back[s * Width + t * G + row] * p[row * I + i];
    dx[e] = ActPrev == kLinear ? sum : sum * derivative<ActPrev>(x[e], slopePrev);
}

}  // namespace cn
