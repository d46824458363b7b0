// all_kernels.cu: one translation unit instantiating every building block for two ragged shapes,
// the way the generator will emit a network's kernels: `extern "C" __global__` wrappers with the
// shapes, activation ids and activation parameters as constants, each followed by CN_ENTRY.
//
// The same file is compiled three ways (see run.sh): to PTX by clang with -include cn_prelude.h,
// and for the CPU by g++ with -include cn_emulation.h (plain, TSan, ASan+UBSan). Nothing here is
// host code and nothing includes an SDK header, so it is NVRTC-clean too (with cn_nvrtc.h).
//
// Shapes: A = batch 5, 37 → 29, 16×16 tiles; B = batch 19, 50 → 33, 8×8 tiles. Convolution and
// pooling shapes are given with their wrappers below.
// Constants the test must agree with: logistic slope 1.5, leaky ReLU α 0.1 (see emulated_test.cpp).
#include "../activations.cuh"
#include "../conv.cuh"
#include "../dense.cuh"
#include "../hopfield.cuh"
#include "../layers.cuh"
#include "../losses.cuh"
#include "../normalization.cuh"
#include "../optimizers.cuh"
#include "../pool.cuh"
#include "../reduce.cuh"
#include "../softmax.cuh"

// ---- Dense forward: y = f(x Wᵀ + b); grid (⌈Out/T⌉, ⌈Batch/T⌉), block (T, T) ----
#define CN_DENSE_FORWARD_A(name, act, slope)                                                                \
    extern "C" __global__ void __launch_bounds__(256)                                                       \
    name(const float* x, const float* w, const float* b, float* y) { cn::dense_forward<5, 37, 29, act, 16>(x, w, b, y, slope); } \
    CN_ENTRY(name)
CN_DENSE_FORWARD_A(dense_forward_linear_a, cn::kLinear, 0.0f)
CN_DENSE_FORWARD_A(dense_forward_heaviside_a, cn::kHeaviside, 0.0f)
CN_DENSE_FORWARD_A(dense_forward_sign_a, cn::kSign, 0.0f)
CN_DENSE_FORWARD_A(dense_forward_logistic_a, cn::kLogistic, 1.5f)
CN_DENSE_FORWARD_A(dense_forward_tanh_a, cn::kTanh, 0.0f)
CN_DENSE_FORWARD_A(dense_forward_relu_a, cn::kReLU, 0.0f)
CN_DENSE_FORWARD_A(dense_forward_leaky_a, cn::kLeakyReLU, 0.1f)
CN_DENSE_FORWARD_A(dense_forward_softplus_a, cn::kSoftplus, 0.0f)

extern "C" __global__ void dense_forward_tanh_b(const float* x, const float* w, const float* b, float* y)
{ cn::dense_forward<19, 50, 33, cn::kTanh, 8>(x, w, b, y, 0.0f); }
CN_ENTRY(dense_forward_tanh_b)

// ---- Dense weight gradient: dW = dzᵀ x, db = Σ dz; grid (⌈In/T⌉, ⌈Out/T⌉), block (T, T) ----
extern "C" __global__ void dense_weight_gradient_a(const float* dz, const float* x, float* dw, float* db)
{ cn::dense_weight_gradient<5, 37, 29, 16>(dz, x, dw, db); }
CN_ENTRY(dense_weight_gradient_a)

extern "C" __global__ void dense_weight_gradient_b(const float* dz, const float* x, float* dw, float* db)
{ cn::dense_weight_gradient<19, 50, 33, 8>(dz, x, dw, db); }
CN_ENTRY(dense_weight_gradient_b)

// ---- Dense input gradient: dzPrev = f′_prev(yPrev) ⊙ (dz W); grid (⌈In/T⌉, ⌈Batch/T⌉), block (T, T) ----
#define CN_DENSE_INPUT_GRADIENT_A(name, act, slope)                                                         \
    extern "C" __global__ void name(const float* dz, const float* w, const float* yPrev, float* dzPrev)    \
    { cn::dense_input_gradient<5, 37, 29, act, 16>(dz, w, yPrev, dzPrev, slope); }                          \
    CN_ENTRY(name)
