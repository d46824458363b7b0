// emulated_test.cpp: launches every wrapper of all_kernels.cu through the emulation's C launch API
// (as the .NET runtime will, through cuLaunchKernel-style `void**` params) on random inputs and
// compares with straightforward reference loops that implement the C# formulas
// (src/Compiled.Nets/Kernels, Optimizers). Prints each kernel's max relative and absolute error;
// exits 1 on any mismatch.
//
// Tolerance per value: |got − ref| ≤ 1e−5 |ref| + 1.2e−7 (K + 4) S, where K is the length of the
// reduction behind the value and S the largest |ref| of the output (float rounding grows with K).
// The reported relative error is |got − ref| / max(|ref|, 1e−3 S).
//
// References are in double where the math allows, and in float, in the C# order of operations,
// for the optimizers (whose C# loops are exactly specified per element): those must match to the bit.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

// ---- The C launch interface (what the runtime binds to) ----
extern "C" {
typedef void (*cn_kernel_entry)(void** params);
int cn_launch(cn_kernel_entry entry, unsigned gridX, unsigned gridY, unsigned gridZ, unsigned blockX, unsigned blockY,
    unsigned blockZ, unsigned sharedBytes, void** params);

#define CN_DECLARE(name) void name##_entry(void** params);
CN_DECLARE(dense_forward_linear_a) CN_DECLARE(dense_forward_heaviside_a) CN_DECLARE(dense_forward_sign_a)
CN_DECLARE(dense_forward_logistic_a) CN_DECLARE(dense_forward_tanh_a) CN_DECLARE(dense_forward_relu_a)
CN_DECLARE(dense_forward_leaky_a) CN_DECLARE(dense_forward_softplus_a) CN_DECLARE(dense_forward_tanh_b)
CN_DECLARE(dense_weight_gradient_a) CN_DECLARE(dense_weight_gradient_b)
CN_DECLARE(dense_input_gradient_linear_a) CN_DECLARE(dense_input_gradient_heaviside_a) CN_DECLARE(dense_input_gradient_sign_a)
CN_DECLARE(dense_input_gradient_logistic_a) CN_DECLARE(dense_input_gradient_tanh_a) CN_DECLARE(dense_input_gradient_relu_a)
CN_DECLARE(dense_input_gradient_leaky_a) CN_DECLARE(dense_input_gradient_softplus_a) CN_DECLARE(dense_input_gradient_logistic_b)
CN_DECLARE(softmax_forward_a) CN_DECLARE(softmax_forward_b) CN_DECLARE(softmax_backward_a) CN_DECLARE(softmax_backward_b)
CN_DECLARE(mse_loss_logistic_a) CN_DECLARE(mse_loss_linear_b) CN_DECLARE(bce_loss_logistic_a) CN_DECLARE(bce_logistic_loss_a)
CN_DECLARE(softmax_ce_probabilities_loss_a) CN_DECLARE(softmax_ce_logits_loss_tanh_a) CN_DECLARE(softmax_ce_logits_loss_linear_b)
CN_DECLARE(loss_mean_a) CN_DECLARE(loss_mean_b)
CN_DECLARE(sgd_a) CN_DECLARE(sgd_momentum_a) CN_DECLARE(sgd_nesterov_a) CN_DECLARE(adagrad_a) CN_DECLARE(rmsprop_a)
CN_DECLARE(adadelta_a) CN_DECLARE(adam_a) CN_DECLARE(first_nonfinite_a)
CN_DECLARE(dropout_forward_a) CN_DECLARE(dropout_backward_relu_a) CN_DECLARE(prelu_forward_a) CN_DECLARE(prelu_backward_tanh_a)
CN_DECLARE(prelu_backward_first_a) CN_DECLARE(reduce_sum_3) CN_DECLARE(lrn_forward_a) CN_DECLARE(lrn_backward_tanh_a)
CN_DECLARE(batchnorm_forward_training_relu_a) CN_DECLARE(batchnorm_forward_inference_relu_a) CN_DECLARE(batchnorm_backward_relu_tanh_a)
CN_DECLARE(conv2d_forward_tanh_a) CN_DECLARE(conv2d_forward_leaky_a) CN_DECLARE(conv2d_forward_logistic_a)
CN_DECLARE(conv2d_weight_gradient_a) CN_DECLARE(conv2d_input_gradient_tanh_a) CN_DECLARE(conv2d_input_gradient_linear_a)
CN_DECLARE(conv2d_forward_relu_dw) CN_DECLARE(conv2d_weight_gradient_dw) CN_DECLARE(conv2d_input_gradient_relu_dw)
CN_DECLARE(conv2d_forward_linear_pw) CN_DECLARE(conv2d_weight_gradient_pw) CN_DECLARE(conv2d_input_gradient_logistic_pw)
CN_DECLARE(conv1d_forward_softplus_e) CN_DECLARE(conv1d_weight_gradient_e) CN_DECLARE(conv1d_input_gradient_leaky_e)
CN_DECLARE(maxpool2d_forward_k2) CN_DECLARE(maxpool2d_backward_relu_k2) CN_DECLARE(maxpool2d_forward_k3)
CN_DECLARE(maxpool2d_backward_tanh_k3) CN_DECLARE(maxpool2d_forward_k32) CN_DECLARE(maxpool2d_backward_linear_k32)
CN_DECLARE(avgpool2d_forward_k2) CN_DECLARE(avgpool2d_backward_linear_k2) CN_DECLARE(avgpool2d_forward_k3)
CN_DECLARE(avgpool2d_backward_relu_k3) CN_DECLARE(global_avgpool_forward_a) CN_DECLARE(global_avgpool_backward_relu_a)
CN_DECLARE(max_unpool2d_forward_k2) CN_DECLARE(max_unpool2d_backward_linear_k2) CN_DECLARE(max_unpool2d_forward_k3)
CN_DECLARE(max_unpool2d_backward_tanh_k3)
CN_DECLARE(hopfield_store_a) CN_DECLARE(hopfield_sweep_a) CN_DECLARE(hopfield_changes_a)
CN_DECLARE(hopfield_store_b) CN_DECLARE(hopfield_sweep_b) CN_DECLARE(hopfield_changes_b)
CN_DECLARE(selftest_warp)
}

