#!/usr/bin/python3
"""Golden values for the stochastic neurons: [StochasticNeuron(activation, Estimator)] after a linear Dense layer.

    /usr/bin/python3 tests/scripts/make_stochastic_golden_fixtures.py

Writes tests/Compiled.Nets.Tests/Fixtures/golden_stochastic.json, in float64 with autograd.

The library's conventions reproduced here:
  * z for value i (row-major over [B, units]) of random stream 0 at step 0: k = the counter hash's top 23 bits,
    a = 2k + 1, z = ln a - ln(2^24 - a) in float32 (CounterRandom.Logistic), seed = the network's seed & 0xFFFFFF.
  * training: y = f(x + z); inference ("outputs"): y = f(x).
  * Heaviside: 1 if x + z >= 0 else 0; Sign: 1 or -1. Their gradient, straight through: sigmoid-adjusted
    (y = hard + c s - c s.detach(), s = sigmoid(x), c = 1 for Heaviside, 2 for Sign) or identity
    (y = hard + x - x.detach()).
  * Flat parameters: layers in declaration order, weight [out, in] then bias.
Cases (batch 4, Input(4), Pre Dense(5) linear, Unit StochasticNeuron, Out Dense):
  * GoldenStochasticBinary: Heaviside, sigmoid straight-through; Out Dense(3, Softmax); softmax cross-entropy; seed 0.
  * GoldenStochasticSign: Sign, identity straight-through; Out Dense(2); MSE; seed 5.
  * GoldenStochasticTanh: Tanh (exact gradient through the noisy point); Out Dense(2); MSE; seed 7.
"""
import json
import math
import os

import numpy as np
import torch

M = 0xFFFFFFFF
LEARNING_RATE = 0.1


def cn_hash(seed, step, stream, index):
    h = ((seed * 0x9E3779B9) & M) ^ ((((step + 0x7F4A7C15) & M) * 0x85EBCA6B) & M) ^ ((index * 0xC2B2AE35) & M) \
        ^ (((stream + 1) * 0x27D4EB2F) & M)
    h ^= h >> 16
    h = (h * 0x7FEB352D) & M
    h ^= h >> 15
    h = (h * 0x846CA68B) & M
    h ^= h >> 16
    return h


def logistic(seed, step, stream, index):
    a = np.float32(2 * (cn_hash(seed, step, stream, index) >> 9) + 1)
    return float(np.float32(np.log(a, dtype=np.float32) - np.log(np.float32(16777216.0) - a, dtype=np.float32)))


def build(index, name, activation, estimator, out_units, loss_kind, seed):
    torch.manual_seed(13000 + index)
    batch, n_in, hidden = 4, 4, 5
    shapes = [(hidden, n_in), (out_units, hidden)]
    params = []
    for out_features, in_features in shapes:
        bound = 1.5 / math.sqrt(in_features)
        params.append((torch.rand(out_features, in_features, dtype=torch.float64) * 2 - 1) * bound)
        params.append((torch.rand(out_features, dtype=torch.float64) * 2 - 1) * bound)
    flat = torch.cat([p.reshape(-1) for p in params]).detach()
    x = torch.randn(batch, n_in, dtype=torch.float64)
    if loss_kind == "ce":
        t = torch.nn.functional.one_hot(torch.randint(0, out_units, (batch,)), out_units).to(torch.float64)
    else:
        t = torch.randn(batch, out_units, dtype=torch.float64)
    z = torch.tensor([logistic(seed & 0xFFFFFF, 0, 0, i) for i in range(batch * hidden)], dtype=torch.float64).reshape(batch, hidden)

    def unpack(v):
        out, at = [], 0
        for p in params:
            out.append(v[at:at + p.numel()].reshape(p.shape))
            at += p.numel()
        return out

    def unit(pre, training):
        noisy = pre + z if training else pre
        if activation == "tanh":
            return torch.tanh(noisy)
        hard = (noisy >= 0).to(torch.float64)
        scale = 1.0
        if activation == "sign":
            hard = 2 * hard - 1
            scale = 2.0
        if not training:
            return hard
        if estimator == "identity":
            return hard + pre - pre.detach()
        s = torch.sigmoid(pre)
        return hard + scale * s - scale * s.detach()

    def forward(v, training):
        w1, b1, w2, b2 = unpack(v)
        h = unit(x @ w1.T + b1, training)
        y = h @ w2.T + b2
        return torch.softmax(y, dim=1) if loss_kind == "ce" else y

    def loss_of(v):
        y = forward(v, True)
        if loss_kind == "ce":
            return -(t * torch.log(y)).sum(dim=1).mean()
        return ((y - t) ** 2).mean()

    if activation == "tanh":
        assert torch.autograd.gradcheck(loss_of, (flat.clone().requires_grad_(True),))
    v = flat.clone().requires_grad_(True)
    loss = loss_of(v)
    loss.backward()
    grads = v.grad.detach()
    # The hard samples must not sit on a threshold, where float32 rounding could flip them.
    pre = x @ unpack(flat)[0].T + unpack(flat)[1]
    assert (pre + z).abs().min() > 1e-4 and pre.abs().min() > 1e-4, name
    return {
        "name": name, "batch": batch, "parameters": flat.tolist(), "inputs": x.reshape(-1).tolist(),
        "targets": t.reshape(-1).tolist(), "outputs": forward(flat, False).detach().reshape(-1).tolist(), "loss": loss.item(),
        "gradients": grads.tolist(), "learning_rate": LEARNING_RATE,
        "parameters_after_sgd": (flat - LEARNING_RATE * grads).tolist(),
    }


def main():
    cases = [build(1, "GoldenStochasticBinary", "heaviside", "sigmoid", 3, "ce", 0),
             build(2, "GoldenStochasticSign", "sign", "identity", 2, "mse", 5),
             build(3, "GoldenStochasticTanh", "tanh", None, 2, "mse", 7)]
    path = os.path.join(os.path.dirname(__file__), "..", "Compiled.Nets.Tests", "Fixtures", "golden_stochastic.json")
    with open(path, "w") as f:
        json.dump({"generator": "tests/scripts/make_stochastic_golden_fixtures.py", "torch": torch.__version__, "cases": cases}, f, indent=1)
    print("wrote", os.path.normpath(path), "with", len(cases), "cases")


if __name__ == "__main__":
    main()
