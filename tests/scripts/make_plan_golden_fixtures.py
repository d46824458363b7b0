#!/usr/bin/python3
"""Generate golden reference fixtures for tied weights (TiedTo) and the activity L1 penalty (ActivityL1).

Run from anywhere (the output path is found from this file's location):

    /usr/bin/python3 tests/scripts/make_plan_golden_fixtures.py

Writes tests/Compiled.Nets.Tests/Fixtures/golden_plan.json. Everything is computed in float64 with PyTorch
autograd and is deterministic (torch.manual_seed(7000 + case index) per case). Learning rate 0.1.
The script checks itself before writing: torch.autograd.gradcheck (central finite differences, float64) on
the total loss as a function of the flat parameter vector, an explicit central-difference check of the
stored gradients, and for every tied weight that its gradient equals the sum of the two partial gradients
computed with two untied copies (one used by the encoder layer, one by the decoder layer).

Cases (declarations as the library writes them; Input(n) then the named layers in order):
  * GoldenTiedAutoencoder: Input(6); Encoder Dense(3, Tanh); Decoder Dense(6, Logistic, TiedTo = Encoder);
    BinaryCrossEntropy; batch 4; inputs uniform [0, 1); targets = inputs.
  * GoldenTiedDeep: Input(5); E1 Dense(4, ReLU); E2 Dense(3, Tanh); D2 Dense(4, ReLU, TiedTo = E2);
    D1 Dense(5, Linear, TiedTo = E1); MeanSquaredError; batch 3; inputs randn; targets = inputs.
  * GoldenActivityL1Sparse: Input(4); Hidden Dense(8, ReLU, ActivityL1 = 0.05); Output Dense(4, Linear);
    MeanSquaredError; batch 5; inputs randn; targets = inputs.
  * GoldenActivityL1Logistic: Input(3); Hidden Dense(6, Logistic, ActivityL1 = 0.1); Output Dense(3, Logistic);
    BinaryCrossEntropy; batch 4; inputs uniform [0, 1); targets = inputs.
  * GoldenActivityL1TiedSparse: Input(5); Encoder Dense(7, ReLU, ActivityL1 = 0.02);
    Decoder Dense(5, Logistic, TiedTo = Encoder); BinaryCrossEntropy; batch 3; inputs uniform [0, 1);
    targets = inputs.

Conventions (must match the library exactly):
  * Samples are rows: x is [B, in] row-major; "inputs", "targets", "outputs" are flattened row-major.
  * Untied Dense layer with weight W [out, in] (nn.Linear layout, row-major) and bias b [out]:
        a = f(x W^T + b)                       (per sample: a = f(W x + b))
  * Tied Dense layer (TiedTo = E, where E is an earlier Dense layer with weight W_E [out_E, in_E]):
    it has NO weight of its own, only a bias b [in_E]; its units must equal in_E and it uses W_E transposed:
        a = f(h W_E + b)                       (per sample: a = f(W_E^T h + b))
    The gradient of W_E is the SUM of its gradient through E and through every layer tied to it
    (dL/dW_E = sum_b delta_E,b x_b^T  +  sum_b h_b delta_D,b^T, the latter being [out_E, in_E] too).
  * Flat parameter order: layers in declaration order; per untied layer weight (row-major [out, in]) then
    bias; per tied layer only its bias. "tensors" lists the names and shapes in that order.
  * Activations: linear, tanh, relu (derivative 0 at 0), logistic = sigmoid (slope 1).
  * Data losses: mse = F.mse_loss = mean over all B*m elements of (y - t)^2;
    bce = F.binary_cross_entropy = mean over all B*m elements of -(t log y + (1 - t) log(1 - y)).
  * Activity L1 (ActivityL1 = lambda on a layer, a = that layer's output AFTER its activation, [B, units]):
        penalty = sum over penalised layers of lambda * (1 / B) * sum_b sum_i |a_bi|
    (divided by the batch size B only, not by the number of units, as Keras does). Its gradient w.r.t. a is
    lambda * sign(a) / B with sign(0) = 0 (torch.abs), added to the layer's back-propagated gradient before
    the activation derivative is applied.
  * "loss" = data_loss + penalty (the total that is differentiated); "data_loss" and "penalty" are stored
    separately too. "outputs" are the last layer's outputs (no dropout or other train/inference difference).
  * "gradients" = dLoss/dparameters (total loss) in the flat order; "parameters_after_sgd" =
    parameters - learning_rate * gradients (plain SGD, no momentum, no weight decay).
  * Parameter values: every weight and bias uniform(-0.7, 0.7), drawn in flat-parameter order; inputs then
    drawn. The whole draw (parameters and inputs) is repeated from the continuing random stream until, in
    every ReLU layer, every pre-activation has |z| >= 1e-3 (no value sits at a kink), every unit is active
    (z > 0) on at least one sample (no gradient row is zero just because a unit is dead) and at least one
    z < 0 (the derivative-0 branch is exercised). "draws" records how many draws it took.
  * "layers": per declared layer {name, units, activation, tied_to (name or null), activity_l1 (0 if none)}.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

LEARNING_RATE = 0.1
DTYPE = torch.float64
INIT_RANGE = 0.7
KINK = 1e-3

# (name, input_size, [(layer name, units, activation, tied_to, activity_l1)], loss, batch, input_kind)
CASES = [
    ("GoldenTiedAutoencoder", 6,
     [("Encoder", 3, "tanh", None, 0.0), ("Decoder", 6, "logistic", "Encoder", 0.0)],
     "bce", 4, "uniform"),
    ("GoldenTiedDeep", 5,
     [("E1", 4, "relu", None, 0.0), ("E2", 3, "tanh", None, 0.0),
      ("D2", 4, "relu", "E2", 0.0), ("D1", 5, "linear", "E1", 0.0)],
     "mse", 3, "normal"),
    ("GoldenActivityL1Sparse", 4,
     [("Hidden", 8, "relu", None, 0.05), ("Output", 4, "linear", None, 0.0)],
     "mse", 5, "normal"),
    ("GoldenActivityL1Logistic", 3,
     [("Hidden", 6, "logistic", None, 0.1), ("Output", 3, "logistic", None, 0.0)],
     "bce", 4, "uniform"),
    ("GoldenActivityL1TiedSparse", 5,
     [("Encoder", 7, "relu", None, 0.02), ("Decoder", 5, "logistic", "Encoder", 0.0)],
     "bce", 3, "uniform"),
]


def activate(z, kind):
    if kind == "linear":
        return z
    if kind == "tanh":
        return torch.tanh(z)
    if kind == "relu":
        return F.relu(z)
    if kind == "logistic":
        return torch.sigmoid(z)
    raise ValueError(kind)


def data_loss_of(y, t, kind):
    if kind == "mse":
        return F.mse_loss(y, t)
    if kind == "bce":
        return F.binary_cross_entropy(y, t)
    raise ValueError(kind)


def tensor_specs(n, layers):
    """[(tensor name, shape)] in flat-parameter order; checks the tied layers' shapes."""
    specs, fan_in, in_of, out_of = [], n, {}, {}
    for lname, units, _, tied_to, _ in layers:
        if tied_to is None:
            specs.append((f"{lname}.weight", (units, fan_in)))
        else:
            assert tied_to in in_of and out_of[tied_to] == fan_in and in_of[tied_to] == units, (lname, tied_to)
        specs.append((f"{lname}.bias", (units,)))
        in_of[lname], out_of[lname] = fan_in, units
        fan_in = units
    return specs