namespace {

// Must match the constants in all_kernels.cu.
constexpr float kLogisticSlope = 1.5f;
constexpr float kLeakySlope = 0.1f;
enum { Linear, Heaviside, Sign, Logistic, Tanh, ReLU, LeakyReLU, Softplus };
const char* const kActivationNames[] = {"linear", "heaviside", "sign", "logistic", "tanh", "relu", "leaky", "softplus"};
float slope_of(int act) { return act == Logistic ? kLogisticSlope : act == LeakyReLU ? kLeakySlope : 0.0f; }

using Floats = std::vector<float>;
using Doubles = std::vector<double>;

std::mt19937 rng(20261121);
Floats random_floats(size_t n, float lo = -1.0f, float hi = 1.0f)
{
    std::uniform_real_distribution<float> u(lo, hi);
    Floats v(n);
    for (float& x : v) x = u(rng);
    return v;
}

struct Dim { unsigned x = 1, y = 1, z = 1; };

bool failed = false;

// Launches with one `void*` per argument, each pointing at the argument's value, as cuLaunchKernel.
template <class... Args>
void launch(const char* what, cn_kernel_entry entry, Dim grid, Dim block, unsigned sharedBytes, Args... args)
{
    void* params[] = {static_cast<void*>(&args)...};
    int rc = cn_launch(entry, grid.x, grid.y, grid.z, block.x, block.y, block.z, sharedBytes, params);
    if (rc != 0)
    {
        std::printf("FAIL  %-50s launch returned %d\n", what, rc);
        failed = true;
    }
}

unsigned blocks(int count, int threads) { return static_cast<unsigned>((count + threads - 1) / threads); }

// Compares `got` with `want`; `skip[i]` excludes values whose reference sits on a discontinuity.
void check(const std::string& name, const Floats& got, const Doubles& want, int reduction, const std::vector<char>& skip = {})
{
    double scale = 1e-30;
    for (double w : want) scale = std::max(scale, std::fabs(w));
    double maxRel = 0, maxAbs = 0;
    size_t bad = 0, firstBad = 0;
    for (size_t i = 0; i < want.size(); ++i)
    {
        if (!skip.empty() && skip[i]) continue;
        double err = std::fabs(static_cast<double>(got[i]) - want[i]);
        if (!(err <= 1e-5 * std::fabs(want[i]) + 1.2e-7 * (reduction + 4) * scale))  // NaN fails too
        {
            if (bad++ == 0) firstBad = i;
        }
        if (std::isnan(err)) err = INFINITY;
        maxAbs = std::max(maxAbs, err);
        maxRel = std::max(maxRel, err / std::max(std::fabs(want[i]), 1e-3 * scale));
    }
    std::printf("%s  %-50s max rel %.2e  max abs %.2e  (K=%d)", bad ? "FAIL" : "ok  ", name.c_str(), maxRel, maxAbs, reduction);
    if (bad) std::printf("  %zu bad, first [%zu] got %.9g want %.9g", bad, firstBad, got[firstBad], want[firstBad]);
    std::printf("\n");
    failed |= bad != 0;
}

Doubles to_doubles(const Floats& v) { return Doubles(v.begin(), v.end()); }

// ---- Reference activations (Activations.cs), in double ----
double ref_apply(int act, double z)
{
    double s = slope_of(act);
    switch (act)
    {
    case Linear: return z;
    case Heaviside: return z >= 0 ? 1 : 0;
    case Sign: return z >= 0 ? 1 : -1;
    case Logistic: return 1 / (1 + std::exp(-s * z));
    case Tanh: return std::tanh(z);
    case ReLU: return z > 0 ? z : 0;
    case LeakyReLU: return z > 0 ? z : s * z;
    default: return std::max(z, 0.0) + std::log1p(std::exp(-std::fabs(z)));
    }
}

double ref_derivative(int act, double y)
{
    double s = slope_of(act);
    switch (act)
    {
    case Linear: return 1;
    case Heaviside: case Sign: return 0;
    case Logistic: return s * y * (1 - y);
    case Tanh: return 1 - y * y;
    case ReLU: return y > 0 ? 1 : 0;
    case LeakyReLU: return y > 0 ? 1 : s;
    default: return 1 - std::exp(-y);
    }
}

// Outputs of `act` for random pre-activations: valid inputs for its derivative.
Floats activation_outputs(int act, size_t n, float range = 2.0f)
{
    Floats z = random_floats(n, -range, range);
    for (float& v : z) v = static_cast<float>(ref_apply(act, v));
    return z;
}

// ---- Dense (DenseKernels.cs) ----
void test_dense_forward(const char* name, cn_kernel_entry entry, int act, int batch, int in, int out, int tile)
{
    Floats x = random_floats(batch * in), w = random_floats(out * in), b = random_floats(out), y(batch * out, NAN);
    launch(name, entry, {blocks(out, tile), blocks(batch, tile)}, {unsigned(tile), unsigned(tile)}, 0, x.data(), w.data(), b.data(), y.data());
    Doubles want(batch * out);
    std::vector<char> skip(batch * out, 0);
    for (int r = 0; r < batch; ++r)
        for (int j = 0; j < out; ++j)
        {
            double z = b[j];
            for (int k = 0; k < in; ++k) z += static_cast<double>(x[r * in + k]) * w[j * in + k];
            want[r * out + j] = ref_apply(act, z);
            skip[r * out + j] = (act == Heaviside || act == Sign) && std::fabs(z) < 1e-4;  // the step itself
        }
    check(name, y, want, in, skip);
}

void test_dense_weight_gradient(const char* name, cn_kernel_entry entry, int batch, int in, int out, int tile)
{
    // The kernel adds to dW and db: they start from earlier values, not zero.
    Floats dz = random_floats(batch * out), x = random_floats(batch * in), dw = random_floats(out * in), db = random_floats(out);
    Doubles wantW = to_doubles(dw), wantB = to_doubles(db);
    launch(name, entry, {blocks(in, tile), blocks(out, tile)}, {unsigned(tile), unsigned(tile)}, 0, dz.data(), x.data(), dw.data(), db.data());
    for (int r = 0; r < batch; ++r)
        for (int j = 0; j < out; ++j)
        {
            wantB[j] += dz[r * out + j];
            for (int k = 0; k < in; ++k) wantW[j * in + k] += static_cast<double>(dz[r * out + j]) * x[r * in + k];
        }
    check(std::string(name) + " dW", dw, wantW, batch);
    check(std::string(name) + " db", db, wantB, batch);
}

void test_dense_input_gradient(const char* name, cn_kernel_entry entry, int act, int batch, int in, int out, int tile)
{
    Floats dz = random_floats(batch * out), w = random_floats(out * in), yPrev = activation_outputs(act, batch * in), dzPrev(batch * in, NAN);
    launch(name, entry, {blocks(in, tile), blocks(batch, tile)}, {unsigned(tile), unsigned(tile)}, 0, dz.data(), w.data(), yPrev.data(), dzPrev.data());
    Doubles want(batch * in);
    for (int r = 0; r < batch; ++r)
        for (int k = 0; k < in; ++k)
        {
            double sum = 0;
            for (int j = 0; j < out; ++j) sum += static_cast<double>(dz[r * out + j]) * w[j * in + k];
            want[r * in + k] = sum * ref_derivative(act, yPrev[r * in + k]);
        }
    check(name, dzPrev, want, out);
}

// ---- Softmax (SoftmaxKernels) ----
void test_softmax(const char* forwardName, cn_kernel_entry forward, const char* backwardName, cn_kernel_entry backward,
    int rows, int width, int threads)
{
    Floats x = random_floats(rows * width, -4, 4), y = x;  // in place, as the generated code runs it
    launch(forwardName, forward, {unsigned(rows)}, {unsigned(threads)}, width * sizeof(float), y.data(), y.data());
    Doubles want(rows * width);
    for (int r = 0; r < rows; ++r)
    {
        double max = -INFINITY, sum = 0;
        for (int j = 0; j < width; ++j) max = std::max(max, double(x[r * width + j]));
        for (int j = 0; j < width; ++j) sum += std::exp(x[r * width + j] - max);
        for (int j = 0; j < width; ++j) want[r * width + j] = std::exp(x[r * width + j] - max) / sum;
    }
    check(forwardName, y, want, width);

    Floats probabilities(want.begin(), want.end()), dy = random_floats(rows * width), gradient = dy;
    launch(backwardName, backward, {unsigned(rows)}, {unsigned(threads)}, 0, probabilities.data(), gradient.data());
    Doubles wantDz(rows * width);
    for (int r = 0; r < rows; ++r)
    {
        double dot = 0;
        for (int j = 0; j < width; ++j) dot += double(dy[r * width + j]) * probabilities[r * width + j];
        for (int j = 0; j < width; ++j) wantDz[r * width + j] = probabilities[r * width + j] * (dy[r * width + j] - dot);
    }
    check(backwardName, gradient, wantDz, width);
}

// ---- Losses (LossKernels.cs) ----
enum LossKind { Mse, Bce, BceLogistic, CeProbabilities, CeLogits };

struct LossReference
{
    Doubles dz, perSample;
    double mean;
};

// As LossKernels.cs: per-sample losses l_b and the batch mean Σ w l / Σ w; dz with the C# scaling.
LossReference reference_loss(LossKind kind, int act, const Floats& y, const Floats& t, const Floats* weights, int batch, int width)
{
    LossReference r{Doubles(batch * width), Doubles(batch), 0};
    double totalWeight = 0;
    for (int b = 0; b < batch; ++b) totalWeight += weights ? (*weights)[b] : 1.0;
    double total = 0;
    for (int b = 0; b < batch; ++b)
    {
        const double w = weights ? (*weights)[b] : 1.0;
        double rowLoss = 0, logSumExp = 0;
        if (kind == CeLogits)
        {
            double max = -INFINITY, sum = 0;
            for (int j = 0; j < width; ++j) max = std::max(max, double(y[b * width + j]));
            for (int j = 0; j < width; ++j) sum += std::exp(y[b * width + j] - max);
            logSumExp = max + std::log(sum);
        }
        for (int j = 0; j < width; ++j)
        {
            const int i = b * width + j;
            const double p = y[i], target = t[i];
            switch (kind)
            {
            case Mse:
                rowLoss += (p - target) * (p - target);
                r.dz[i] = 2 * w / (totalWeight * width) * (p - target) * ref_derivative(act, p);
                break;
            case Bce:
            case BceLogistic:
                rowLoss -= target * std::max(std::log(p), -100.0) + (1 - target) * std::max(std::log(1 - p), -100.0);
                r.dz[i] = kind == Bce ? w / (totalWeight * width) * (p - target) / std::max(p * (1 - p), 1e-12) * ref_derivative(act, p)
                                      : kLogisticSlope * w / (totalWeight * width) * (p - target);
                break;
            case CeProbabilities:
                if (target != 0) rowLoss -= target * std::log(std::max(p, 1e-30));
                r.dz[i] = w / totalWeight * (p - target);
                break;
            case CeLogits:
                if (target != 0) rowLoss -= target * (p - logSumExp);
                r.dz[i] = w / totalWeight * (std::exp(p - logSumExp) - target) * ref_derivative(act, p);
                break;
            }
        }
        r.perSample[b] = (kind == Mse || kind == Bce || kind == BceLogistic) ? rowLoss / width : rowLoss;
        total += w * rowLoss;
    }
    r.mean = (kind == Mse || kind == Bce || kind == BceLogistic) ? total / (totalWeight * width) : total / totalWeight;
    return r;
}

// Outputs and targets that suit the loss: probabilities for BCE, softmax rows for CE on probabilities.
void loss_inputs(LossKind kind, int act, int batch, int width, Floats& y, Floats& t)
{
    const int n = batch * width;
    if (kind == Bce || kind == BceLogistic)
    {
        y = activation_outputs(Logistic, n, 3);
        t = random_floats(n, 0, 1);
        for (int i = 0; i < n; i += 3) t[i] = t[i] < 0.5f ? 0.0f : 1.0f;  // hard labels too
    }
    else if (kind == CeProbabilities || kind == CeLogits)
    {
        y = kind == CeLogits ? activation_outputs(act, n, 3) : random_floats(n, 0.01f, 1);
        t = Floats(n, 0.0f);
        for (int b = 0; b < batch; ++b)
        {
            double sum = 0;
            for (int j = 0; j < width; ++j) sum += y[b * width + j];
            if (kind == CeProbabilities)
                for (int j = 0; j < width; ++j) y[b * width + j] = float(y[b * width + j] / sum);
            if (b % 2 == 0) t[b * width + (b * 7) % width] = 1.0f;  // one-hot
            else
            {
                Floats soft = random_floats(width, 0, 1);  // soft targets with some zeros
                double s = 0;
                for (int j = 0; j < width; j += 2) s += soft[j];
                for (int j = 0; j < width; j += 2) t[b * width + j] = float(soft[j] / s);
            }
        }
    }
    else
    {
        y = activation_outputs(act, n, 3);
        t = random_floats(n);
    }
}

void test_loss(const char* name, cn_kernel_entry entry, cn_kernel_entry mean, LossKind kind, int act, int batch, int width, int threads)
{
    Floats y, t;
    loss_inputs(kind, act, batch, width, y, t);
    Floats weights = random_floats(batch, 0.2f, 2.0f);
    for (int weighted = 0; weighted < 2; ++weighted)
    {
        const float* w = weighted ? weights.data() : nullptr;
        Floats dz(batch * width, NAN), losses(batch, NAN), out(1, NAN);
        launch(name, entry, {unsigned(batch)}, {unsigned(threads)}, 0, y.data(), t.data(), w, dz.data(), losses.data());
        launch(name, mean, {1}, {32}, 0, static_cast<const float*>(losses.data()), w, out.data());
        LossReference want = reference_loss(kind, act, y, t, weighted ? &weights : nullptr, batch, width);
        std::string label = std::string(name) + (weighted ? " weighted" : "");
        check(label + " dz", dz, want.dz, std::max(batch, 1));
        check(label + " loss[b]", losses, want.perSample, width);
        check(label + " mean", out, Doubles{want.mean}, width + batch);
    }
}

// ---- Optimizers (Optimizers/*.cs): float references in the C# order, three steps each ----
constexpr int kParameters = 37 * 29 + 29;

// Optimizer.FlushSubnormal: a decaying state value below FLT_MIN = 2⁻¹²⁶ becomes 0.
float flush_subnormal(float x) { return std::fabs(x) < 1.17549435e-38f ? 0.0f : x; }

struct OptimizerCase
{
    const char* name;
    cn_kernel_entry entry;
    int stateSlots;
};

void test_optimizers()
{
    const float lr = 0.05f, momentum = 0.9f, eps = 1e-8f, alpha = 0.99f, rho = 0.9f, epsDelta = 1e-6f, beta1 = 0.9f, beta2 = 0.999f;
    const Dim grid{blocks(kParameters, 256)}, block{256};
    const OptimizerCase cases[] = {
        {"sgd_a", sgd_a_entry, 0}, {"sgd_momentum_a", sgd_momentum_a_entry, 1}, {"sgd_nesterov_a", sgd_nesterov_a_entry, 1},
        {"adagrad_a", adagrad_a_entry, 1}, {"rmsprop_a", rmsprop_a_entry, 1}, {"adadelta_a", adadelta_a_entry, 2},
        {"adam_a", adam_a_entry, 2},
    };
    for (const OptimizerCase& c : cases)
    {
        const std::string name = c.name;
        Floats p = random_floats(kParameters), state(std::max(1, c.stateSlots) * kParameters, 0.0f);
        Floats refP = p, refState = state;
        for (int step = 1; step <= 3; ++step)
        {
            Floats g = random_floats(kParameters);
            float* s = state.data();
            const float* gp = g.data();
            if (name == "sgd_a") launch(c.name, c.entry, grid, block, 0, p.data(), gp, lr);
            else if (name == "sgd_momentum_a" || name == "sgd_nesterov_a") launch(c.name, c.entry, grid, block, 0, p.data(), gp, s, lr, momentum);
            else if (name == "adagrad_a") launch(c.name, c.entry, grid, block, 0, p.data(), gp, s, lr, 1e-10f);
            else if (name == "rmsprop_a") launch(c.name, c.entry, grid, block, 0, p.data(), gp, s, lr, alpha, eps);
            else if (name == "adadelta_a") launch(c.name, c.entry, grid, block, 0, p.data(), gp, s, 1.0f, rho, epsDelta);
            else
            {
                // Adam.cs: corrections once per step in double, rounded to float.
                const float stepSize = float(lr / (1.0 - std::pow(double(beta1), step)));
                const float correction2Sqrt = float(std::sqrt(1.0 - std::pow(double(beta2), step)));
                launch(c.name, c.entry, grid, block, 0, p.data(), gp, s, stepSize, correction2Sqrt, beta1, beta2, eps);
                for (int i = 0; i < kParameters; ++i)
                {
                    float gi = g[i];
                    float m = flush_subnormal(beta1 * refState[i] + (1.0f - beta1) * gi);
                    float v = flush_subnormal(beta2 * refState[kParameters + i] + (1.0f - beta2) * gi * gi);
                    refState[i] = m;
                    refState[kParameters + i] = v;
                    float denominator = std::sqrt(v) / correction2Sqrt + eps;
                    refP[i] -= stepSize * m / denominator;
                }
                continue;
            }
            for (int i = 0; i < kParameters; ++i)
            {
                float gi = g[i];
                if (name == "sgd_a") refP[i] -= lr * gi;
                else if (name == "sgd_momentum_a" || name == "sgd_nesterov_a")
                {
                    float b = flush_subnormal(momentum * refState[i] + gi);
                    refState[i] = b;
                    float d = name == "sgd_nesterov_a" ? gi + momentum * b : b;
                    refP[i] -= lr * d;
                }
                else if (name == "adagrad_a")
                {
                    float sum = refState[i] + gi * gi;
                    refState[i] = sum;
                    refP[i] -= lr * gi / (std::sqrt(sum) + 1e-10f);
                }
                else if (name == "rmsprop_a")
                {
                    float v = flush_subnormal(alpha * refState[i] + (1.0f - alpha) * gi * gi);
                    refState[i] = v;
                    refP[i] -= lr * gi / (std::sqrt(v) + eps);
                }
                else
                {
                    float v = flush_subnormal(rho * refState[i] + (1.0f - rho) * gi * gi);
                    refState[i] = v;
                    float u = refState[kParameters + i];
                    float delta = std::sqrt(u + epsDelta) / std::sqrt(v + epsDelta) * gi;
                    refState[kParameters + i] = flush_subnormal(rho * u + (1.0f - rho) * delta * delta);
                    refP[i] -= 1.0f * delta;
                }
            }
        }
        check(name + " p (3 steps)", p, to_doubles(refP), 1);
        if (c.stateSlots > 0) check(name + " state", state, to_doubles(refState), 1);
    }
}

// The flush at the edge of the normal range, compared exactly (check's tolerance cannot tell a subnormal from 0): one
// step with zero gradients from state between 0.8 and 2.1 times FLT_MIN, where each decay (×β) ends on either side.
void test_optimizer_flush()
{
    const float lr = 0.05f, momentum = 0.9f, eps = 1e-8f, alpha = 0.99f, rho = 0.9f, epsDelta = 1e-6f, beta1 = 0.9f, beta2 = 0.999f;
    const Dim grid{blocks(kParameters, 256)}, block{256};
    struct Case { const char* name; cn_kernel_entry entry; std::vector<float> decay; };
    const Case cases[] = {
        {"sgd_momentum_a", sgd_momentum_a_entry, {momentum}}, {"rmsprop_a", rmsprop_a_entry, {alpha}},
        {"adadelta_a", adadelta_a_entry, {rho, rho}}, {"adam_a", adam_a_entry, {beta1, beta2}},
    };
    for (const Case& c : cases)
    {
        const std::string name = c.name;
        const int slots = int(c.decay.size());
        Floats p(kParameters, 0.5f), g(kParameters, 0.0f), state(slots * kParameters);
        for (int i = 0; i < slots * kParameters; ++i) state[i] = 1.17549435e-38f * (0.8f + 0.02f * float(i % 64));
        Floats want(state.size());
        for (int i = 0; i < slots * kParameters; ++i)
        {
            const float beta = c.decay[i / kParameters];
            want[i] = flush_subnormal(beta * state[i] + (1.0f - beta) * 0.0f);
        }
        float* s = state.data();
        if (name == "sgd_momentum_a") launch(c.name, c.entry, grid, block, 0, p.data(), g.data(), s, lr, momentum);
        else if (name == "rmsprop_a") launch(c.name, c.entry, grid, block, 0, p.data(), g.data(), s, lr, alpha, eps);
        else if (name == "adadelta_a") launch(c.name, c.entry, grid, block, 0, p.data(), g.data(), s, 1.0f, rho, epsDelta);
        else launch(c.name, c.entry, grid, block, 0, p.data(), g.data(), s, lr / (1.0f - beta1), std::sqrt(1.0f - beta2), beta1, beta2, eps);
        size_t bad = 0, subnormal = 0, zeros = 0;
        for (size_t i = 0; i < state.size(); ++i)
        {
            bad += state[i] != want[i];
            subnormal += std::fpclassify(state[i]) == FP_SUBNORMAL;
            zeros += state[i] == 0.0f;
        }
        std::printf("%s  %-50s %zu of %zu flushed to 0, %zu subnormal, %zu differ\n", bad || subnormal || !zeros ? "FAIL" : "ok  ",
            (name + " state at the normal range's edge").c_str(), zeros, state.size(), subnormal, bad);
        failed |= bad != 0 || subnormal != 0 || zeros == 0;
    }
}

// ---- Layers (LayerKernels.cs) ----
constexpr int kBatch = 5, kFeatures = 37, kCount = kBatch * kFeatures;

void test_dropout()
{
    Floats x = random_floats(kCount), mask(kCount), y(kCount, NAN);
    std::uniform_real_distribution<float> u(0, 1);
    for (float& m : mask) m = u(rng) < 0.3f ? 0.0f : 1.0f / (1.0f - 0.3f);
    launch("dropout_forward_a", dropout_forward_a_entry, {blocks(kCount, 64)}, {64}, 0, x.data(), mask.data(), y.data());
    Doubles want(kCount);
    for (int i = 0; i < kCount; ++i) want[i] = double(x[i]) * mask[i];
    check("dropout_forward_a", y, want, 1);

    Floats dy = random_floats(kCount), yPrev = activation_outputs(ReLU, kCount), dPrev(kCount, NAN);
    launch("dropout_backward_relu_a", dropout_backward_relu_a_entry, {blocks(kCount, 64)}, {64}, 0, dy.data(), mask.data(), yPrev.data(), dPrev.data());
    for (int i = 0; i < kCount; ++i) want[i] = double(dy[i]) * mask[i] * ref_derivative(ReLU, yPrev[i]);
    check("dropout_backward_relu_a", dPrev, want, 1);
}

void test_prelu()
{
    Floats x = activation_outputs(Tanh, kCount), slope{0.25f}, y(kCount, NAN);
    launch("prelu_forward_a", prelu_forward_a_entry, {blocks(kCount, 64)}, {64}, 0, x.data(), y.data(), static_cast<const float*>(slope.data()));
    Doubles want(kCount);
    for (int i = 0; i < kCount; ++i) want[i] = x[i] > 0 ? x[i] : double(slope[0]) * x[i];
    check("prelu_forward_a", y, want, 1);

    // reduce_sum adds the partials to the slope's gradient: it starts from an earlier value, not zero.
    Floats dy = random_floats(kCount), partials(blocks(kCount, 64), NAN), gradient{0.375f}, dPrev(kCount, NAN);
    launch("prelu_backward_tanh_a", prelu_backward_tanh_a_entry, {blocks(kCount, 64)}, {64}, 0,
        dy.data(), x.data(), slope.data(), partials.data(), dPrev.data());
    launch("reduce_sum_3", reduce_sum_3_entry, {1}, {32}, 0, static_cast<const float*>(partials.data()), gradient.data());
    double wantSlope = 0;
    for (int i = 0; i < kCount; ++i)
    {
        if (x[i] <= 0) wantSlope += double(dy[i]) * x[i];
        want[i] = dy[i] * (x[i] > 0 ? 1.0 : slope[0]) * ref_derivative(Tanh, x[i]);
    }
    check("prelu_backward_tanh_a dPrev", dPrev, want, 1);
    check("prelu_backward_tanh_a + reduce_sum_3 da", gradient, Doubles{0.375 + wantSlope}, kCount);

    Floats single(1, NAN);
    launch("prelu_backward_first_a", prelu_backward_first_a_entry, {1}, {256}, 0,
        dy.data(), x.data(), slope.data(), single.data(), static_cast<float*>(nullptr));
    check("prelu_backward_first_a da", single, Doubles{wantSlope}, kCount);
}

// Against the definition: y_c = x_c s_c^(-beta), s_c = k + alpha/n sum of x^2 over channels c - n/2 .. c + (n-1)/2,
// and the backward pass by the chain rule through every (c, j) pair of the windows.
void test_lrn()
{
    const int B = 3, C = 5, P = 7, n = 4, N = B * C * P;
    const double alpha = 0.5, beta = 0.75, k = 1.0;
    Floats x = activation_outputs(Tanh, N), y(N, NAN), scale(N, NAN);
    launch("lrn_forward_a", lrn_forward_a_entry, {blocks(N, 64)}, {64}, 0, static_cast<const float*>(x.data()), y.data(), scale.data());
    Doubles wantY(N), wantS(N), wantD(N, 0.0);
    Floats dy = random_floats(N), dPrev(N, NAN);
    for (int b = 0; b < B; ++b)
        for (int c = 0; c < C; ++c)
            for (int p = 0; p < P; ++p)
            {
                const int i = (b * C + c) * P + p;
                double sum = 0;
                for (int j = c - n / 2; j <= c + (n - 1) / 2; ++j)
                    if (j >= 0 && j < C) sum += double(x[(b * C + j) * P + p]) * x[(b * C + j) * P + p];
                wantS[i] = k + alpha / n * sum;
                wantY[i] = x[i] * std::pow(wantS[i], -beta);
            }
    for (int b = 0; b < B; ++b)
        for (int c = 0; c < C; ++c)
            for (int p = 0; p < P; ++p)
            {
                const int i = (b * C + c) * P + p;
                for (int j = c - n / 2; j <= c + (n - 1) / 2; ++j)
                {
                    if (j < 0 || j >= C) continue;
                    const int at = (b * C + j) * P + p;
                    double dydx = -beta * x[i] * std::pow(wantS[i], -beta - 1) * 2 * alpha / n * x[at];
                    if (j == c) dydx += std::pow(wantS[i], -beta);
                    wantD[at] += dy[i] * dydx;
                }
            }
    for (int i = 0; i < N; ++i) wantD[i] *= ref_derivative(Tanh, x[i]);
    check("lrn_forward_a scale", scale, wantS, n);
    check("lrn_forward_a", y, wantY, n);
    launch("lrn_backward_tanh_a", lrn_backward_tanh_a_entry, {blocks(N, 64)}, {64}, 0, static_cast<const float*>(dy.data()),
        static_cast<const float*>(x.data()), static_cast<const float*>(y.data()), static_cast<const float*>(scale.data()), dPrev.data());
    check("lrn_backward_tanh_a", dPrev, wantD, n);
}

void test_batchnorm()
{
    const float momentum = 0.1f, epsilon = 1e-5f;
    Floats x = activation_outputs(Tanh, kCount), gamma = random_floats(kFeatures, 0.5f, 1.5f), beta = random_floats(kFeatures);
    Floats runningMean = random_floats(kFeatures), runningVariance = random_floats(kFeatures, 0.5f, 2.0f);
    Floats y(kCount, NAN), normalized(kCount, NAN), invStd(kFeatures, NAN), mean0 = runningMean, variance0 = runningVariance;
    launch("batchnorm_forward_training_relu_a", batchnorm_forward_training_relu_a_entry, {blocks(kFeatures, 32)}, {32}, 0,
        x.data(), y.data(), normalized.data(), gamma.data(), beta.data(), runningMean.data(), runningVariance.data(), invStd.data());
    Doubles wantY(kCount), wantN(kCount), wantInv(kFeatures), wantMean(kFeatures), wantVar(kFeatures);
    for (int f = 0; f < kFeatures; ++f)
    {
        double sum = 0, squares = 0;
        for (int b = 0; b < kBatch; ++b) sum += x[b * kFeatures + f];
        double mean = sum / kBatch;
        for (int b = 0; b < kBatch; ++b) squares += (x[b * kFeatures + f] - mean) * (x[b * kFeatures + f] - mean);
        double inv = 1 / std::sqrt(squares / kBatch + epsilon);
        wantInv[f] = inv;
        wantMean[f] = (1 - momentum) * double(mean0[f]) + momentum * mean;
        wantVar[f] = (1 - momentum) * double(variance0[f]) + momentum * squares / (kBatch - 1);
        for (int b = 0; b < kBatch; ++b)
        {
            int i = b * kFeatures + f;
            wantN[i] = (x[i] - mean) * inv;
            wantY[i] = ref_apply(ReLU, gamma[f] * wantN[i] + beta[f]);
        }
    }
    check("batchnorm_forward_training_relu_a y", y, wantY, kBatch);
    check("batchnorm_forward_training_relu_a x^", normalized, wantN, kBatch);
    check("batchnorm_forward_training_relu_a 1/sigma", invStd, wantInv, kBatch);
    check("batchnorm_forward_training_relu_a run mean", runningMean, wantMean, kBatch);
    check("batchnorm_forward_training_relu_a run var", runningVariance, wantVar, kBatch);

    Floats yInference(kCount, NAN);
    launch("batchnorm_forward_inference_relu_a", batchnorm_forward_inference_relu_a_entry, {blocks(kCount, 64)}, {64}, 0,
        x.data(), yInference.data(), gamma.data(), beta.data(), runningMean.data(), runningVariance.data());
    Doubles wantInference(kCount);
    for (int i = 0; i < kCount; ++i)
    {
        int f = i % kFeatures;
        double scale = gamma[f] / std::sqrt(double(runningVariance[f]) + epsilon);
        wantInference[i] = ref_apply(ReLU, x[i] * scale + (beta[f] - runningMean[f] * scale));
    }
    check("batchnorm_forward_inference_relu_a", yInference, wantInference, 1);

    // Backward from the training forward's outputs; x is a tanh layer's output (yPrev).
    // dγ and dβ are added to: they start from earlier values, not zero.
    Floats dy = random_floats(kCount), dyIn = dy, dGamma = random_floats(kFeatures), dBeta = random_floats(kFeatures), dPrev(kCount, NAN);
    const Floats dGamma0 = dGamma, dBeta0 = dBeta;
    launch("batchnorm_backward_relu_tanh_a", batchnorm_backward_relu_tanh_a_entry, {blocks(kFeatures, 32)}, {32}, 0,
        dy.data(), y.data(), normalized.data(), gamma.data(), invStd.data(), dGamma.data(), dBeta.data(), x.data(), dPrev.data());
    Doubles wantDz(kCount), wantGamma(kFeatures), wantBeta(kFeatures), wantPrev(kCount);
    for (int f = 0; f < kFeatures; ++f)
    {
        double sumDz = 0, sumDzN = 0;
        for (int b = 0; b < kBatch; ++b)
        {
            int i = b * kFeatures + f;
            wantDz[i] = dyIn[i] * ref_derivative(ReLU, y[i]);
            sumDz += wantDz[i];
            sumDzN += wantDz[i] * normalized[i];
        }
        wantBeta[f] = dBeta0[f] + sumDz;
        wantGamma[f] = dGamma0[f] + sumDzN;
        double scale = double(gamma[f]) * invStd[f];
        for (int b = 0; b < kBatch; ++b)
        {
            int i = b * kFeatures + f;
            wantPrev[i] = scale * (wantDz[i] - sumDz / kBatch - normalized[i] * sumDzN / kBatch) * ref_derivative(Tanh, x[i]);
        }
    }
    check("batchnorm_backward_relu_tanh_a dz (in dy)", dy, wantDz, 1);
    check("batchnorm_backward_relu_tanh_a dgamma", dGamma, wantGamma, kBatch);
    check("batchnorm_backward_relu_tanh_a dbeta", dBeta, wantBeta, kBatch);
    check("batchnorm_backward_relu_tanh_a dPrev", dPrev, wantPrev, 2 * kBatch);
}

// ---- Convolution (PyTorch's Conv2d/Conv1d: NCHW, weight [OutC, InC/Groups, KH, KW], zero padding) ----
// References are the textbook loops over every (output, tap) pair in double; the backward ones
// scatter from each output into its window, where the kernels gather per input.
struct ConvShape
{
    int batch, inC, inH, inW, outC, kh, kw, sh, sw, ph, pw, groups;
    int outH() const { return (inH + 2 * ph - kh) / sh + 1; }
    int outW() const { return (inW + 2 * pw - kw) / sw + 1; }
    int inputs() const { return batch * inC * inH * inW; }
    int outputs() const { return batch * outC * outH() * outW(); }
    int weights() const { return outC * (inC / groups) * kh * kw; }
    int xAt(int n, int c, int h, int w) const { return ((n * inC + c) * inH + h) * inW + w; }
    int yAt(int n, int c, int h, int w) const { return ((n * outC + c) * outH() + h) * outW() + w; }
    int wAt(int oc, int c, int h, int w) const { return ((oc * (inC / groups) + c) * kh + h) * kw + w; }

