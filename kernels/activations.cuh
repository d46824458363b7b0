// activations.cuh: the element-wise activations and their derivatives, as the C# Activations.cs.
//
// The activation is a template parameter (an int id, as ActivationKind), so each kernel is
// specialised and the branch disappears; its one parameter (logistic slope k, leaky α) is a
// runtime float because C++17 has no float template parameters: the wrappers pass a literal.
// Derivatives take the OUTPUT y = f(z), so the backward pass needs only stored outputs.
#pragma once

namespace cn {

// Ids as the generator's ActivationKind (Softmax, 8, is row-wise: softmax.cuh).
enum Activation : int
{
    kLinear = 0,
    kHeaviside = 1,
    kSign = 2,
    kLogistic = 3,   // σ(k z), slope k
    kTanh = 4,
    kReLU = 5,
    kLeakyReLU = 6,  // slope α for z ≤ 0
    kSoftplus = 7,
};

// y = f(z).
template <int Act>
__device__ __forceinline__ float activate(float z, float slope)
{
    if constexpr (Act == kLinear) return z;
    else if constexpr (Act == kHeaviside) return z >= 0.0f ? 1.0f : 0.0f;
    else if constexpr (Act == kSign) return z >= 0.0f ? 1.0f : -1.0f;
    else if constexpr (Act == kLogistic) return 1.0f / (1.0f + expf(-slope * z));
    else if constexpr (Act == kTanh) return tanhf(z);
    else if constexpr (Act == kReLU) return z > 0.0f ? z : 0.0f;
    else if constexpr (Act == kLeakyReLU) return z > 0.0f ? z : slope * z;
    else
    {
        static_assert(Act == kSoftplus, "unknown activation id");
        // max(z, 0) + ln(1 + e^(−|z|)): no overflow for large |z|.
        return fmaxf(z, 0.0f) + logf(1.0f + expf(-fabsf(z)));
    }
}

// f′(z) written as a function of y = f(z).
template <int Act>
__device__ __forceinline__ float derivative(float y, float slope)
{
    if constexpr (Act == kLinear) return 1.0f;
    else if constexpr (Act == kHeaviside || Act == kSign) return 0.0f;  // trained by the perceptron rule instead
    else if constexpr (Act == kLogistic) return slope * y * (1.0f - y);
    else if constexpr (Act == kTanh) return 1.0f - y * y;
    else if constexpr (Act == kReLU) return y > 0.0f ? 1.0f : 0.0f;
    else if constexpr (Act == kLeakyReLU) return y > 0.0f ? 1.0f : slope;
    else
    {
        static_assert(Act == kSoftplus, "unknown activation id");
        return 1.0f - expf(-y);  // σ(z) = 1 − e^(−softplus(z))
    }
}

}  // namespace cn