CN_DENSE_INPUT_GRADIENT_A(dense_input_gradient_linear_a, cn::kLinear, 0.0f)
CN_DENSE_INPUT_GRADIENT_A(dense_input_gradient_heaviside_a, cn::kHeaviside, 0.0f)
CN_DENSE_INPUT_GRADIENT_A(dense_input_gradient_sign_a, cn::kSign, 0.0f)
CN_DENSE_INPUT_GRADIENT_A(dense_input_gradient_logistic_a, cn::kLogistic, 1.5f)
CN_DENSE_INPUT_GRADIENT_A(dense_input_gradient_tanh_a, cn::kTanh, 0.0f)
CN_DENSE_INPUT_GRADIENT_A(dense_input_gradient_relu_a, cn::kReLU, 0.0f)
CN_DENSE_INPUT_GRADIENT_A(dense_input_gradient_leaky_a, cn::kLeakyReLU, 0.1f)
CN_DENSE_INPUT_GRADIENT_A(dense_input_gradient_softplus_a, cn::kSoftplus, 0.0f)

extern "C" __global__ void dense_input_gradient_logistic_b(const float* dz, const float* w, const float* yPrev, float* dzPrev)
{ cn::dense_input_gradient<19, 50, 33, cn::kLogistic, 8>(dz, w, yPrev, dzPrev, 1.5f); }
CN_ENTRY(dense_input_gradient_logistic_b)

// ---- Softmax: grid rows, block Threads; forward with Width·4 bytes of dynamic shared memory ----
extern "C" __global__ void softmax_forward_a(const float* x, float* y) { cn::softmax_forward<29, 32>(x, y); }
CN_ENTRY(softmax_forward_a)
extern "C" __global__ void softmax_forward_b(const float* x, float* y) { cn::softmax_forward<70, 64>(x, y); }
CN_ENTRY(softmax_forward_b)
extern "C" __global__ void softmax_backward_a(const float* y, float* gradient) { cn::softmax_backward<29, 32>(y, gradient); }
CN_ENTRY(softmax_backward_a)
extern "C" __global__ void softmax_backward_b(const float* y, float* gradient) { cn::softmax_backward<70, 64>(y, gradient); }
CN_ENTRY(softmax_backward_b)

// ---- Losses: grid Batch, block Threads; loss_mean: grid 1 ----
extern "C" __global__ void mse_loss_logistic_a(const float* y, const float* t, const float* w, float* dz, float* losses)
{ cn::mse_loss<5, 29, cn::kLogistic, 32>(y, t, w, dz, losses, 1.5f); }
CN_ENTRY(mse_loss_logistic_a)
extern "C" __global__ void mse_loss_linear_b(const float* y, const float* t, const float* w, float* dz, float* losses)
{ cn::mse_loss<19, 33, cn::kLinear, 64>(y, t, w, dz, losses, 0.0f); }
CN_ENTRY(mse_loss_linear_b)
extern "C" __global__ void bce_loss_logistic_a(const float* y, const float* t, const float* w, float* dz, float* losses)
{ cn::bce_loss<5, 29, cn::kLogistic, 32>(y, t, w, dz, losses, 1.5f); }
CN_ENTRY(bce_loss_logistic_a)
extern "C" __global__ void bce_logistic_loss_a(const float* y, const float* t, const float* w, float* dz, float* losses)
{ cn::bce_logistic_loss<5, 29, 32>(y, t, w, dz, losses, 1.5f); }
CN_ENTRY(bce_logistic_loss_a)
extern "C" __global__ void softmax_ce_probabilities_loss_a(const float* y, const float* t, const float* w, float* dz, float* losses)
{ cn::softmax_ce_probabilities_loss<5, 29, 32>(y, t, w, dz, losses); }
CN_ENTRY(softmax_ce_probabilities_loss_a)
extern "C" __global__ void softmax_ce_logits_loss_tanh_a(const float* y, const float* t, const float* w, float* dz, float* losses)
{ cn::softmax_ce_logits_loss<5, 29, cn::kTanh, 32>(y, t, w, dz, losses, 0.0f); }
CN_ENTRY(softmax_ce_logits_loss_tanh_a)
extern "C" __global__ void softmax_ce_logits_loss_linear_b(const float* y, const float* t, const float* w, float* dz, float* losses)
{ cn::softmax_ce_logits_loss<19, 33, cn::kLinear, 64>(y, t, w, dz, losses, 0.0f); }
CN_ENTRY(softmax_ce_logits_loss_linear_b)
extern "C" __global__ void loss_mean_a(const float* losses, const float* w, float* out) { cn::loss_mean<5, 32>(losses, w, out); }
CN_ENTRY(loss_mean_a)
extern "C" __global__ void loss_mean_b(const float* losses, const float* w, float* out) { cn::loss_mean<19, 32>(losses, w, out); }
CN_ENTRY(loss_mean_b)