    // Calls f(n, oc, oh, ow, ic, c, r, s, ih, iw) for every tap inside the input (padding skipped).
    template <class F>
    void for_each_tap(F f) const
    {
        const int gi = inC / groups, go = outC / groups;
        for (int n = 0; n < batch; ++n)
            for (int oc = 0; oc < outC; ++oc)
                for (int oh = 0; oh < outH(); ++oh)
                    for (int ow = 0; ow < outW(); ++ow)
                        for (int c = 0; c < gi; ++c)
                            for (int r = 0; r < kh; ++r)
                                for (int s = 0; s < kw; ++s)
                                {
                                    const int ih = oh * sh - ph + r, iw = ow * sw - pw + s;
                                    if (ih >= 0 && ih < inH && iw >= 0 && iw < inW) f(n, oc, oh, ow, (oc / go) * gi + c, c, r, s, ih, iw);
                                }
    }
};

// Shapes as the CN_CONV_* of all_kernels.cu.
constexpr ConvShape kConvA{2, 3, 9, 7, 4, 3, 2, 2, 1, 1, 0, 1};
constexpr ConvShape kConvDw{2, 3, 7, 6, 6, 3, 3, 2, 2, 1, 1, 3};
constexpr ConvShape kConvPw{2, 5, 4, 3, 7, 1, 1, 1, 1, 0, 0, 1};
constexpr ConvShape kConvE{3, 4, 1, 11, 6, 1, 3, 1, 3, 0, 0, 2};

void test_conv_forward(const char* name, cn_kernel_entry entry, const ConvShape& c, int act)
{
    Floats x = random_floats(c.inputs()), w = random_floats(c.weights()), b = random_floats(c.outC), y(c.outputs(), NAN);
    launch(name, entry, {blocks(c.outputs(), 64)}, {64}, 0, x.data(), w.data(), b.data(), y.data());
    Doubles z(c.outputs());
    for (int n = 0; n < c.batch; ++n)
        for (int oc = 0; oc < c.outC; ++oc)
            for (int oh = 0; oh < c.outH(); ++oh)
                for (int ow = 0; ow < c.outW(); ++ow) z[c.yAt(n, oc, oh, ow)] = b[oc];
    c.for_each_tap([&](int n, int oc, int oh, int ow, int ic, int ci, int r, int s, int ih, int iw) {
        z[c.yAt(n, oc, oh, ow)] += double(x[c.xAt(n, ic, ih, iw)]) * w[c.wAt(oc, ci, r, s)];
    });
    for (double& v : z) v = ref_apply(act, v);
    check(name, y, z, c.inC / c.groups * c.kh * c.kw);
}

void test_conv_weight_gradient(const char* name, cn_kernel_entry entry, const ConvShape& c, int threads)
{
    // The kernel adds to dW and db: they start from earlier values, not zero.
    Floats dz = random_floats(c.outputs()), x = random_floats(c.inputs()), dw = random_floats(c.weights()), db = random_floats(c.outC);
    Doubles wantW = to_doubles(dw), wantB = to_doubles(db);
    launch(name, entry, {unsigned(c.weights() / c.outC + 1), unsigned(c.outC)}, {unsigned(threads)}, 0, dz.data(), x.data(), dw.data(), db.data());
    for (int n = 0; n < c.batch; ++n)
        for (int oc = 0; oc < c.outC; ++oc)
            for (int oh = 0; oh < c.outH(); ++oh)
                for (int ow = 0; ow < c.outW(); ++ow) wantB[oc] += dz[c.yAt(n, oc, oh, ow)];
    c.for_each_tap([&](int n, int oc, int oh, int ow, int ic, int ci, int r, int s, int ih, int iw) {
        wantW[c.wAt(oc, ci, r, s)] += double(dz[c.yAt(n, oc, oh, ow)]) * x[c.xAt(n, ic, ih, iw)];
    });
    const int positions = c.batch * c.outH() * c.outW();
    check(std::string(name) + " dW", dw, wantW, positions);
    check(std::string(name) + " db", db, wantB, positions);
}

void test_conv_input_gradient(const char* name, cn_kernel_entry entry, const ConvShape& c, int actPrev)
{
    Floats dz = random_floats(c.outputs()), w = random_floats(c.weights()), yPrev = activation_outputs(actPrev, c.inputs());
    Floats dzPrev(c.inputs(), NAN);
    const float* yPrevArg = actPrev == Linear ? nullptr : yPrev.data();  // a linear ActPrev must not read it
    launch(name, entry, {blocks(c.inputs(), 64)}, {64}, 0, dz.data(), w.data(), yPrevArg, dzPrev.data());
    Doubles want(c.inputs(), 0.0);
    c.for_each_tap([&](int n, int oc, int oh, int ow, int ic, int ci, int r, int s, int ih, int iw) {
        want[c.xAt(n, ic, ih, iw)] += double(dz[c.yAt(n, oc, oh, ow)]) * w[c.wAt(oc, ci, r, s)];
    });
    for (int i = 0; i < c.inputs(); ++i) want[i] *= ref_derivative(actPrev, yPrev[i]);
    check(name, dzPrev, want, c.outC / c.groups * c.kh * c.kw);
}

// ---- Pooling (PyTorch's MaxPool2d with indices, AvgPool2d count_include_pad, AdaptiveAvgPool2d(1), MaxUnpool2d) ----
struct PoolShape
{
    int batch, channels, inH, inW, kh, kw, sh, sw, ph, pw;
    int outH() const { return (inH + 2 * ph - kh) / sh + 1; }
    int outW() const { return (inW + 2 * pw - kw) / sw + 1; }
    int planes() const { return batch * channels; }
    int inputs() const { return planes() * inH * inW; }
    int outputs() const { return planes() * outH() * outW(); }
    int overlap() const { return ((kh + sh - 1) / sh) * ((kw + sw - 1) / sw); }  // windows per input, at most
};

// Shapes as the CN_POOL_* of all_kernels.cu.
constexpr PoolShape kPoolK2{2, 3, 9, 7, 2, 2, 2, 2, 0, 0};
constexpr PoolShape kPoolK3{2, 3, 9, 7, 3, 3, 2, 2, 1, 1};
constexpr PoolShape kPoolK32{2, 3, 9, 7, 3, 2, 1, 2, 1, 1};

// Max over each window's real values, scanning rows then columns; strict > (the first maximum wins)
// or a NaN. Returns the switches (position in the plane) and fills y.
std::vector<int> ref_maxpool(const PoolShape& p, const Floats& x, Doubles& y)
{
    std::vector<int> switches(p.outputs());
    y.assign(p.outputs(), 0.0);
    for (int q = 0; q < p.planes(); ++q)
        for (int oh = 0; oh < p.outH(); ++oh)
            for (int ow = 0; ow < p.outW(); ++ow)
            {
                int best = -1;
                float bestValue = 0;
                for (int r = 0; r < p.kh; ++r)
                    for (int s = 0; s < p.kw; ++s)
                    {
                        const int ih = oh * p.sh - p.ph + r, iw = ow * p.sw - p.pw + s;
                        if (ih < 0 || ih >= p.inH || iw < 0 || iw >= p.inW) continue;
                        const float v = x[q * p.inH * p.inW + ih * p.inW + iw];
                        if (best < 0 || v > bestValue || std::isnan(v)) { best = ih * p.inW + iw; bestValue = v; }
                    }
                const int o = (q * p.outH() + oh) * p.outW() + ow;
                y[o] = bestValue;
                switches[o] = best;
            }
    return switches;
}

Floats to_floats(const std::vector<int>& v) { return Floats(v.begin(), v.end()); }

// Adds each pooled value at its switch: maxpool's backward and max unpooling alike.
Doubles ref_scatter_switched(const PoolShape& p, const Floats& pooled, const std::vector<int>& switches)
{
    Doubles out(p.inputs(), 0.0);
    for (int o = 0; o < p.outputs(); ++o) out[o / (p.outH() * p.outW()) * p.inH * p.inW + switches[o]] += pooled[o];
    return out;
}

void test_maxpool(const char* forwardName, cn_kernel_entry forward, const char* backwardName, cn_kernel_entry backward,
    const PoolShape& p, int actPrev)
{
    // A ReLU layer's outputs: many zeros, so whole windows tie and the first-maximum rule is exercised.
    Floats x = activation_outputs(actPrev == Linear ? ReLU : actPrev, p.inputs()), y(p.outputs(), NAN);
    std::vector<int> switches(p.outputs(), -1);
    launch(forwardName, forward, {blocks(p.outputs(), 64)}, {64}, 0, x.data(), y.data(), switches.data());
    Doubles wantY;
    std::vector<int> wantSwitches = ref_maxpool(p, x, wantY);
    check(std::string(forwardName) + " y", y, wantY, 1);
    check(std::string(forwardName) + " switches", to_floats(switches), to_doubles(to_floats(wantSwitches)), 0);

    Floats dy = random_floats(p.outputs()), dPrev(p.inputs(), NAN);
    const float* yPrevArg = actPrev == Linear ? nullptr : x.data();
    launch(backwardName, backward, {blocks(p.inputs(), 64)}, {64}, 0, dy.data(), static_cast<const int*>(wantSwitches.data()), yPrevArg, dPrev.data());
    Doubles want = ref_scatter_switched(p, dy, wantSwitches);
    for (int i = 0; i < p.inputs(); ++i) want[i] *= ref_derivative(actPrev, x[i]);
    check(backwardName, dPrev, want, p.overlap());

    // NaN propagates: a NaN input is the maximum (and the switch) of every window holding it.
    Floats xNan = x, yNan(p.outputs(), NAN);
    const int plane = p.planes() - 1, nanAt = (p.inH / 2) * p.inW + p.inW / 2;
    xNan[plane * p.inH * p.inW + nanAt] = NAN;
    launch(forwardName, forward, {blocks(p.outputs(), 64)}, {64}, 0, xNan.data(), yNan.data(), switches.data());
    Doubles wantNan;
    wantSwitches = ref_maxpool(p, xNan, wantNan);
    int nanWindows = 0;
    bool ok = true;
    for (int o = 0; o < p.outputs(); ++o)
    {
        const bool isNan = std::isnan(wantNan[o]);
        nanWindows += isNan;
        ok &= switches[o] == wantSwitches[o] && (isNan ? std::isnan(yNan[o]) : double(yNan[o]) == wantNan[o]);
    }
    ok &= nanWindows > 0;
    std::printf("%s  %-50s %d windows hold the NaN: NaN and its switch there, the rest unchanged\n", ok ? "ok  " : "FAIL",
        (std::string(forwardName) + " NaN").c_str(), nanWindows);
    failed |= !ok;
}

void test_avgpool(const char* forwardName, cn_kernel_entry forward, const char* backwardName, cn_kernel_entry backward,
    const PoolShape& p, int actPrev)
{
    Floats x = random_floats(p.inputs()), y(p.outputs(), NAN);
    launch(forwardName, forward, {blocks(p.outputs(), 64)}, {64}, 0, x.data(), y.data());
    Doubles want(p.outputs(), 0.0), wantPrev(p.inputs(), 0.0);
    Floats dy = random_floats(p.outputs());
    for (int q = 0; q < p.planes(); ++q)
        for (int oh = 0; oh < p.outH(); ++oh)
            for (int ow = 0; ow < p.outW(); ++ow)
            {
                const int o = (q * p.outH() + oh) * p.outW() + ow;
                for (int r = 0; r < p.kh; ++r)
                    for (int s = 0; s < p.kw; ++s)
                    {
                        const int ih = oh * p.sh - p.ph + r, iw = ow * p.sw - p.pw + s;
                        if (ih < 0 || ih >= p.inH || iw < 0 || iw >= p.inW) continue;  // padding: zeros, still counted
                        want[o] += x[(q * p.inH + ih) * p.inW + iw] / double(p.kh * p.kw);
                        wantPrev[(q * p.inH + ih) * p.inW + iw] += dy[o] / double(p.kh * p.kw);
                    }
            }
    check(forwardName, y, want, p.kh * p.kw);

    Floats yPrev = activation_outputs(actPrev, p.inputs()), dPrev(p.inputs(), NAN);
    const float* yPrevArg = actPrev == Linear ? nullptr : yPrev.data();
    launch(backwardName, backward, {blocks(p.inputs(), 64)}, {64}, 0, dy.data(), yPrevArg, dPrev.data());
    for (int i = 0; i < p.inputs(); ++i) wantPrev[i] *= ref_derivative(actPrev, yPrev[i]);
    check(backwardName, dPrev, wantPrev, p.overlap());
}

void test_global_avgpool()
{
    const int planes = 2 * 3, size = 9 * 7;
    Floats x = random_floats(planes * size), y(planes, NAN);
    launch("global_avgpool_forward_a", global_avgpool_forward_a_entry, {unsigned(planes)}, {32}, 0, x.data(), y.data());
    Doubles want(planes, 0.0);
    for (int i = 0; i < planes * size; ++i) want[i / size] += x[i] / double(size);
    check("global_avgpool_forward_a", y, want, size);

    Floats dy = random_floats(planes), yPrev = activation_outputs(ReLU, planes * size), dPrev(planes * size, NAN);
    launch("global_avgpool_backward_relu_a", global_avgpool_backward_relu_a_entry, {blocks(planes * size, 64)}, {64}, 0,
        dy.data(), yPrev.data(), dPrev.data());
    Doubles wantPrev(planes * size);
    for (int i = 0; i < planes * size; ++i) wantPrev[i] = dy[i / size] / double(size) * ref_derivative(ReLU, yPrev[i]);
    check("global_avgpool_backward_relu_a", dPrev, wantPrev, 1);
}

// Unpooling with the switches of a max pooling (overlapping windows for k3: shared switches add up).
void test_max_unpool(const char* forwardName, cn_kernel_entry forward, const char* backwardName, cn_kernel_entry backward,
    const PoolShape& p, int actPrev)
{
    Floats x = activation_outputs(ReLU, p.inputs());
    Doubles pooledUnused;
    const std::vector<int> switches = ref_maxpool(p, x, pooledUnused);
    int shared = 0;  // switches chosen by more than one window
    {
        std::vector<int> uses(p.inputs(), 0);
        for (int o = 0; o < p.outputs(); ++o) shared += ++uses[o / (p.outH() * p.outW()) * p.inH * p.inW + switches[o]] == 2;
    }
    Floats pooled = random_floats(p.outputs()), y(p.inputs(), NAN);
    launch(forwardName, forward, {blocks(p.inputs(), 64)}, {64}, 0, pooled.data(), switches.data(), y.data());
    check(std::string(forwardName) + " (" + std::to_string(shared) + " shared switches)", y, ref_scatter_switched(p, pooled, switches), p.overlap());

    Floats dy = random_floats(p.inputs()), yPrev = activation_outputs(actPrev, p.outputs()), dPrev(p.outputs(), NAN);
    const float* yPrevArg = actPrev == Linear ? nullptr : yPrev.data();
    launch(backwardName, backward, {blocks(p.outputs(), 64)}, {64}, 0, dy.data(), switches.data(), yPrevArg, dPrev.data());
    Doubles want(p.outputs());
    for (int o = 0; o < p.outputs(); ++o)
        want[o] = dy[o / (p.outH() * p.outW()) * p.inH * p.inW + switches[o]] * ref_derivative(actPrev, yPrev[o]);
    check(backwardName, dPrev, want, 1);
}

void test_conv_and_pool()
{
    test_conv_forward("conv2d_forward_tanh_a", conv2d_forward_tanh_a_entry, kConvA, Tanh);
    test_conv_forward("conv2d_forward_leaky_a", conv2d_forward_leaky_a_entry, kConvA, LeakyReLU);
    test_conv_forward("conv2d_forward_logistic_a", conv2d_forward_logistic_a_entry, kConvA, Logistic);
    test_conv_weight_gradient("conv2d_weight_gradient_a", conv2d_weight_gradient_a_entry, kConvA, 32);
    test_conv_input_gradient("conv2d_input_gradient_tanh_a", conv2d_input_gradient_tanh_a_entry, kConvA, Tanh);
    test_conv_input_gradient("conv2d_input_gradient_linear_a", conv2d_input_gradient_linear_a_entry, kConvA, Linear);
    test_conv_forward("conv2d_forward_relu_dw", conv2d_forward_relu_dw_entry, kConvDw, ReLU);
    test_conv_weight_gradient("conv2d_weight_gradient_dw", conv2d_weight_gradient_dw_entry, kConvDw, 64);
    test_conv_input_gradient("conv2d_input_gradient_relu_dw", conv2d_input_gradient_relu_dw_entry, kConvDw, ReLU);
    test_conv_forward("conv2d_forward_linear_pw", conv2d_forward_linear_pw_entry, kConvPw, Linear);
    test_conv_weight_gradient("conv2d_weight_gradient_pw", conv2d_weight_gradient_pw_entry, kConvPw, 32);
    test_conv_input_gradient("conv2d_input_gradient_logistic_pw", conv2d_input_gradient_logistic_pw_entry, kConvPw, Logistic);
    test_conv_forward("conv1d_forward_softplus_e", conv1d_forward_softplus_e_entry, kConvE, Softplus);
    test_conv_weight_gradient("conv1d_weight_gradient_e", conv1d_weight_gradient_e_entry, kConvE, 32);
    test_conv_input_gradient("conv1d_input_gradient_leaky_e", conv1d_input_gradient_leaky_e_entry, kConvE, LeakyReLU);

    test_maxpool("maxpool2d_forward_k2", maxpool2d_forward_k2_entry, "maxpool2d_backward_relu_k2", maxpool2d_backward_relu_k2_entry, kPoolK2, ReLU);
    test_maxpool("maxpool2d_forward_k3", maxpool2d_forward_k3_entry, "maxpool2d_backward_tanh_k3", maxpool2d_backward_tanh_k3_entry, kPoolK3, Tanh);
    test_maxpool("maxpool2d_forward_k32", maxpool2d_forward_k32_entry, "maxpool2d_backward_linear_k32", maxpool2d_backward_linear_k32_entry,
        kPoolK32, Linear);
    test_avgpool("avgpool2d_forward_k2", avgpool2d_forward_k2_entry, "avgpool2d_backward_linear_k2", avgpool2d_backward_linear_k2_entry, kPoolK2, Linear);
    test_avgpool("avgpool2d_forward_k3", avgpool2d_forward_k3_entry, "avgpool2d_backward_relu_k3", avgpool2d_backward_relu_k3_entry, kPoolK3, ReLU);
    test_global_avgpool();
    test_max_unpool("max_unpool2d_forward_k2", max_unpool2d_forward_k2_entry, "max_unpool2d_backward_linear_k2", max_unpool2d_backward_linear_k2_entry,
        kPoolK2, Linear);
    test_max_unpool("max_unpool2d_forward_k3", max_unpool2d_forward_k3_entry, "max_unpool2d_backward_tanh_k3", max_unpool2d_backward_tanh_k3_entry,
        kPoolK3, Tanh);
}

// ---- The emulation's own shuffles, atomics and launch checks ----
void test_selftest()
{
    const int n = 128;
    Floats x = random_floats(n), down(n, NAN), idx(n, NAN), bfly(n, NAN), sum(1, 0.0f);
    launch("selftest_warp", selftest_warp_entry, {2}, {64}, 0, x.data(), down.data(), idx.data(), bfly.data(), sum.data());
    Doubles wantDown(n), wantIdx(n), wantBfly(n);
    double total = 0;
    for (int i = 0; i < n; ++i)
    {
        int lane = i % 32, warp = i - lane;
        wantDown[i] = lane + 3 < 32 ? x[i + 3] : x[i];
        wantIdx[i] = x[warp + (lane & ~15) + 5];
        wantBfly[i] = warp + (lane ^ 6);
        total += x[i];
    }
    check("selftest __shfl_down_sync", down, wantDown, 1);
    check("selftest __shfl_sync width 16", idx, wantIdx, 1);
    check("selftest __shfl_xor_sync width 8", bfly, wantBfly, 1);
    check("selftest atomicAdd", sum, Doubles{total}, n);

    void* none[] = {nullptr};
    const bool rejects = cn_launch(selftest_warp_entry, 1, 1, 1, 2048, 1, 1, 0, none) == 1
        && cn_launch(selftest_warp_entry, 1, 1, 1, 32, 1, 1, 64 * 1024, none) == 1;
    std::printf("%s  %-50s 2048 threads and 64 KiB dynamic shared rejected\n", rejects ? "ok  " : "FAIL", "cn_launch limits");
    failed |= !rejects;
}

}  // namespace

