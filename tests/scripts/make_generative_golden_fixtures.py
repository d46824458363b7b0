#!/usr/bin/python3
"""Golden values for the variational autoencoder's pieces: [Reparameterize(mu, logvar, Beta)] and Reduction = SumPerSample.

    /usr/bin/python3 tests/scripts/make_generative_golden_fixtures.py

Writes tests/Compiled.Nets.Tests/Fixtures/golden_generative.json, computed in float64 with autograd (gradcheck inside).

The library's conventions reproduced here:
  * eps ~ N(0, 1) for value i (row-major over [B, units]) of random stream k at step s: Box-Muller from the counter-based
    uniforms u1 = cn_uniform(seed, s, k, 2i), u2 = cn_uniform(seed, s, k, 2i + 1): eps = sqrt(-2 ln(1 - u1)) cos(2 pi u2),
    evaluated in float32 as the C# kernel does (MathF), seed = the network's seed & 0xFFFFFF, step 0.
  * z = mu + exp(0.5 logvar) * eps in training; z = mu at inference ("outputs" are inference outputs).
  * loss = reconstruction + beta * KL, KL = (1 / B) sum_b sum_j -0.5 (1 + lv - mu^2 - exp(lv)).
  * reconstruction with Reduction = SumPerSample: (1 / B) sum_b sum_i bce(y_bi, t_bi) (PyTorch's reduction='sum' / B);
    otherwise the mean over all B * m values.
  * Flat parameters: layers in declaration order, weight [out, in] then bias (Mu and LogVar both read Hidden).
Cases:
  * GoldenVae: Input(6); Hidden Dense(5, Tanh); Mu Dense(3); LogVar Dense(3, Input = Hidden); Z Reparameterize(Mu, LogVar);
    Up Dense(5, ReLU); Out Dense(6, Logistic); BCE, SumPerSample; seed 0; batch 4; inputs uniform [0, 1), targets = inputs.
  * GoldenBetaVae: the same with Beta = 0.25, the mean reduction and seed 3.
  * GoldenKlSparse: Input(6); Hidden Dense(8, Logistic, SparsityTarget = 0.1, SparsityWeight = 0.5); Out Dense(6, Logistic);
    BCE (mean); batch 5. The penalty: beta * sum_j KL(rho || rho_hat_j), rho_hat_j = the batch's mean of unit j, with
    KL(p || q) = p ln(p / q) + (1 - p) ln((1 - p) / (1 - q)) (Ng's sparse autoencoder notes), added to the mean loss.
  * GoldenDcganDiscriminator: Input(1, 6, 6); Down1 Conv2D(3, 4, LeakyReLU, Slope = 0.2, Stride = 2, PaddingSize = 1);
    Down2 Conv2D(4, 3, PaddingSize = 1); Norm BatchNorm(LeakyReLU, Slope = 0.2); Real Dense(1, Logistic); BCE; batch 4,
    targets 1 for the first two samples and 0 for the others. BatchNorm2d in training mode (batch statistics, biased
    variance, eps 1e-5) for the loss and gradients; "outputs" are inference outputs with the initial running statistics
    (mean 0, variance 1). Flat parameters: conv weight [out, in, k, k] then bias, BatchNorm weight (gamma) then bias.
  * GoldenDcganGenerator: Input(3, 1, 1); Project ConvTranspose2D(4, 3); Norm1 BatchNorm(ReLU);
    Image ConvTranspose2D(1, 4, Tanh, Stride = 2, PaddingSize = 1) (6 x 6); MSE against N(0, 0.25) targets; batch 4.
    Transposed-convolution weights are [in, out, k, k] as PyTorch stores them.
"""
import json
import math
import os

import numpy as np
import torch

M = 0xFFFFFFFF
LEARNING_RATE = 0.1


def cn_uniform(seed, step, stream, index):
    h = ((seed * 0x9E3779B9) & M) ^ ((((step + 0x7F4A7C15) & M) * 0x85EBCA6B) & M) ^ ((index * 0xC2B2AE35) & M) \
        ^ (((stream + 1) * 0x27D4EB2F) & M)
    h ^= h >> 16
    h = (h * 0x7FEB352D) & M
    h ^= h >> 15
    h = (h * 0x846CA68B) & M
    h ^= h >> 16
    return np.float32(h >> 8) * np.float32(1.0 / 16777216.0)


def normal(seed, step, stream, index):
    u1 = cn_uniform(seed, step, stream, 2 * index)
    u2 = cn_uniform(seed, step, stream, 2 * index + 1)
    r = np.sqrt(np.float32(-2.0) * np.log(np.float32(1.0) - u1, dtype=np.float32), dtype=np.float32)
    c = np.cos(np.float32(2.0) * np.float32(math.pi) * u2, dtype=np.float32)
    return float(np.float32(r * c))


