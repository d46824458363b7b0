#!/usr/bin/python3
"""Generate golden fixtures for Compiled.Nets dropout (with the library's own random stream) and PReLU.

Run from the repository root:

    /usr/bin/python3 tests/scripts/make_layer_golden_fixtures.py

Writes tests/Compiled.Nets.Tests/Fixtures/golden_layers.json in the format of golden_dense.json.

Conventions (must match the library):
  * Dropout's mask comes from the Plan's random stream: value i of the batch buffer (i = sample * width + unit) gets
    u = cn_uniform(seed, step, stream, i), the counter-based hash below (CounterRandom.Uniform in C#, cn_uniform in
    the generated CUDA), with seed = the network's seed & 0xFFFFFF and step = the step count & 0xFFFFFF; the mask is 0
    where u < rate (both float32) and float32(1 / (1 - rate)) elsewhere (inverted dropout). Streams are numbered in
    layer order from 0.
  * "outputs" are at inference (dropout is the identity); loss, gradients and the SGD step are in training mode at
    step 0 (ComputeGradients does not advance the step; TrainStep uses step 0 too).
  * PReLU (nn.PReLU(1)): y = x for x > 0, a x otherwise, one slope a, stored after the previous layer's parameters.
  * Dense y = f(W x + b), W [out, in]; per layer weight then bias, in layer order; mse = mean over all elements.
"""
import json
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


def mask(batch, width, rate, seed, step, stream):
    rate32 = np.float32(rate)
    keep = np.float32(1.0) / (np.float32(1.0) - rate32)
    values = [0.0 if cn_uniform(seed, step, stream, i) < rate32 else float(keep) for i in range(batch * width)]
    return torch.tensor(values, dtype=torch.float64).reshape(batch, width)


def activate(z, kind):
    return {"tanh": torch.tanh, "relu": torch.relu, "linear": lambda v: v}[kind](z)


# (name, input size, layers [(units, activation) | ("dropout", rate)], batch, seed)
CASES = [
    ("GoldenDropoutMse", 5, [(7, "tanh"), ("dropout", 0.3), (3, "linear")], 4, 0),
    ("GoldenDropoutTwoStreams", 6, [(9, "relu"), ("dropout", 0.5), (8, "tanh"), ("dropout", 0.25), (2, "linear")], 5, 0),
    ("GoldenPReLU", 4, [(6, "linear"), ("prelu", 0.25), (5, "linear"), ("prelu", 0.1), (2, "linear")], 5, 0),
]


def build(case_index, name, inputs_size, layers, batch, seed):
    torch.manual_seed(9000 + case_index)
    params = []
    size = inputs_size
    for layer in layers:
        if layer[0] == "dropout":
            continue
        if layer[0] == "prelu":
            params.append(torch.tensor([layer[1]], dtype=torch.float64).requires_grad_())
            continue
        units = layer[0]
        params.append((torch.rand(units, size, dtype=torch.float64) * 1.4 - 0.7).requires_grad_())
        params.append((torch.rand(units, dtype=torch.float64) * 0.4 - 0.2).requires_grad_())
        size = units
    x = torch.randn(batch, inputs_size, dtype=torch.float64)
    t = torch.randn(batch, size, dtype=torch.float64)

    def forward(training):
        h = x
        p = 0
        stream = 0
        for layer in layers:
            if layer[0] == "dropout":
                if training:
                    h = h * mask(batch, h.shape[1], layer[1], seed & 0xFFFFFF, 0, stream)
                stream += 1
                continue
            if layer[0] == "prelu":
                h = torch.nn.functional.prelu(h, params[p])
                p += 1
                continue
            h = activate(h @ params[p].T + params[p + 1], layer[1])
            p += 2
        return h

    outputs = forward(False).detach()
    loss = ((forward(True) - t) ** 2).mean()
    loss.backward()
    flat = torch.cat([q.detach().reshape(-1) for q in params])
    grads = torch.cat([q.grad.reshape(-1) for q in params])
    return {
        "name": name, "batch": batch, "parameters": flat.tolist(), "inputs": x.reshape(-1).tolist(),
        "targets": t.reshape(-1).tolist(), "outputs": outputs.reshape(-1).tolist(), "loss": loss.item(),
        "gradients": grads.tolist(), "learning_rate": LEARNING_RATE,
        "parameters_after_sgd": (flat - LEARNING_RATE * grads).tolist(),
    }


def main():
    cases = [build(i + 1, *case) for i, case in enumerate(CASES)]
    path = os.path.join(os.path.dirname(__file__), "..", "Compiled.Nets.Tests", "Fixtures", "golden_layers.json")
    with open(path, "w") as f:
        json.dump({"generator": "tests/scripts/make_layer_golden_fixtures.py", "torch": torch.__version__, "cases": cases}, f, indent=1)
    # CounterRandomTests pins the C# hash to these values.
    print("wrote", os.path.normpath(path), "with", len(cases), "cases; first uniforms of stream 0:",
          [round(float(cn_uniform(0, 0, 0, i)), 6) for i in range(4)])


if __name__ == "__main__":
    main()