// ---- The finiteness check (Guard.FirstNonFinite in C#): the first NaN or ±∞, or Count when there is none ----
void test_first_nonfinite()
{
    struct Case { const char* name; std::vector<std::pair<int, float>> bad; int want; };
    const Case cases[] = {
        {"all finite", {}, kParameters},
        {"NaN at 700", {{700, NAN}}, 700},
        {"+inf at 5 before NaN at 900", {{900, NAN}, {5, INFINITY}}, 5},
        {"-inf in the last element", {{kParameters - 1, -INFINITY}}, kParameters - 1},
        {"two in one thread's stride", {{256 + 3, NAN}, {3 * 256 + 3, NAN}}, 256 + 3},
        {"largest finite values are finite", {{10, 3.402823466e38f}, {11, -3.402823466e38f}, {12, 1e-45f}}, kParameters},
    };
    for (const Case& c : cases)
    {
        Floats g = random_floats(kParameters);
        for (auto [index, value] : c.bad) g[index] = value;
        int out = -1;
        launch("first_nonfinite_a", first_nonfinite_a_entry, {1}, {256}, 0, static_cast<const float*>(g.data()), &out);
        if (out != c.want)
        {
            std::printf("FAIL  first_nonfinite_a %-32s got %d, want %d\n", c.name, out, c.want);
            failed = true;
        }
        else std::printf("ok    first_nonfinite_a %s\n", c.name);
    }
}