def build(index, name, beta, sum_per_sample, seed):
    torch.manual_seed(11000 + index)
    batch, n_in, hidden, code, up = 4, 6, 5, 3, 5
    shapes = [(hidden, n_in), (code, hidden), (code, hidden), (up, code), (n_in, up)]
    params = []
    for out_features, in_features in shapes:
        bound = 1.0 / math.sqrt(in_features)
        params.append((torch.rand(out_features, in_features, dtype=torch.float64) * 2 - 1) * bound)
        params.append((torch.rand(out_features, dtype=torch.float64) * 2 - 1) * bound)
    flat = torch.cat([p.reshape(-1) for p in params]).detach()
    x = torch.rand(batch, n_in, dtype=torch.float64)
    eps = torch.tensor([normal(seed & 0xFFFFFF, 0, 0, i) for i in range(batch * code)], dtype=torch.float64).reshape(batch, code)

    def unpack(v):
        out, at = [], 0
        for p in params:
            out.append(v[at:at + p.numel()].reshape(p.shape))
            at += p.numel()
        return out

    def forward(v, training):
        w1, b1, wm, bm, wl, bl, wu, bu, wo, bo = unpack(v)
        h = torch.tanh(x @ w1.T + b1)
        mu = h @ wm.T + bm
        lv = h @ wl.T + bl
        z = mu + torch.exp(0.5 * lv) * eps if training else mu
        u = torch.relu(z @ wu.T + bu)
        y = torch.sigmoid(u @ wo.T + bo)
        return y, mu, lv

    def loss_of(v):
        y, mu, lv = forward(v, True)
        bce = -(x * torch.log(y) + (1 - x) * torch.log(1 - y))
        reconstruction = bce.sum() / batch if sum_per_sample else bce.mean()
        kl = (-0.5 * (1 + lv - mu * mu - torch.exp(lv))).sum() / batch
        return reconstruction + beta * kl

    assert torch.autograd.gradcheck(loss_of, (flat.clone().requires_grad_(True),))
    v = flat.clone().requires_grad_(True)
    loss = loss_of(v)
    loss.backward()
    grads = v.grad.detach()
    outputs = forward(flat, False)[0].detach()
    return {
        "name": name, "batch": batch, "parameters": flat.tolist(), "inputs": x.reshape(-1).tolist(),
        "targets": x.reshape(-1).tolist(), "outputs": outputs.reshape(-1).tolist(), "loss": loss.item(),
        "gradients": grads.tolist(), "learning_rate": LEARNING_RATE,
        "parameters_after_sgd": (flat - LEARNING_RATE * grads).tolist(), "epsilon": eps.reshape(-1).tolist(),
    }


def build_sparse(index, name, rho, beta):
    torch.manual_seed(11000 + index)
    batch, n_in, hidden = 5, 6, 8
    shapes = [(hidden, n_in), (n_in, hidden)]
    params = []
    for out_features, in_features in shapes:
        bound = 1.0 / math.sqrt(in_features)
        params.append((torch.rand(out_features, in_features, dtype=torch.float64) * 2 - 1) * bound)
        params.append((torch.rand(out_features, dtype=torch.float64) * 2 - 1) * bound)
    flat = torch.cat([p.reshape(-1) for p in params]).detach()
    x = torch.rand(batch, n_in, dtype=torch.float64)

    def forward(v):
        at, out = 0, []
        for p in params:
            out.append(v[at:at + p.numel()].reshape(p.shape))
            at += p.numel()
        w1, b1, w2, b2 = out
        h = torch.sigmoid(x @ w1.T + b1)
        return torch.sigmoid(h @ w2.T + b2), h

    def loss_of(v):
        y, h = forward(v)
        bce = (-(x * torch.log(y) + (1 - x) * torch.log(1 - y))).mean()
        q = h.mean(dim=0)
        kl = (rho * torch.log(rho / q) + (1 - rho) * torch.log((1 - rho) / (1 - q))).sum()
        return bce + beta * kl

    assert torch.autograd.gradcheck(loss_of, (flat.clone().requires_grad_(True),))
    v = flat.clone().requires_grad_(True)
    loss = loss_of(v)
    loss.backward()
    grads = v.grad.detach()
    return {
        "name": name, "batch": batch, "parameters": flat.tolist(), "inputs": x.reshape(-1).tolist(),
        "targets": x.reshape(-1).tolist(), "outputs": forward(flat)[0].detach().reshape(-1).tolist(), "loss": loss.item(),
        "gradients": grads.tolist(), "learning_rate": LEARNING_RATE,
        "parameters_after_sgd": (flat - LEARNING_RATE * grads).tolist(),
    }


def unflatten(v, shapes):
    at, out = 0, []
    for shape in shapes:
        n = math.prod(shape)
        out.append(v[at:at + n].reshape(shape))
        at += n
    return out