def unflatten(flat_params, specs):
    p, offset = {}, 0
    for tname, shape in specs:
        size = math.prod(shape)
        p[tname] = flat_params[offset:offset + size].reshape(shape)
        offset += size
    assert offset == flat_params.numel()
    return p


def forward(p, x, layers, untie=False):
    """Returns (outputs, penalty, pre-activations of ReLU layers).

    untie=True: a tied layer reads p[f"{tied_to}.weight#{layer}"] (a separate copy) instead of the shared one.
    """
    h, penalty, relu_z = x, torch.zeros((), dtype=DTYPE), []
    batch = x.shape[0]
    for lname, _, act, tied_to, l1 in layers:
        if tied_to is None:
            z = h @ p[f"{lname}.weight"].t() + p[f"{lname}.bias"]
        else:
            w = p[f"{tied_to}.weight#{lname}"] if untie else p[f"{tied_to}.weight"]
            z = h @ w + p[f"{lname}.bias"]
        if act == "relu":
            relu_z.append(z.detach())
        h = activate(z, act)
        if l1:
            penalty = penalty + l1 * h.abs().sum() / batch
    return h, penalty, relu_z


def total_loss(flat_params, specs, x, t, layers, loss_kind):
    y, penalty, _ = forward(unflatten(flat_params, specs), x, layers)
    return data_loss_of(y, t, loss_kind) + penalty


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def build_case(index, spec):
    name, n, layers, loss_kind, batch, input_kind = spec
    torch.manual_seed(7000 + index)
    specs = tensor_specs(n, layers)
    count = sum(math.prod(s) for _, s in specs)

    for draws in range(1, 1001):
        p_flat = torch.empty(count, dtype=DTYPE).uniform_(-INIT_RANGE, INIT_RANGE)
        if input_kind == "uniform":
            x = torch.rand(batch, n, dtype=DTYPE)
        else:
            x = torch.randn(batch, n, dtype=DTYPE)
        _, _, relu_z = forward(unflatten(p_flat, specs), x, layers)
        if all(bool((z.abs() >= KINK).all()) and bool((z > 0).any(dim=0).all()) and bool((z < 0).any())
               for z in relu_z):
            break
    else:
        raise RuntimeError(f"{name}: no draw without ReLU kinks")
    t = x.clone()  # autoencoders: targets = inputs

    # Forward and backward through the shared (tied) parameters.
    leaf = p_flat.clone().requires_grad_(True)
    p = unflatten(leaf, specs)
    y, penalty, _ = forward(p, x, layers)
    data_loss = data_loss_of(y, t, loss_kind)
    loss = data_loss + penalty
    loss.backward()
    g_flat = leaf.grad.detach().clone()

    # Check 1: gradcheck (float64 central differences vs autograd) of the total loss.
    assert torch.autograd.gradcheck(
        lambda q: total_loss(q, specs, x, t, layers, loss_kind),
        (p_flat.clone().requires_grad_(True),), eps=1e-6, atol=1e-8, rtol=1e-6), name

    # Check 2: explicit central differences against the stored gradient.
    eps = 1e-6
    fd = torch.empty(count, dtype=DTYPE)
    with torch.no_grad():
        for i in range(count):
            e = torch.zeros(count, dtype=DTYPE)
            e[i] = eps
            fd[i] = (total_loss(p_flat + e, specs, x, t, layers, loss_kind)
                     - total_loss(p_flat - e, specs, x, t, layers, loss_kind)) / (2 * eps)
    fd_error = float((fd - g_flat).abs().max())
    assert fd_error < 1e-7, (name, fd_error)

    # Check 3: every tied weight's gradient = its gradient through the encoder + through the decoder(s),
    # computed with untied copies.
    tied_error = 0.0
    tied = [(lname, tied_to) for lname, _, _, tied_to, _ in layers if tied_to is not None]
    if tied:
        q = {k: v.detach().clone().requires_grad_(True) for k, v in unflatten(p_flat, specs).items()}
        for lname, tied_to in tied:
            q[f"{tied_to}.weight#{lname}"] = q[f"{tied_to}.weight"].detach().clone().requires_grad_(True)
        y2, pen2, _ = forward(q, x, layers, untie=True)
        loss2 = data_loss_of(y2, t, loss_kind) + pen2
        loss2.backward()
        assert abs(float(loss2) - float(loss)) < 1e-14, name
        g_shared = unflatten(g_flat, specs)
        for lname, tied_to in tied:
            through_encoder = q[f"{tied_to}.weight"].grad
            through_decoder = q[f"{tied_to}.weight#{lname}"].grad
            assert float(through_encoder.abs().max()) > 1e-6 and float(through_decoder.abs().max()) > 1e-6
            err = float((through_encoder + through_decoder - g_shared[f"{tied_to}.weight"]).abs().max())
            tied_error = max(tied_error, err)
        assert tied_error < 1e-14, (name, tied_error)

    # Check 4: the penalty formula written out by hand.
    if any(l1 for *_, l1 in layers):
        h, manual = x, 0.0
        pd = unflatten(p_flat, specs)
        for lname, _, act, tied_to, l1 in layers:
            w = pd[f"{lname}.weight"] if tied_to is None else pd[f"{tied_to}.weight"].t()
            h = activate(h @ w.t() + pd[f"{lname}.bias"], act)
            manual += l1 * sum(abs(v) for v in h.reshape(-1).tolist()) / batch
        assert abs(manual - float(penalty)) < 1e-14, name

    values = flat(leaf) + flat(g_flat) + flat(y) + [float(loss), float(data_loss), float(penalty)]
    assert all(math.isfinite(v) for v in values), name

    return {
        "name": name,
        "input_size": n,
        "output_size": layers[-1][1],
        "batch": batch,
        "layers": [
            {"name": lname, "units": units, "activation": act, "tied_to": tied_to, "activity_l1": l1}
            for lname, units, act, tied_to, l1 in layers
        ],
        "loss_kind": loss_kind,
        "tensors": [{"name": tname, "shape": list(shape)} for tname, shape in specs],
        "draws": draws,
        "parameters": flat(p_flat),
        "inputs": flat(x),
        "targets": flat(t),
        "outputs": flat(y),
        "loss": float(loss.item()),
        "data_loss": float(data_loss.item()),
        "penalty": float(penalty.item()),
        "gradients": flat(g_flat),
        "learning_rate": LEARNING_RATE,
        "parameters_after_sgd": flat(p_flat - LEARNING_RATE * g_flat),
        "_checks": {"finite_difference_max_error": fd_error, "tied_sum_max_error": tied_error},
    }


def main():
    repo_root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    out_path = os.path.join(repo_root, "tests", "Compiled.Nets.Tests", "Fixtures", "golden_plan.json")
    cases = [build_case(i + 1, spec) for i, spec in enumerate(CASES)]
    checks = {c["name"]: c.pop("_checks") for c in cases}
    doc = {
        "generator": "tests/scripts/make_plan_golden_fixtures.py",
        "torch": torch.__version__,
        "cases": cases,
    }
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")
    for c in cases:
        ch = checks[c["name"]]
        tensors = ", ".join(f"{t['name']} {t['shape']}" for t in c["tensors"])
        print(f"{c['name']}: ParameterCount={len(c['parameters'])} ({tensors}) draws={c['draws']} "
              f"loss={c['loss']!r} data_loss={c['data_loss']!r} penalty={c['penalty']!r} "
              f"fd_err={ch['finite_difference_max_error']:.1e} tied_err={ch['tied_sum_max_error']:.1e}")
    print(f"wrote {os.path.relpath(out_path, repo_root)}")


if __name__ == "__main__":
    main()
