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
CN_DECLARE(adadelta_a) CN_DECLARE(adam_a)
CN_DECLARE(dropout_forward_a) CN_DECLARE(dropout_backward_relu_a) CN_DECLARE(prelu_forward_a) CN_DECLARE(prelu_backward_tanh_a)
CN_DECLARE(prelu_backward_first_a) CN_DECLARE(reduce_sum_3)
CN_DECLARE(batchnorm_forward_training_relu_a) CN_DECLARE(batchnorm_forward_inference_relu_a) CN_DECLARE(batchnorm_backward_relu_tanh_a)
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
    Floats dz = random_floats(batch * out), x = random_floats(batch * in), dw(out * in, NAN), db(out, NAN);
    launch(name, entry, {blocks(in, tile), blocks(out, tile)}, {unsigned(tile), unsigned(tile)}, 0, dz.data(), x.data(), dw.data(), db.data());
    Doubles wantW(out * in, 0.0), wantB(out, 0.0);
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
                    float m = beta1 * refState[i] + (1.0f - beta1) * gi;
                    float v = beta2 * refState[kParameters + i] + (1.0f - beta2) * gi * gi;
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
                    float b = momentum * refState[i] + gi;
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
                    float v = alpha * refState[i] + (1.0f - alpha) * gi * gi;
                    refState[i] = v;
                    refP[i] -= lr * gi / (std::sqrt(v) + eps);
                }
                else
                {
                    float v = rho * refState[i] + (1.0f - rho) * gi * gi;
                    refState[i] = v;
                    float u = refState[kParameters + i];
                    float delta = std::sqrt(u + epsDelta) / std::sqrt(v + epsDelta) * gi;
                    refState[kParameters + i] = rho * u + (1.0f - rho) * delta * delta;
                    refP[i] -= 1.0f * delta;
                }
            }
        }
        check(name + " p (3 steps)", p, to_doubles(refP), 1);
        if (c.stateSlots > 0) check(name + " state", state, to_doubles(refState), 1);
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

    Floats dy = random_floats(kCount), partials(blocks(kCount, 64), NAN), gradient(1, NAN), dPrev(kCount, NAN);
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
    check("prelu_backward_tanh_a + reduce_sum_3 da", gradient, Doubles{wantSlope}, kCount);

    Floats single(1, NAN);
    launch("prelu_backward_first_a", prelu_backward_first_a_entry, {1}, {256}, 0,
        dy.data(), x.data(), slope.data(), single.data(), static_cast<float*>(nullptr));
    check("prelu_backward_first_a da", single, Doubles{wantSlope}, kCount);
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
    Floats dy = random_floats(kCount), dyIn = dy, dGamma(kFeatures, NAN), dBeta(kFeatures, NAN), dPrev(kCount, NAN);
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
        wantBeta[f] = sumDz;
        wantGamma[f] = sumDzN;
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
    test_dropout();
    test_prelu();
    test_batchnorm();

    std::printf(failed ? "FAILED\n" : "all kernels match the reference\n");
    return failed ? 1 : 0;
}