def batchnorm(h, gamma, beta, training):
    if training:
        mean = h.mean(dim=(0, 2, 3), keepdim=True)
        var = h.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    else:
        mean, var = torch.zeros_like(gamma).reshape(1, -1, 1, 1), torch.ones_like(gamma).reshape(1, -1, 1, 1)
    return (h - mean) / torch.sqrt(var + 1e-5) * gamma.reshape(1, -1, 1, 1) + beta.reshape(1, -1, 1, 1)


def build_dcgan(index, name, shapes, x, t, forward, loss_kind):
    torch.manual_seed(11000 + index)
    params = []
    for shape in shapes:
        if len(shape) == 1 and shape[0] < 0:
            params.append(1 + 0.1 * torch.randn(-shape[0], dtype=torch.float64))  # BatchNorm gamma
            continue
        params.append(0.3 * torch.randn(*shape, dtype=torch.float64))
    shapes = [(abs(s[0]),) if len(s) == 1 else s for s in shapes]
    flat = torch.cat([p.reshape(-1) for p in params]).detach()

    def loss_of(v):
        y = forward(unflatten(v, shapes), True)
        if loss_kind == "bce":
            return (-(t * torch.log(y) + (1 - t) * torch.log(1 - y))).mean()
        return ((y - t) ** 2).mean()

    assert torch.autograd.gradcheck(loss_of, (flat.clone().requires_grad_(True),))
    v = flat.clone().requires_grad_(True)
    loss = loss_of(v)
    loss.backward()
    grads = v.grad.detach()
    outputs = forward(unflatten(flat, shapes), False).detach()
    return {
        "name": name, "batch": x.shape[0], "parameters": flat.tolist(), "inputs": x.reshape(-1).tolist(),
        "targets": t.reshape(-1).tolist(), "outputs": outputs.reshape(-1).tolist(), "loss": loss.item(),
        "gradients": grads.tolist(), "learning_rate": LEARNING_RATE,
        "parameters_after_sgd": (flat - LEARNING_RATE * grads).tolist(),
    }


def dcgan_discriminator(index):
    torch.manual_seed(12000 + index)
    x = torch.randn(4, 1, 6, 6, dtype=torch.float64)
    t = torch.tensor([[1.0], [1.0], [0.0], [0.0]], dtype=torch.float64)
    F = torch.nn.functional

    def forward(p, training):
        w1, b1, w2, b2, gamma, beta, w3, b3 = p
        h = F.leaky_relu(F.conv2d(x, w1, b1, stride=2, padding=1), 0.2)       # [3, 3, 3]
        h = F.conv2d(h, w2, b2, padding=1)                                    # [4, 3, 3]
        h = F.leaky_relu(batchnorm(h, gamma, beta, training), 0.2)
        return torch.sigmoid(h.reshape(4, -1) @ w3.T + b3)

    shapes = [(3, 1, 4, 4), (3,), (4, 3, 3, 3), (4,), (-4,), (4,), (1, 36), (1,)]
    return build_dcgan(index, "GoldenDcganDiscriminator", shapes, x, t, forward, "bce")


def dcgan_generator(index):
    torch.manual_seed(12000 + index)
    x = torch.randn(4, 3, 1, 1, dtype=torch.float64)
    t = 0.5 * torch.randn(4, 36, dtype=torch.float64)
    F = torch.nn.functional

    def forward(p, training):
        w1, b1, gamma, beta, w2, b2 = p
        h = F.conv_transpose2d(x, w1, b1)                                     # [4, 3, 3]
        h = torch.relu(batchnorm(h, gamma, beta, training))
        y = torch.tanh(F.conv_transpose2d(h, w2, b2, stride=2, padding=1))    # [1, 6, 6]
        return y.reshape(4, -1)

    shapes = [(3, 4, 3, 3), (4,), (-4,), (4,), (4, 1, 4, 4), (1,)]
    return build_dcgan(index, "GoldenDcganGenerator", shapes, x, t, forward, "mse")


def main():
    cases = [build(1, "GoldenVae", 1.0, True, 0), build(2, "GoldenBetaVae", 0.25, False, 3), build_sparse(3, "GoldenKlSparse", 0.1, 0.5),
             dcgan_discriminator(4), dcgan_generator(5)]
    path = os.path.join(os.path.dirname(__file__), "..", "Compiled.Nets.Tests", "Fixtures", "golden_generative.json")
    with open(path, "w") as f:
        json.dump({"generator": "tests/scripts/make_generative_golden_fixtures.py", "torch": torch.__version__, "cases": cases}, f, indent=1)
    print("wrote", os.path.normpath(path), "with", len(cases), "cases")


if __name__ == "__main__":
    main()