// ---- Optimizers over shape A's 37·29 + 29 = 1102 parameters: grid ⌈1102/256⌉, block 256 ----
extern "C" __global__ void sgd_a(float* p, const float* g, float lr) { cn::sgd<1102>(p, g, lr); }
CN_ENTRY(sgd_a)
extern "C" __global__ void sgd_momentum_a(float* p, const float* g, float* buffer, float lr, float momentum)
{ cn::sgd_momentum<1102, false>(p, g, buffer, lr, momentum); }
CN_ENTRY(sgd_momentum_a)
extern "C" __global__ void sgd_nesterov_a(float* p, const float* g, float* buffer, float lr, float momentum)
{ cn::sgd_momentum<1102, true>(p, g, buffer, lr, momentum); }
CN_ENTRY(sgd_nesterov_a)
extern "C" __global__ void adagrad_a(float* p, const float* g, float* sum, float lr, float epsilon)
{ cn::adagrad<1102>(p, g, sum, lr, epsilon); }
CN_ENTRY(adagrad_a)
extern "C" __global__ void rmsprop_a(float* p, const float* g, float* average, float lr, float alpha, float epsilon)
{ cn::rmsprop<1102>(p, g, average, lr, alpha, epsilon); }
CN_ENTRY(rmsprop_a)
extern "C" __global__ void adadelta_a(float* p, const float* g, float* state, float lr, float rho, float epsilon)
{ cn::adadelta<1102>(p, g, state, lr, rho, epsilon); }
CN_ENTRY(adadelta_a)
extern "C" __global__ void adam_a(float* p, const float* g, float* state, float stepSize, float correction2Sqrt,
    float beta1, float beta2, float epsilon)
{ cn::adam<1102>(p, g, state, stepSize, correction2Sqrt, beta1, beta2, epsilon); }
CN_ENTRY(adam_a)
// The step's finiteness check: one block of 256 threads over the same 1102 gradients.
extern "C" __global__ void first_nonfinite_a(const float* g, int* out) { cn::first_nonfinite<1102, 256>(g, out); }
CN_ENTRY(first_nonfinite_a)

// ---- Layers on shape A's 5 × 37 input (Count 185) ----
extern "C" __global__ void dropout_forward_a(const float* x, const float* mask, float* y) { cn::dropout_forward<185>(x, mask, y); }
CN_ENTRY(dropout_forward_a)
extern "C" __global__ void dropout_backward_relu_a(const float* dy, const float* mask, const float* yPrev, float* dPrev)
{ cn::dropout_backward<185, cn::kReLU>(dy, mask, yPrev, dPrev, 0.0f); }
CN_ENTRY(dropout_backward_relu_a)
extern "C" __global__ void prelu_forward_a(const float* x, float* y, const float* slope) { cn::prelu_forward<185>(x, y, slope); }
CN_ENTRY(prelu_forward_a)
// 64 threads: three blocks, three partials, then reduce_sum_3.
extern "C" __global__ void prelu_backward_tanh_a(const float* dy, const float* x, const float* slope, float* partials, float* dPrev)
{ cn::prelu_backward<185, 64, cn::kTanh, true>(dy, x, slope, partials, dPrev, 0.0f); }
CN_ENTRY(prelu_backward_tanh_a)
// 256 threads: one block, so the partial is the slope gradient itself; no dPrev (first layer).
extern "C" __global__ void prelu_backward_first_a(const float* dy, const float* x, const float* slope, float* slopeGradient, float* dPrev)
{ cn::prelu_backward<185, 256, cn::kLinear, false>(dy, x, slope, slopeGradient, dPrev, 0.0f); }
CN_ENTRY(prelu_backward_first_a)
extern "C" __global__ void reduce_sum_3(const float* in, float* out) { cn::reduce_sum<3, 32>(in, out); }
CN_ENTRY(reduce_sum_3)

