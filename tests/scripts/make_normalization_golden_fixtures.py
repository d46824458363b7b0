#!/usr/bin/python3
"""Golden fixtures for local response / local contrast normalisation and the noise layers.

    /usr/bin/python3 tests/scripts/make_normalization_golden_fixtures.py

Writes tests/Compiled.Nets.Tests/Fixtures/golden_normalization.json, one case per network of
tests/Compiled.Nets.Tests/NormalizationNetworks.cs (same names): LrnConvNet, LrnLcn1DNet, LcnConvNet, NoisyNet.
float64 PyTorch autograd, batch 3, learning rate 0.1; parameters as make_cnn_golden_fixtures.py draws them
(weights randn * 0.3, biases randn * 0.1, flat order = layers in declaration order, weight then bias).

  * LocalResponseNorm(n, alpha, beta, k) = F.local_response_norm (nn.LocalResponseNorm), on [N, C, H, W] or [N, C, L].
  * LocalContrastNorm(n, eps) (no PyTorch layer; defined in docs/cnn.md): with the window n x n (1 x n on [N, C, L]),
    zero padding and N = C * window, m = conv(x, ones / N), v = x - m, sigma = sqrt(conv(v^2, ones / N)),
    y = v / clamp(sigma, min=eps); conv sums over every channel into one plane.
  * GaussianNoise(sigma), MaskingNoise(rate): "outputs" are at inference (both are the identity); loss, gradients
    and the SGD step are in training mode at step 0 with the Plan's random streams reproduced: seed = network seed
    & 0xFFFFFF, the noise layers' streams numbered in declaration order from 0, value i of the batch (b * width + j).
    Masking: u(i) < rate -> 0, else 1 (no rescaling). Gaussian: x + sigma * sqrt(-2 ln(1 - u(2i))) cos(2 pi u(2i + 1)).
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

LEARNING_RATE = 0.1
BATCH = 3
DTYPE = torch.float64
M = 0xFFFFFFFF


def cn_uniform(seed, step, stream, index):
    h = ((seed * 0x9E3779B9) & M) ^ ((((step + 0x7F4A7C15) & M) * 0x85EBCA6B) & M) ^ ((index * 0xC2B2AE35) & M) \
        ^ (((stream + 1) * 0x27D4EB2F) & M)
    h ^= h >> 16
    h = (h * 0x7FEB352D) & M
    h ^= h >> 15
    h = (h * 0x846CA68B) & M
    h ^= h >> 16
    return np.float32(h >> 8) * np.float32(1.0 / 16777216.0)


def masking(x, rate, stream, seed=0, step=0):
    rate32 = np.float32(rate)
    flat_size = x.numel()
    values = [0.0 if cn_uniform(seed, step, stream, i) < rate32 else 1.0 for i in range(flat_size)]
    return x * torch.tensor(values, dtype=DTYPE).reshape(x.shape)


def gaussian(x, sigma, stream, seed=0, step=0):
    z = []
    for i in range(x.numel()):
        u1 = float(cn_uniform(seed, step, stream, 2 * i))
        u2 = float(cn_uniform(seed, step, stream, 2 * i + 1))
        z.append(math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(float(np.float32(6.2831853)) * u2))
    return x + float(np.float32(sigma)) * torch.tensor(z, dtype=DTYPE).reshape(x.shape)


def lcn(x, size, eps):
    one_d = x.dim() == 3
    h = x.unsqueeze(2) if one_d else x
    kh, kw = (1, size) if one_d else (size, size)
    c = h.shape[1]
    kernel = torch.ones(1, c, kh, kw, dtype=DTYPE) / (c * kh * kw)
    m = F.conv2d(h, kernel, padding=(kh // 2, kw // 2))
    v = h - m
    sigma = torch.sqrt(F.conv2d(v * v, kernel, padding=(kh // 2, kw // 2)))
    y = v / torch.clamp(sigma, min=eps)
    return y.squeeze(2) if one_d else y


def p_conv2d(name, cin, filters, k):
    return [(f"{name}.weight", (filters, cin, k, k), "weight"), (f"{name}.bias", (filters,), "bias")]


def p_conv1d(name, cin, filters, k):
    return [(f"{name}.weight", (filters, cin, k), "weight"), (f"{name}.bias", (filters,), "bias")]


def p_dense(name, fan_in, units):
    return [(f"{name}.weight", (units, fan_in), "weight"), (f"{name}.bias", (units,), "bias")]


def draw(shape, kind):
    z = torch.randn(*shape, dtype=DTYPE)
    return z * (0.3 if kind == "weight" else 0.1)


def flatten(x):
    return x.reshape(x.shape[0], -1)


# [Network(Loss = SoftmaxCrossEntropy)] Input(2,6,6); Conv2D(5,3,ReLU); LocalResponseNorm(4, Alpha=0.5, Beta=0.75, K=1);
# MaxPool(2); Dense(3, Softmax)
def forward_lrn_conv(p, x, training):
    h = torch.relu(F.conv2d(x, p["Conv.weight"], p["Conv.bias"]))
    h = F.local_response_norm(h, 4, alpha=0.5, beta=0.75, k=1.0)
    h = F.max_pool2d(h, 2)
    return torch.softmax(F.linear(flatten(h), p["Output.weight"], p["Output.bias"]), dim=1)


# [Network(Loss = MeanSquaredError)] Input(3,8); Conv1D(4,3,Tanh); LocalResponseNorm(3, Alpha=1, Beta=0.5, K=2);
# LocalContrastNorm(3); Dense(2)
def forward_lrn_lcn_1d(p, x, training):
    h = torch.tanh(F.conv1d(x, p["Conv.weight"], p["Conv.bias"]))
    h = F.local_response_norm(h, 3, alpha=1.0, beta=0.5, k=2.0)
    h = lcn(h, 3, float(np.float32(1e-4)))
    return F.linear(flatten(h), p["Output.weight"], p["Output.bias"])


# [Network(Loss = BinaryCrossEntropy)] Input(2,6,6); Conv2D(3,3,Tanh,Same); LocalContrastNorm(5); AvgPool(2); Dense(2, Logistic)
def forward_lcn_conv(p, x, training):
    h = torch.tanh(F.conv2d(x, p["Conv.weight"], p["Conv.bias"], padding=1))
    h = lcn(h, 5, float(np.float32(1e-4)))
    h = F.avg_pool2d(h, 2)
    return torch.sigmoid(F.linear(flatten(h), p["Output.weight"], p["Output.bias"]))


# [Network(Loss = MeanSquaredError)] (seed 0) Input(6); Dense(7,Tanh); GaussianNoise(0.4); Dense(5,ReLU); MaskingNoise(0.3); Dense(3)
def forward_noisy(p, x, training):
    h = torch.tanh(F.linear(x, p["Hidden.weight"], p["Hidden.bias"]))
    if training:
        h = gaussian(h, 0.4, stream=0)
    h = torch.relu(F.linear(h, p["Second.weight"], p["Second.bias"]))
    if training:
        h = masking(h, 0.3, stream=1)
    return F.linear(h, p["Output.weight"], p["Output.bias"])


CASES = [
    ("LrnConvNet", 1, (2, 6, 6), 3, "ce", p_conv2d("Conv", 2, 5, 3) + p_dense("Output", 20, 3), forward_lrn_conv),
    ("LrnLcn1DNet", 2, (3, 8), 2, "mse", p_conv1d("Conv", 3, 4, 3) + p_dense("Output", 24, 2), forward_lrn_lcn_1d),
    ("LcnConvNet", 3, (2, 6, 6), 2, "bce", p_conv2d("Conv", 2, 3, 3) + p_dense("Output", 27, 2), forward_lcn_conv),
    ("NoisyNet", 4, (6,), 3, "mse", p_dense("Hidden", 6, 7) + p_dense("Second", 7, 5) + p_dense("Output", 5, 3), forward_noisy),
]


def compute_loss(y, t, kind):
    if kind == "mse":
        return F.mse_loss(y, t)
    if kind == "bce":
        return F.binary_cross_entropy(y, t)
    return -(t * torch.log(y)).sum(dim=1).mean()


def make_targets(kind, m):
    if kind == "ce":
        return F.one_hot(torch.randint(0, m, (BATCH,)), m).to(DTYPE)
    if kind == "bce":
        return torch.rand(BATCH, m, dtype=DTYPE) * 0.9 + 0.05
    return torch.randn(BATCH, m, dtype=DTYPE)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def build_case(name, seed, input_shape, m, loss_kind, specs, forward):
    torch.manual_seed(3000 + seed)
    params = {n: draw(shape, kind).requires_grad_(True) for n, shape, kind in specs}
    order = [n for n, _, _ in specs]
    x = torch.randn(BATCH, *input_shape, dtype=DTYPE)
    t = make_targets(loss_kind, m)
    with torch.no_grad():
        outputs = forward(params, x, training=False)
    y = forward(params, x, training=True)
    loss = compute_loss(y, t, loss_kind)
    loss.backward()
    p_flat = torch.cat([params[k].detach().reshape(-1) for k in order])
    g_flat = torch.cat([params[k].grad.detach().reshape(-1) for k in order])
    values = flat(p_flat) + flat(g_flat) + flat(outputs) + [float(loss.item())]
    assert all(math.isfinite(v) for v in values), name
    return {
        "name": name, "input_size": int(math.prod(input_shape)), "input_shape": list(input_shape), "output_size": m,
        "batch": BATCH, "loss_kind": loss_kind, "parameters": flat(p_flat), "inputs": flat(x), "targets": flat(t),
        "outputs": flat(outputs), "loss": float(loss.item()), "gradients": flat(g_flat), "learning_rate": LEARNING_RATE,
        "parameters_after_sgd": flat(p_flat - LEARNING_RATE * g_flat),
    }


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    out = os.path.join(root, "tests", "Compiled.Nets.Tests", "Fixtures", "golden_normalization.json")
    doc = {"generator": "tests/scripts/make_normalization_golden_fixtures.py", "torch": torch.__version__,
           "cases": [build_case(*c) for c in CASES]}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")
    for c in doc["cases"]:
        print(f"{c['name']}: {len(c['parameters'])} parameters, loss {c['loss']!r}")
    print(f"wrote {os.path.relpath(out, root)}")


if __name__ == "__main__":
    main()
