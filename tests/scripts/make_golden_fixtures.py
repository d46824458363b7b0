#!/usr/bin/python3
"""Generate golden reference fixtures for Compiled.Nets dense networks.

Run from the repository root:

    /usr/bin/python3 tests/scripts/make_golden_fixtures.py

Writes tests/Compiled.Nets.Tests/Fixtures/golden_dense.json. Everything is computed
in float64 with PyTorch autograd and is deterministic (seeded per case).

Conventions (must match the library):
  * Dense layer y = f(W x + b), W stored [out, in] row-major (nn.Linear layout).
  * Flat parameter order: per layer, weight (row-major [out, in]) then bias.
  * Activations: linear, tanh, relu, leaky_relu(alpha), softplus,
    logistic(k) = sigmoid(k*z), softmax over the layer's units.
  * Losses: mse (mean over all elements), bce (mean over all elements),
    ce_probabilities (output is softmax: mean over batch of -sum t*log y),
    ce_logits (output not softmax: mean over batch of -sum t*log_softmax(y)).
"""
import json
import os

import torch
import torch.nn.functional as F

LEARNING_RATE = 0.1

# (name, input_size, [(units, activation, slope)], loss, batch, target_kind, input_scale)
CASES = [
    ("GoldenTanhLogisticBce", 3, [(5, "tanh", None), (2, "logistic", 1.0)], "bce", 4, "binary", 1.0),
    ("GoldenReluSoftmaxCe", 4, [(6, "relu", None), (3, "softmax", None)], "ce_probabilities", 5, "onehot", 1.0),
    ("GoldenLeakySoftplusMse", 3, [(4, "leaky_relu", 0.1), (4, "softplus", None), (2, "linear", None)], "mse", 3, "normal", 1.0),
    ("GoldenLogisticSlopeMse", 2, [(3, "logistic", 2.0), (2, "linear", None)], "mse", 4, "normal", 1.0),
    ("GoldenLogitsCe", 4, [(5, "tanh", None), (3, "linear", None)], "ce_logits", 4, "onehot", 1.0),
    ("GoldenHiddenSoftmaxBce", 3, [(4, "softmax", None), (2, "logistic", 1.0)], "bce", 3, "binary", 1.0),
    ("GoldenSoftmaxMse", 3, [(5, "tanh", None), (3, "softmax", None)], "mse", 4, "uniform", 1.0),
    ("GoldenLargeReluCe", 40, [(30, "relu", None), (20, "tanh", None), (10, "softmax", None)], "ce_probabilities", 7, "onehot", 1.0),
    ("GoldenLargeLeakyLogisticMse", 33, [(17, "leaky_relu", 0.2), (19, "logistic", 1.5), (5, "linear", None)], "mse", 6, "normal", 0.5),
]


def activate(z, kind, slope):
    if kind == "linear":
        return z
    if kind == "tanh":
        return torch.tanh(z)
    if kind == "relu":
        return F.relu(z)
    if kind == "leaky_relu":
        return F.leaky_relu(z, negative_slope=slope)
    if kind == "softplus":
        return F.softplus(z)
    if kind == "logistic":
        return torch.sigmoid(slope * z)
    if kind == "softmax":
        return torch.softmax(z, dim=1)
    raise ValueError(kind)


def compute_loss(y, t, kind):
    if kind == "mse":
        return F.mse_loss(y, t)
    if kind == "bce":
        return F.binary_cross_entropy(y, t)
    if kind == "ce_probabilities":
        return -(t * torch.log(y)).sum(dim=1).mean()
    if kind == "ce_logits":
        return -(t * F.log_softmax(y, dim=1)).sum(dim=1).mean()
    raise ValueError(kind)


def make_targets(kind, batch, m):
    if kind == "binary":
        return torch.randint(0, 2, (batch, m), dtype=torch.int64).to(torch.float64)
    if kind == "onehot":
        idx = torch.randint(0, m, (batch,), dtype=torch.int64)
        return F.one_hot(idx, m).to(torch.float64)
    if kind == "normal":
        return torch.randn(batch, m, dtype=torch.float64)
    if kind == "uniform":
        return torch.rand(batch, m, dtype=torch.float64)
    raise ValueError(kind)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def build_case(index, spec):
    name, n, layers, loss_kind, batch, target_kind, input_scale = spec
    torch.manual_seed(1234 + index)

    params = []
    fan_in = n
    for units, _, _ in layers:
        w = (torch.rand(units, fan_in, dtype=torch.float64) * 1.6 - 0.8).requires_grad_(True)
        b = (torch.rand(units, dtype=torch.float64) * 1.6 - 0.8).requires_grad_(True)
        params += [w, b]
        fan_in = units
    m = layers[-1][0]

    x = torch.randn(batch, n, dtype=torch.float64) * input_scale
    t = make_targets(target_kind, batch, m)

    h = x
    for li, (_, act, slope) in enumerate(layers):
        w, b = params[2 * li], params[2 * li + 1]
        h = activate(h @ w.t() + b, act, slope)
    y = h
    loss = compute_loss(y, t, loss_kind)
    loss.backward()

    p_flat = torch.cat([p.detach().reshape(-1) for p in params])
    g_flat = torch.cat([p.grad.detach().reshape(-1) for p in params])

    return {
        "name": name,
        "input_size": n,
        "output_size": m,
        "batch": batch,
        "layers": [
            {"units": u, "activation": a, "slope": s} for (u, a, s) in layers
        ],
        "loss_kind": loss_kind,
        "parameters": flat(p_flat),
        "inputs": flat(x),
        "targets": flat(t),
        "outputs": flat(y),
        "loss": float(loss.item()),
        "gradients": flat(g_flat),
        "learning_rate": LEARNING_RATE,
        "parameters_after_sgd": flat(p_flat - LEARNING_RATE * g_flat),
    }


def main():
    repo_root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    out_path = os.path.join(repo_root, "tests", "Compiled.Nets.Tests", "Fixtures", "golden_dense.json")
    doc = {
        "generator": "tests/scripts/make_golden_fixtures.py",
        "torch": torch.__version__,
        "cases": [build_case(i + 1, spec) for i, spec in enumerate(CASES)],
    }
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")
    for c in doc["cases"]:
        print(f"{c['name']}: {len(c['parameters'])} params, loss={c['loss']!r}")
    print(f"wrote {os.path.relpath(out_path, repo_root)}")


if __name__ == "__main__":
    main()