// Local response normalisation on ragged [3, 5, 7] maps with an even window (4: two channels before, one after).
extern "C" __global__ void lrn_forward_a(const float* x, float* y, float* scale) { cn::lrn_forward<3, 5, 7, 4>(x, y, scale, 0.5f, 0.75f, 1.0f); }
CN_ENTRY(lrn_forward_a)

extern "C" __global__ void lrn_backward_tanh_a(const float* dy, const float* x, const float* y, const float* scale, float* dPrev)
{ cn::lrn_backward<3, 5, 7, 4, cn::kTanh>(dy, x, y, scale, dPrev, 0.5f, 0.75f, 0.0f); }
CN_ENTRY(lrn_backward_tanh_a)
extern "C" __global__ void batchnorm_forward_training_relu_a(const float* x, float* y, float* normalized, const float* gamma,
    const float* beta, float* runningMean, float* runningVariance, float* invStd)
{ cn::batchnorm_forward_training<5, 37, cn::kReLU>(x, y, normalized, gamma, beta, runningMean, runningVariance, invStd, 0.1f, 1e-5f, 0.0f); }
CN_ENTRY(batchnorm_forward_training_relu_a)
extern "C" __global__ void batchnorm_forward_inference_relu_a(const float* x, float* y, const float* gamma, const float* beta,
    const float* runningMean, const float* runningVariance)
{ cn::batchnorm_forward_inference<5, 37, cn::kReLU>(x, y, gamma, beta, runningMean, runningVariance, 1e-5f, 0.0f); }
CN_ENTRY(batchnorm_forward_inference_relu_a)
extern "C" __global__ void batchnorm_backward_relu_tanh_a(float* dy, const float* y, const float* normalized, const float* gamma,
    const float* invStd, float* gammaGradient, float* betaGradient, const float* yPrev, float* dPrev)
{ cn::batchnorm_backward<5, 37, cn::kReLU, cn::kTanh, true>(dy, y, normalized, gamma, invStd, gammaGradient, betaGradient, yPrev, dPrev, 0.0f, 0.0f); }
CN_ENTRY(batchnorm_backward_relu_tanh_a)

// ---- Convolution, NCHW; template order Batch, InC, InH, InW, OutC, KH, KW, StrideH, StrideW, PadH, PadW, Groups ----
// Forward and input gradient: grid ⌈Count/Threads⌉ (outputs, resp. inputs), block Threads (any);
// weight gradient: grid (InC/Groups·KH·KW + 1, OutC), block Threads (the last template argument).
// a  = batch 2, 3 × 9×7 → 4 × 5×6, kernel 3×2, stride 2×1, padding 1×0.
#define CN_CONV_A 2, 3, 9, 7, 4, 3, 2, 2, 1, 1, 0, 1
// dw = depthwise with channel multiplier 2: batch 2, 3 × 7×6 → 6 × 4×3, kernel 3×3, stride 2×2, padding 1×1, groups 3.
#define CN_CONV_DW 2, 3, 7, 6, 6, 3, 3, 2, 2, 1, 1, 3
// pw = pointwise 1×1: batch 2, 5 × 4×3 → 7 × 4×3.
#define CN_CONV_PW 2, 5, 4, 3, 7, 1, 1, 1, 1, 0, 0, 1
// e  = Conv1d, grouped, with a tail no window reaches: batch 3, 4 × 11 → 6 × 3, kernel 3, stride 3, groups 2.
#define CN_CONV_E 3, 4, 1, 11, 6, 1, 3, 1, 3, 0, 0, 2