// Hopfield store and sweep (kernels/hopfield.cuh) against HopfieldKernels.cs: on ±1 patterns every value is a whole number
// (or C / N, one correctly rounded division), so the kernels must match exactly, ties (zero fields) included.
void test_hopfield(const char* name, cn_kernel_entry store, cn_kernel_entry sweep, cn_kernel_entry changes, int n, int sweepThreads, int changeThreads)
{
    std::uniform_int_distribution<int> coin(0, 1);
    auto spins = [&](int count) { Floats v(count); for (float& x : v) x = coin(rng) ? 1.0f : -1.0f; return v; };
    const int first = 4, second = 2;  // an even count first: fields of 0 (ties) occur
    Floats p1 = spins(first * n), p2 = spins(second * n);
    Floats C(n * n, 0.0f), W(n * n, NAN);
    std::vector<int> want(n * n, 0);
    auto add = [&](const Floats& p, int count) {
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                for (int k = 0; k < count; ++k) want[i * n + j] += i == j ? 0 : static_cast<int>(p[k * n + i] * p[k * n + j]);
    };
    int mismatches = 0;
    auto compare = [&](const char* stage) {
        int bad = 0;
        for (int k = 0; k < n * n; ++k)
            bad += C[k] != static_cast<float>(want[k]) || W[k] != static_cast<float>(want[k]) / static_cast<float>(n);
        std::printf("%s  %-50s %d of %d weights differ\n", bad ? "FAIL" : "ok  ", (std::string(name) + " store " + stage).c_str(), bad, n * n);
        mismatches += bad;
    };
    add(p1, first);
    launch(name, store, {blocks(n * n, 256)}, {256}, 0, C.data(), W.data(), static_cast<const float*>(p1.data()), first);
    compare("(first)");
    add(p2, second);
    launch(name, store, {blocks(n * n, 256)}, {256}, 0, C.data(), W.data(), static_cast<const float*>(p2.data()), second);
    compare("(accumulated)");

    // Sweeps from random states: next = sign(C s), a zero field keeping s; changes = the number that differ.
    int ties = 0, badSweep = 0, badCount = 0;
    for (int trial = 0; trial < 8; ++trial)
    {
        Floats s = spins(n), next(n, NAN), changed(1, NAN);
        launch(name, sweep, {static_cast<unsigned>(n)}, {static_cast<unsigned>(sweepThreads)}, 0, static_cast<const float*>(C.data()),
            static_cast<const float*>(s.data()), next.data());
        launch(name, changes, {1}, {static_cast<unsigned>(changeThreads)}, 0, static_cast<const float*>(s.data()),
            static_cast<const float*>(next.data()), changed.data());
        int differ = 0;
        for (int i = 0; i < n; ++i)
        {
            long h = 0;
            for (int j = 0; j < n; ++j) h += static_cast<long>(want[i * n + j]) * static_cast<long>(s[j]);
            ties += h == 0;
            const float expected = h > 0 ? 1.0f : h < 0 ? -1.0f : s[i];
            badSweep += next[i] != expected;
            differ += expected != s[i];
        }
        badCount += changed[0] != static_cast<float>(differ);
    }
    std::printf("%s  %-50s %d wrong states, %d wrong counts (%d ties kept)\n", badSweep + badCount ? "FAIL" : "ok  ",
        (std::string(name) + " sweep").c_str(), badSweep, badCount, ties);
    if (ties == 0) { std::printf("FAIL  %-50s no tie occurred: the tie rule went unchecked\n", name); failed = true; }
    failed |= mismatches != 0 || badSweep != 0 || badCount != 0;
}

