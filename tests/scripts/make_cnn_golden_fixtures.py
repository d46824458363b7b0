#!/usr/bin/python3
"""Generate golden reference fixtures for the Compiled.Nets convolutional and graph networks.

Run from anywhere (the output path is found from this file's location):

    /usr/bin/python3 tests/scripts/make_cnn_golden_fixtures.py

Writes tests/Compiled.Nets.Tests/Fixtures/golden_cnn.json with one case per network declared in
tests/Compiled.Nets.Tests/CnnNetworks.cs (same names): ConvValidStride2, ConvSameFullGroups, PoolingNet,
Conv1DNet, ResidualNet, TransposedUnpoolNet, SeparableMaxoutNet. Everything is computed in float64 with
PyTorch autograd and is deterministic (seeded per case). Batch 3, learning rate 0.1.

Parameter values (arbitrary, they are part of the fixture): weights randn * 0.3, biases randn * 0.1,
BatchNorm gamma 1 + randn * 0.1 and beta randn * 0.1, drawn in flat-parameter order. Inputs randn.
Targets: one-hot for SoftmaxCrossEntropy, uniform(0.05, 0.95) for BinaryCrossEntropy, randn for MSE.

Conventions (must match the library exactly):
  * Activations are NCHW and flattened per sample in C order; 1-D data is [C, L].
  * Flat parameter vector = layers in declaration order; per layer its weight (PyTorch layout, C order)
    then its bias. Exceptions:
      - SeparableConv2D: depthwise.weight [C, 1, k, k], pointwise.weight [F, C, 1, 1], depthwise.bias [C],
        pointwise.bias [F]; the activation comes after the pointwise convolution only.
      - BatchNorm: weight (gamma) then bias (beta), per channel. running_mean / running_var are NOT
        parameters: they go to "state" (running_mean then running_var), PyTorch defaults (momentum 0.1,
        eps 1e-5, starting at 0 and 1), updated once by the training forward pass (unbiased variance).
      - Maxout(units, pieces): Linear(in, units * pieces) whose output row, viewed as [units, pieces], is
        max-reduced over the last axis (unit j uses rows j*pieces .. j*pieces + pieces - 1).
  * Conv2D(filters, k, act, Stride, Padding, PaddingSize, Groups) = nn.Conv2d with P = 0 (Valid),
    (k - 1) // 2 (Same), k - 1 (Full), or PaddingSize when given. Conv1D = nn.Conv1d, same rules.
  * MaxPool(size, Stride = size by default, PaddingSize) = max_pool2d (max_pool1d on [C, L]);
    AvgPool = avg_pool2d with count_include_pad=True; GlobalAveragePool = mean over spatial dims -> [N, C].
    A Dense (or Maxout) after feature maps flattens implicitly.
  * ConvTranspose2D(filters, k, act, Stride, PaddingSize, OutputPadding) = nn.ConvTranspose2d; weight
    [in_channels, filters, k, k]. MaxUnpool(pool) = max_unpool2d with that pool's indices
    (return_indices=True) and output_size = the pool's input size.
  * Add(a, b, Activation) = act(a + b); Concat(a, b) = torch.cat along dim 1.
  * BatchNorm(act) on conv maps = BatchNorm2d in training mode (batch statistics), then the activation.
  * Activations: tanh, softplus, leaky_relu(slope), logistic = sigmoid (slope 1), softmax over dim 1 for a
    Dense output, linear otherwise.
  * Losses: SoftmaxCrossEntropy with a softmax output = mean over batch of -sum t * log(y);
    MeanSquaredError = F.mse_loss (mean over all elements); BinaryCrossEntropy = F.binary_cross_entropy
    (mean over all elements).
  * "outputs" are the network outputs in training mode, flattened; "gradients" are dLoss/dparameters in
    the flat parameter order; "parameters_after_sgd" = parameters - learning_rate * gradients.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

LEARNING_RATE = 0.1
BATCH = 3
DTYPE = torch.float64
BN_MOMENTUM = 0.1
BN_EPS = 1e-5


# ----------------------------------------------------------------------------------------------------
# Parameter specs: (name, shape, kind) in flat-parameter order. kind: "weight", "bias", "gamma", "beta".
# ----------------------------------------------------------------------------------------------------

def conv2d_params(name, cin, filters, k, groups=1):
    return [(f"{name}.weight", (filters, cin // groups, k, k), "weight"), (f"{name}.bias", (filters,), "bias")]


def conv1d_params(name, cin, filters, k, groups=1):
    return [(f"{name}.weight", (filters, cin // groups, k), "weight"), (f"{name}.bias", (filters,), "bias")]


def conv_transpose2d_params(name, cin, filters, k):
    return [(f"{name}.weight", (cin, filters, k, k), "weight"), (f"{name}.bias", (filters,), "bias")]


def separable_params(name, cin, filters, k):
    return [
        (f"{name}.depthwise.weight", (cin, 1, k, k), "weight"),
        (f"{name}.pointwise.weight", (filters, cin, 1, 1), "weight"),
        (f"{name}.depthwise.bias", (cin,), "bias"),
        (f"{name}.pointwise.bias", (filters,), "bias"),
    ]


def dense_params(name, fan_in, units):
    return [(f"{name}.weight", (units, fan_in), "weight"), (f"{name}.bias", (units,), "bias")]


def batchnorm_params(name, channels):
    return [(f"{name}.weight", (channels,), "gamma"), (f"{name}.bias", (channels,), "beta")]


def draw(shape, kind):
    z = torch.randn(*shape, dtype=DTYPE)
    if kind == "weight":
        return z * 0.3
    if kind == "bias":
        return z * 0.1
    if kind == "gamma":
        return 1.0 + z * 0.1
    if kind == "beta":
        return z * 0.1
    raise ValueError(kind)


def padding(k, rule):
    return {"valid": 0, "same": (k - 1) // 2, "full": k - 1}[rule]


def batchnorm(x, p, name, state):
    """BatchNorm in training mode; updates state[name + '.running_mean' / '.running_var'] in place."""
    c = x.shape[1]
    mean = state.setdefault(f"{name}.running_mean", torch.zeros(c, dtype=DTYPE))
    var = state.setdefault(f"{name}.running_var", torch.ones(c, dtype=DTYPE))
    return F.batch_norm(x, mean, var, p[f"{name}.weight"], p[f"{name}.bias"],
                        training=True, momentum=BN_MOMENTUM, eps=BN_EPS)


def flatten(x):
    return x.reshape(x.shape[0], -1)


# ----------------------------------------------------------------------------------------------------
# Networks: each has a parameter list and a forward pass over a dict of tensors.
# ----------------------------------------------------------------------------------------------------

# [Network(Loss = SoftmaxCrossEntropy)] Input(2,7,7); Conv2D(3,3,Tanh,Stride=2); Dense(3,Softmax)
def params_conv_valid_stride2():
    return conv2d_params("Conv", 2, 3, 3) + dense_params("Output", 3 * 3 * 3, 3)


def forward_conv_valid_stride2(p, x, state):
    h = torch.tanh(F.conv2d(x, p["Conv.weight"], p["Conv.bias"], stride=2, padding=0))  # [3,3,3]
    return torch.softmax(F.linear(flatten(h), p["Output.weight"], p["Output.bias"]), dim=1)


# [Network(Loss = MeanSquaredError)] Input(2,6,6); Conv2D(4,3,Softplus,Same); Conv2D(2,3,Tanh,Full,Groups=2);
# MaxPool(2); Dense(3)
def params_conv_same_full_groups():
    return (conv2d_params("Same", 2, 4, 3) + conv2d_params("Full", 4, 2, 3, groups=2)
            + dense_params("Output", 2 * 4 * 4, 3))


def forward_conv_same_full_groups(p, x, state):
    h = F.softplus(F.conv2d(x, p["Same.weight"], p["Same.bias"], padding=padding(3, "same")))  # [4,6,6]
    h = torch.tanh(F.conv2d(h, p["Full.weight"], p["Full.bias"], padding=padding(3, "full"), groups=2))  # [2,8,8]
    h = F.max_pool2d(h, 2)  # [2,4,4]
    return F.linear(flatten(h), p["Output.weight"], p["Output.bias"])


# [Network(Loss = BinaryCrossEntropy)] Input(3,6,6); AvgPool(2); Conv2D(4,1,LeakyReLU,Slope=0.1);
# MaxPool(3,Stride=1,PaddingSize=1); GlobalAveragePool; Dense(2,Logistic)
def params_pooling_net():
    return conv2d_params("Mix", 3, 4, 1) + dense_params("Output", 4, 2)


def forward_pooling_net(p, x, state):
    h = F.avg_pool2d(x, 2, count_include_pad=True)  # [3,3,3]
    h = F.leaky_relu(F.conv2d(h, p["Mix.weight"], p["Mix.bias"]), negative_slope=0.1)  # [4,3,3]
    h = F.max_pool2d(h, 3, stride=1, padding=1)  # [4,3,3]
    h = h.mean(dim=(2, 3))  # [4]
    return torch.sigmoid(F.linear(h, p["Output.weight"], p["Output.bias"]))


# [Network(Loss = MeanSquaredError)] Input(2,10); Conv1D(4,3,Tanh,Same); MaxPool(2); Conv1D(3,3,Stride=2); Dense(2)
def params_conv1d_net():
    return conv1d_params("First", 2, 4, 3) + conv1d_params("Second", 4, 3, 3) + dense_params("Output", 3 * 2, 2)


def forward_conv1d_net(p, x, state):
    h = torch.tanh(F.conv1d(x, p["First.weight"], p["First.bias"], padding=padding(3, "same")))  # [4,10]
    h = F.max_pool1d(h, 2)  # [4,5]
    h = F.conv1d(h, p["Second.weight"], p["Second.bias"], stride=2)  # [3,2]
    return F.linear(flatten(h), p["Output.weight"], p["Output.bias"])


# [Network(Loss = SoftmaxCrossEntropy)] Input(3,5,5); Stem Conv2D(4,3,Tanh,Same); A Conv2D(4,3,Tanh,Same);
# B Conv2D(4,3,Same); Sum Add(Stem,B,Tanh); Join Concat(Sum,Stem); Norm BatchNorm(Tanh); GlobalAveragePool;
# Dense(3,Softmax)
def params_residual_net():
    return (conv2d_params("Stem", 3, 4, 3) + conv2d_params("A", 4, 4, 3) + conv2d_params("B", 4, 4, 3)
            + batchnorm_params("Norm", 8) + dense_params("Output", 8, 3))


def forward_residual_net(p, x, state):
    same = padding(3, "same")
    stem = torch.tanh(F.conv2d(x, p["Stem.weight"], p["Stem.bias"], padding=same))  # [4,5,5]
    a = torch.tanh(F.conv2d(stem, p["A.weight"], p["A.bias"], padding=same))  # [4,5,5]
    b = F.conv2d(a, p["B.weight"], p["B.bias"], padding=same)  # [4,5,5]
    s = torch.tanh(stem + b)  # [4,5,5]
    join = torch.cat([s, stem], dim=1)  # [8,5,5]
    h = torch.tanh(batchnorm(join, p, "Norm", state))  # [8,5,5]
    h = h.mean(dim=(2, 3))  # [8]
    return torch.softmax(F.linear(h, p["Output.weight"], p["Output.bias"]), dim=1)


# [Network(Loss = MeanSquaredError)] Input(2,4,4); Encode Conv2D(3,3,Tanh,Same); Pool MaxPool(2);
# Mix ConvTranspose2D(3,3,Tanh,PaddingSize=1); Unpool MaxUnpool(Pool); Decode ConvTranspose2D(1,2,Stride=2)
def params_transposed_unpool_net():
    return (conv2d_params("Encode", 2, 3, 3) + conv_transpose2d_params("Mix", 3, 3, 3)
            + conv_transpose2d_params("Decode", 3, 1, 2))


def forward_transposed_unpool_net(p, x, state):
    e = torch.tanh(F.conv2d(x, p["Encode.weight"], p["Encode.bias"], padding=padding(3, "same")))  # [3,4,4]
    pooled, indices = F.max_pool2d(e, 2, return_indices=True)  # [3,2,2]
    m = torch.tanh(F.conv_transpose2d(pooled, p["Mix.weight"], p["Mix.bias"], stride=1, padding=1))  # [3,2,2]
    u = F.max_unpool2d(m, indices, 2, output_size=e.shape[2:])  # [3,4,4]
    d = F.conv_transpose2d(u, p["Decode.weight"], p["Decode.bias"], stride=2)  # [1,8,8]
    return flatten(d)


# [Network(Loss = SoftmaxCrossEntropy)] Input(3,6,6); SeparableConv2D(4,3,Softplus); Maxout(5,3); Dense(2,Softmax)
MAXOUT_UNITS, MAXOUT_PIECES = 5, 3


def params_separable_maxout_net():
    return (separable_params("Separable", 3, 4, 3)
            + dense_params("Maxout", 4 * 4 * 4, MAXOUT_UNITS * MAXOUT_PIECES)
            + dense_params("Output", MAXOUT_UNITS, 2))


def forward_separable_maxout_net(p, x, state):
    h = F.conv2d(x, p["Separable.depthwise.weight"], p["Separable.depthwise.bias"], groups=3)  # [3,4,4]
    h = F.softplus(F.conv2d(h, p["Separable.pointwise.weight"], p["Separable.pointwise.bias"]))  # [4,4,4]
    z = F.linear(flatten(h), p["Maxout.weight"], p["Maxout.bias"])  # [15]
    h = z.reshape(z.shape[0], MAXOUT_UNITS, MAXOUT_PIECES).amax(dim=2)  # [5]
    return torch.softmax(F.linear(h, p["Output.weight"], p["Output.bias"]), dim=1)


# (name, seed, input shape per sample, output size per sample, loss, params, forward, hand-computed ParameterCount)
CASES = [
    ("ConvValidStride2", 31, (2, 7, 7), 3, "ce_probabilities",
     params_conv_valid_stride2, forward_conv_valid_stride2, (3 * 2 * 9 + 3) + (27 * 3 + 3)),
    ("ConvSameFullGroups", 32, (2, 6, 6), 3, "mse",
     params_conv_same_full_groups, forward_conv_same_full_groups, (4 * 2 * 9 + 4) + (2 * 2 * 9 + 2) + (32 * 3 + 3)),
    ("PoolingNet", 33, (3, 6, 6), 2, "bce",
     params_pooling_net, forward_pooling_net, (4 * 3 + 4) + (4 * 2 + 2)),
    ("Conv1DNet", 34, (2, 10), 2, "mse",
     params_conv1d_net, forward_conv1d_net, (4 * 2 * 3 + 4) + (3 * 4 * 3 + 3) + (6 * 2 + 2)),
    ("ResidualNet", 35, (3, 5, 5), 3, "ce_probabilities",
     params_residual_net, forward_residual_net,
     (4 * 3 * 9 + 4) + 2 * (4 * 4 * 9 + 4) + (8 + 8) + (8 * 3 + 3)),
    ("TransposedUnpoolNet", 36, (2, 4, 4), 64, "mse",
     params_transposed_unpool_net, forward_transposed_unpool_net,
     (3 * 2 * 9 + 3) + (3 * 3 * 9 + 3) + (3 * 1 * 4 + 1)),
    ("SeparableMaxoutNet", 37, (3, 6, 6), 2, "ce_probabilities",
     params_separable_maxout_net, forward_separable_maxout_net,
     (3 * 9 + 4 * 3 + 3 + 4) + (64 * 15 + 15) + (5 * 2 + 2)),
]


def compute_loss(y, t, kind):
    if kind == "mse":
        return F.mse_loss(y, t)
    if kind == "bce":
        return F.binary_cross_entropy(y, t)
    if kind == "ce_probabilities":
        return -(t * torch.log(y)).sum(dim=1).mean()
    raise ValueError(kind)


def make_targets(loss_kind, batch, m):
    if loss_kind == "ce_probabilities":
        idx = torch.randint(0, m, (batch,), dtype=torch.int64)
        return F.one_hot(idx, m).to(DTYPE)
    if loss_kind == "bce":
        return torch.rand(batch, m, dtype=DTYPE) * 0.9 + 0.05
    if loss_kind == "mse":
        return torch.randn(batch, m, dtype=DTYPE)
    raise ValueError(loss_kind)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def build_case(spec):
    name, seed, input_shape, m, loss_kind, make_params, forward, expected_count = spec
    torch.manual_seed(1000 + seed)

    specs = make_params()
    params = {pname: draw(shape, kind).requires_grad_(True) for pname, shape, kind in specs}
    order = [pname for pname, _, _ in specs]

    x = torch.randn(BATCH, *input_shape, dtype=DTYPE)
    t = make_targets(loss_kind, BATCH, m)

    state = {}
    y = forward(params, x, state)
    assert y.shape == (BATCH, m), (name, tuple(y.shape))
    loss = compute_loss(y, t, loss_kind)
    loss.backward()

    p_flat = torch.cat([params[k].detach().reshape(-1) for k in order])
    g_flat = torch.cat([params[k].grad.detach().reshape(-1) for k in order])
    assert p_flat.numel() == expected_count, (name, p_flat.numel(), expected_count)

    # running_mean then running_var, per BatchNorm layer in declaration order (dict keeps insertion order).
    state_flat = [v for tensor in state.values() for v in flat(tensor)]

    values = flat(p_flat) + flat(g_flat) + flat(y) + state_flat + [float(loss.item())]
    assert all(math.isfinite(v) for v in values), name

    return {
        "name": name,
        "input_size": int(math.prod(input_shape)),
        "input_shape": list(input_shape),
        "output_size": m,
        "batch": BATCH,
        "loss_kind": loss_kind,
        "parameters": flat(p_flat),
        "inputs": flat(x),
        "targets": flat(t),
        "outputs": flat(y),
        "loss": float(loss.item()),
        "gradients": flat(g_flat),
        "learning_rate": LEARNING_RATE,
        "parameters_after_sgd": flat(p_flat - LEARNING_RATE * g_flat),
        "state": state_flat,
    }


def main():
    repo_root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    out_path = os.path.join(repo_root, "tests", "Compiled.Nets.Tests", "Fixtures", "golden_cnn.json")
    doc = {
        "generator": "tests/scripts/make_cnn_golden_fixtures.py",
        "torch": torch.__version__,
        "cases": [build_case(spec) for spec in CASES],
    }
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")
    for c in doc["cases"]:
        print(f"{c['name']}: ParameterCount={len(c['parameters'])} input={c['input_size']} "
              f"output={c['output_size']} state={len(c['state'])} loss={c['loss']!r}")
    print(f"wrote {os.path.relpath(out_path, repo_root)}")


if __name__ == "__main__":
    main()