extern "C" __global__ void conv2d_forward_tanh_a(const float* x, const float* w, const float* b, float* y)
{ cn::conv2d_forward<CN_CONV_A, cn::kTanh>(x, w, b, y, 0.0f); }
CN_ENTRY(conv2d_forward_tanh_a)
extern "C" __global__ void conv2d_forward_leaky_a(const float* x, const float* w, const float* b, float* y)
{ cn::conv2d_forward<CN_CONV_A, cn::kLeakyReLU>(x, w, b, y, 0.1f); }
CN_ENTRY(conv2d_forward_leaky_a)
extern "C" __global__ void conv2d_forward_logistic_a(const float* x, const float* w, const float* b, float* y)
{ cn::conv2d_forward<CN_CONV_A, cn::kLogistic>(x, w, b, y, 1.5f); }
CN_ENTRY(conv2d_forward_logistic_a)
extern "C" __global__ void conv2d_weight_gradient_a(const float* dz, const float* x, float* dw, float* db)
{ cn::conv2d_weight_gradient<CN_CONV_A, 32>(dz, x, dw, db); }
CN_ENTRY(conv2d_weight_gradient_a)
extern "C" __global__ void conv2d_input_gradient_tanh_a(const float* dz, const float* w, const float* yPrev, float* dzPrev)
{ cn::conv2d_input_gradient<CN_CONV_A, cn::kTanh>(dz, w, yPrev, dzPrev, 0.0f); }
CN_ENTRY(conv2d_input_gradient_tanh_a)
extern "C" __global__ void conv2d_input_gradient_linear_a(const float* dz, const float* w, const float* yPrev, float* dzPrev)
{ cn::conv2d_input_gradient<CN_CONV_A, cn::kLinear>(dz, w, yPrev, dzPrev, 0.0f); }
CN_ENTRY(conv2d_input_gradient_linear_a)

extern "C" __global__ void conv2d_forward_relu_dw(const float* x, const float* w, const float* b, float* y)
{ cn::conv2d_forward<CN_CONV_DW, cn::kReLU>(x, w, b, y, 0.0f); }
CN_ENTRY(conv2d_forward_relu_dw)
extern "C" __global__ void conv2d_weight_gradient_dw(const float* dz, const float* x, float* dw, float* db)
{ cn::conv2d_weight_gradient<CN_CONV_DW, 64>(dz, x, dw, db); }
CN_ENTRY(conv2d_weight_gradient_dw)
extern "C" __global__ void conv2d_input_gradient_relu_dw(const float* dz, const float* w, const float* yPrev, float* dzPrev)
{ cn::conv2d_input_gradient<CN_CONV_DW, cn::kReLU>(dz, w, yPrev, dzPrev, 0.0f); }
CN_ENTRY(conv2d_input_gradient_relu_dw)

extern "C" __global__ void conv2d_forward_linear_pw(const float* x, const float* w, const float* b, float* y)
{ cn::conv2d_forward<CN_CONV_PW, cn::kLinear>(x, w, b, y, 0.0f); }
CN_ENTRY(conv2d_forward_linear_pw)
extern "C" __global__ void conv2d_weight_gradient_pw(const float* dz, const float* x, float* dw, float* db)
{ cn::conv2d_weight_gradient<CN_CONV_PW, 32>(dz, x, dw, db); }
CN_ENTRY(conv2d_weight_gradient_pw)
extern "C" __global__ void conv2d_input_gradient_logistic_pw(const float* dz, const float* w, const float* yPrev, float* dzPrev)
{ cn::conv2d_input_gradient<CN_CONV_PW, cn::kLogistic>(dz, w, yPrev, dzPrev, 1.5f); }
CN_ENTRY(conv2d_input_gradient_logistic_pw)