int main()
{
    test_selftest();

    cn_kernel_entry forwardA[] = {dense_forward_linear_a_entry, dense_forward_heaviside_a_entry, dense_forward_sign_a_entry,
        dense_forward_logistic_a_entry, dense_forward_tanh_a_entry, dense_forward_relu_a_entry, dense_forward_leaky_a_entry,
        dense_forward_softplus_a_entry};
    cn_kernel_entry inputGradientA[] = {dense_input_gradient_linear_a_entry, dense_input_gradient_heaviside_a_entry,
        dense_input_gradient_sign_a_entry, dense_input_gradient_logistic_a_entry, dense_input_gradient_tanh_a_entry,
        dense_input_gradient_relu_a_entry, dense_input_gradient_leaky_a_entry, dense_input_gradient_softplus_a_entry};
    for (int act = 0; act < 8; ++act)
        test_dense_forward(("dense_forward_" + std::string(kActivationNames[act]) + "_a").c_str(), forwardA[act], act, 5, 37, 29, 16);
    test_dense_forward("dense_forward_tanh_b", dense_forward_tanh_b_entry, Tanh, 19, 50, 33, 8);
    test_dense_weight_gradient("dense_weight_gradient_a", dense_weight_gradient_a_entry, 5, 37, 29, 16);
    test_dense_weight_gradient("dense_weight_gradient_b", dense_weight_gradient_b_entry, 19, 50, 33, 8);
    for (int act = 0; act < 8; ++act)
        test_dense_input_gradient(("dense_input_gradient_" + std::string(kActivationNames[act]) + "_a").c_str(), inputGradientA[act], act, 5, 37, 29, 16);
    test_dense_input_gradient("dense_input_gradient_logistic_b", dense_input_gradient_logistic_b_entry, Logistic, 19, 50, 33, 8);

    test_softmax("softmax_forward_a", softmax_forward_a_entry, "softmax_backward_a", softmax_backward_a_entry, 5, 29, 32);
    test_softmax("softmax_forward_b", softmax_forward_b_entry, "softmax_backward_b", softmax_backward_b_entry, 19, 70, 64);

    test_loss("mse_loss_logistic_a", mse_loss_logistic_a_entry, loss_mean_a_entry, Mse, Logistic, 5, 29, 32);
    test_loss("mse_loss_linear_b", mse_loss_linear_b_entry, loss_mean_b_entry, Mse, Linear, 19, 33, 64);
    test_loss("bce_loss_logistic_a", bce_loss_logistic_a_entry, loss_mean_a_entry, Bce, Logistic, 5, 29, 32);
    test_loss("bce_logistic_loss_a", bce_logistic_loss_a_entry, loss_mean_a_entry, BceLogistic, Logistic, 5, 29, 32);
    test_loss("softmax_ce_probabilities_loss_a", softmax_ce_probabilities_loss_a_entry, loss_mean_a_entry, CeProbabilities, Linear, 5, 29, 32);
    test_loss("softmax_ce_logits_loss_tanh_a", softmax_ce_logits_loss_tanh_a_entry, loss_mean_a_entry, CeLogits, Tanh, 5, 29, 32);
    test_loss("softmax_ce_logits_loss_linear_b", softmax_ce_logits_loss_linear_b_entry, loss_mean_b_entry, CeLogits, Linear, 19, 33, 64);

    test_optimizers();
    test_optimizer_flush();
    test_first_nonfinite();
    test_dropout();
    test_prelu();
    test_lrn();
    test_hopfield("hopfield_a (N = 37)", hopfield_store_a_entry, hopfield_sweep_a_entry, hopfield_changes_a_entry, 37, 32, 32);
    test_hopfield("hopfield_b (N = 150)", hopfield_store_b_entry, hopfield_sweep_b_entry, hopfield_changes_b_entry, 150, 64, 64);
    test_batchnorm();
    test_conv_and_pool();

    std::printf(failed ? "FAILED\n" : "all kernels match the reference\n");
    return failed ? 1 : 0;
}