extern "C" __global__ void conv1d_forward_softplus_e(const float* x, const float* w, const float* b, float* y)
{ cn::conv2d_forward<CN_CONV_E, cn::kSoftplus>(x, w, b, y, 0.0f); }
CN_ENTRY(conv1d_forward_softplus_e)
extern "C" __global__ void conv1d_weight_gradient_e(const float* dz, const float* x, float* dw, float* db)
{ cn::conv2d_weight_gradient<CN_CONV_E, 32>(dz, x, dw, db); }
CN_ENTRY(conv1d_weight_gradient_e)
extern "C" __global__ void conv1d_input_gradient_leaky_e(const float* dz, const float* w, const float* yPrev, float* dzPrev)
{ cn::conv2d_input_gradient<CN_CONV_E, cn::kLeakyReLU>(dz, w, yPrev, dzPrev, 0.1f); }
CN_ENTRY(conv1d_input_gradient_leaky_e)

// ---- Pooling on batch 2, 3 × 9×7; template order Batch, C, InH, InW, KH, KW, StrideH, StrideW, PadH, PadW ----
// All grid ⌈Count/Threads⌉, block Threads (any), except global_avgpool_forward: grid Batch·C, block Threads.
// k2 = 2×2 stride 2 (→ 4×3: the last row and column reach no window); k3 = 3×3 stride 2 padding 1
// (→ 5×4, overlapping windows); k32 = 3×2, stride 1×2, padding 1×1 (→ 9×4).
#define CN_POOL_K2 2, 3, 9, 7, 2, 2, 2, 2, 0, 0
#define CN_POOL_K3 2, 3, 9, 7, 3, 3, 2, 2, 1, 1
#define CN_POOL_K32 2, 3, 9, 7, 3, 2, 1, 2, 1, 1

extern "C" __global__ void maxpool2d_forward_k2(const float* x, float* y, int* switches)
{ cn::maxpool2d_forward<CN_POOL_K2>(x, y, switches); }
CN_ENTRY(maxpool2d_forward_k2)
extern "C" __global__ void maxpool2d_backward_relu_k2(const float* dy, const int* switches, const float* yPrev, float* dPrev)
{ cn::maxpool2d_backward<CN_POOL_K2, cn::kReLU>(dy, switches, yPrev, dPrev, 0.0f); }
CN_ENTRY(maxpool2d_backward_relu_k2)
extern "C" __global__ void maxpool2d_forward_k3(const float* x, float* y, int* switches)
{ cn::maxpool2d_forward<CN_POOL_K3>(x, y, switches); }
CN_ENTRY(maxpool2d_forward_k3)
extern "C" __global__ void maxpool2d_backward_tanh_k3(const float* dy, const int* switches, const float* yPrev, float* dPrev)
{ cn::maxpool2d_backward<CN_POOL_K3, cn::kTanh>(dy, switches, yPrev, dPrev, 0.0f); }
CN_ENTRY(maxpool2d_backward_tanh_k3)
extern "C" __global__ void maxpool2d_forward_k32(const float* x, float* y, int* switches)
{ cn::maxpool2d_forward<CN_POOL_K32>(x, y, switches); }
CN_ENTRY(maxpool2d_forward_k32)
extern "C" __global__ void maxpool2d_backward_linear_k32(const float* dy, const int* switches, const float* yPrev, float* dPrev)
{ cn::maxpool2d_backward<CN_POOL_K32, cn::kLinear>(dy, switches, yPrev, dPrev, 0.0f); }
CN_ENTRY(maxpool2d_backward_linear_k32)

extern "C" __global__ void avgpool2d_forward_k2(const float* x, float* y) { cn::avgpool2d_forward<CN_POOL_K2>(x, y); }
CN_ENTRY(avgpool2d_forward_k2)
extern "C" __global__ void avgpool2d_backward_linear_k2(const float* dy, const float* yPrev, float* dPrev)
{ cn::avgpool2d_backward<CN_POOL_K2, cn::kLinear>(dy, yPrev, dPrev, 0.0f); }
CN_ENTRY(avgpool2d_backward_linear_k2)
extern "C" __global__ void avgpool2d_forward_k3(const float* x, float* y) { cn::avgpool2d_forward<CN_POOL_K3>(x, y); }
CN_ENTRY(avgpool2d_forward_k3)
extern "C" __global__ void avgpool2d_backward_relu_k3(const float* dy, const float* yPrev, float* dPrev)
{ cn::avgpool2d_backward<CN_POOL_K3, cn::kReLU>(dy, yPrev, dPrev, 0.0f); }
CN_ENTRY(avgpool2d_backward_relu_k3)

extern "C" __global__ void global_avgpool_forward_a(const float* x, float* y) { cn::global_avgpool_forward<2, 3, 9, 7, 32>(x, y); }
CN_ENTRY(global_avgpool_forward_a)
extern "C" __global__ void global_avgpool_backward_relu_a(const float* dy, const float* yPrev, float* dPrev)
{ cn::global_avgpool_backward<2, 3, 9, 7, cn::kReLU>(dy, yPrev, dPrev, 0.0f); }
CN_ENTRY(global_avgpool_backward_relu_a)

extern "C" __global__ void max_unpool2d_forward_k2(const float* x, const int* switches, float* y)
{ cn::max_unpool2d_forward<CN_POOL_K2>(x, switches, y); }
CN_ENTRY(max_unpool2d_forward_k2)
extern "C" __global__ void max_unpool2d_backward_linear_k2(const float* dy, const int* switches, const float* yPrev, float* dPrev)
{ cn::max_unpool2d_backward<CN_POOL_K2, cn::kLinear>(dy, switches, yPrev, dPrev, 0.0f); }
CN_ENTRY(max_unpool2d_backward_linear_k2)
extern "C" __global__ void max_unpool2d_forward_k3(const float* x, const int* switches, float* y)
{ cn::max_unpool2d_forward<CN_POOL_K3>(x, switches, y); }
CN_ENTRY(max_unpool2d_forward_k3)
extern "C" __global__ void max_unpool2d_backward_tanh_k3(const float* dy, const int* switches, const float* yPrev, float* dPrev)
{ cn::max_unpool2d_backward<CN_POOL_K3, cn::kTanh>(dy, switches, yPrev, dPrev, 0.0f); }
CN_ENTRY(max_unpool2d_backward_tanh_k3)

// ---- Hopfield memories: A = 37 neurons (sweep block 32, rows longer than the block), B = 150 (block 64, 88 store blocks) ----
extern "C" __global__ void hopfield_store_a(float* C, float* W, const float* p, int count) { cn::hopfield_store<37>(C, W, p, count); }
CN_ENTRY(hopfield_store_a)
extern "C" __global__ void hopfield_sweep_a(const float* C, const float* s, float* next) { cn::hopfield_sweep<37, 32>(C, s, next); }
CN_ENTRY(hopfield_sweep_a)
extern "C" __global__ void hopfield_changes_a(const float* s, const float* next, float* changed) { cn::hopfield_changes<37, 32>(s, next, changed); }
CN_ENTRY(hopfield_changes_a)
extern "C" __global__ void hopfield_store_b(float* C, float* W, const float* p, int count) { cn::hopfield_store<150>(C, W, p, count); }
CN_ENTRY(hopfield_store_b)
extern "C" __global__ void hopfield_sweep_b(const float* C, const float* s, float* next) { cn::hopfield_sweep<150, 64>(C, s, next); }
CN_ENTRY(hopfield_sweep_b)
extern "C" __global__ void hopfield_changes_b(const float* s, const float* next, float* changed) { cn::hopfield_changes<150, 64>(s, next, changed); }
CN_ENTRY(hopfield_changes_b)

// ---- Self-check of the emulation's warp shuffles and atomics (and of the prelude's wrappers) ----
extern "C" __global__ void selftest_warp(const float* x, float* down, float* idx, float* bfly, float* sum)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    const float v = x[i];
    down[i] = __shfl_down_sync(0xffffffffu, v, 3);
    idx[i] = __shfl_sync(0xffffffffu, v, 5, 16);
    bfly[i] = static_cast<float>(__shfl_xor_sync(0xffffffffu, i, 6, 8));
    atomicAdd(sum, v);
}
CN_ENTRY(selftest_warp)
