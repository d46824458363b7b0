#!/usr/bin/python3
"""Golden fixtures for the CNN chapter's named architectures and the segmentation networks.

    /usr/bin/python3 tests/scripts/make_architecture_golden_fixtures.py

Writes tests/Compiled.Nets.Tests/Fixtures/golden_architectures.json, one case per network of
tests/Compiled.Nets.Tests/NamedArchitectureNetworks.cs (same names): AlexNetBlock, VggBlock, InceptionModule,
ResNetBlocks, MobileNetBlocks, UNetSmall, SegNetSmall, Unpool1DNet. float64 PyTorch autograd, batch 3, learning rate
0.1. Parameters as make_cnn_golden_fixtures.py draws them (weights randn * 0.3, biases randn * 0.1, BatchNorm gamma
1 + randn * 0.1, beta randn * 0.1), flat order = layers in declaration order, weight then bias (PyTorch layouts).

Conventions (as make_cnn_golden_fixtures.py): Conv2D = F.conv2d with P = 0 (Valid), (k - 1) // 2 (Same) or
PaddingSize; Groups = groups; ConvTranspose2D = F.conv_transpose2d, weight [in, filters, k, k]; MaxPool(size, Stride,
PaddingSize) = F.max_pool2d (1-D: max_pool1d); MaxUnpool(pool) = F.max_unpool2d (1-D: max_unpool1d) with that pool's
indices (return_indices=True), its kernel, stride and padding, output_size = the pool's input size;
LocalResponseNorm = F.local_response_norm; Concat = torch.cat(dim=1); Add(a, b, act) = act(a + b); BatchNorm =
F.batch_norm in training mode (momentum 0.1, eps 1e-5, running statistics from 0 and 1; unbiased variance in them);
GlobalAveragePool = mean over the spatial dims. The attributes' float settings are float32 values.

Per case:
  * "outputs": the outputs in training mode (batch statistics), flattened;
  * "outputs_eval": the outputs at inference with the running statistics after that one training pass (equal to
    "outputs" without BatchNorm);
  * "state": running_mean then running_var per BatchNorm layer in declaration order, after the training pass;
  * "loss", "gradients" (flat parameter order), "parameters_after_sgd" = parameters - 0.1 * gradients.
Losses: SoftmaxCrossEntropy on a softmax output = mean over the batch of -sum t log y; BinaryCrossEntropy =
F.binary_cross_entropy (mean over every value); MeanSquaredError = F.mse_loss.
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
BN_MOMENTUM = 0.1
BN_EPS = 1e-5


def f32(v):
    return float(np.float32(v))


def conv(name, cin, filters, k, groups=1):
    return [(f"{name}.weight", (filters, cin // groups, k, k), "weight"), (f"{name}.bias", (filters,), "bias")]


def conv1d(name, cin, filters, k):
    return [(f"{name}.weight", (filters, cin, k), "weight"), (f"{name}.bias", (filters,), "bias")]


def conv_transpose(name, cin, filters, k):
    return [(f"{name}.weight", (cin, filters, k, k), "weight"), (f"{name}.bias", (filters,), "bias")]


def dense(name, fan_in, units):
    return [(f"{name}.weight", (units, fan_in), "weight"), (f"{name}.bias", (units,), "bias")]


def bn(name, channels):
    return [(f"{name}.weight", (channels,), "gamma"), (f"{name}.bias", (channels,), "beta")]


def draw(shape, kind):
    z = torch.randn(*shape, dtype=DTYPE)
    return {"weight": z * 0.3, "bias": z * 0.1, "gamma": 1.0 + z * 0.1, "beta": z * 0.1}[kind]


class Run:
    """Parameters, the BatchNorm running statistics and the mode of one forward pass."""

    def __init__(self, params, state, training):
        self.p, self.state, self.training = params, state, training

    def conv(self, name, x, stride=1, padding=0, groups=1):
        return F.conv2d(x, self.p[f"{name}.weight"], self.p[f"{name}.bias"], stride=stride, padding=padding, groups=groups)

    def conv1d(self, name, x, padding=0):
        return F.conv1d(x, self.p[f"{name}.weight"], self.p[f"{name}.bias"], padding=padding)

    def up(self, name, x, stride):
        return F.conv_transpose2d(x, self.p[f"{name}.weight"], self.p[f"{name}.bias"], stride=stride)

    def dense(self, name, x):
        return F.linear(x.reshape(x.shape[0], -1), self.p[f"{name}.weight"], self.p[f"{name}.bias"])

    def bn(self, name, x):
        c = x.shape[1]
        mean = self.state.setdefault(f"{name}.running_mean", torch.zeros(c, dtype=DTYPE))
        var = self.state.setdefault(f"{name}.running_var", torch.ones(c, dtype=DTYPE))
        return F.batch_norm(x, mean, var, self.p[f"{name}.weight"], self.p[f"{name}.bias"],
                            training=self.training, momentum=BN_MOMENTUM, eps=BN_EPS)


# AlexNetBlock: Input(3,19,19); Conv1 Conv2D(8,7,ReLU,Stride=2,PaddingSize=2); Norm1 LocalResponseNorm(5, Alpha=0.1,
# Beta=0.75, K=2); Pool1 MaxPool(3,Stride=2); Fc Dense(16,ReLU); Output Dense(3,Softmax)
def alexnet(r, x):
    h = torch.relu(r.conv("Conv1", x, stride=2, padding=2))  # [8,9,9]
    h = F.local_response_norm(h, 5, alpha=f32(0.1), beta=f32(0.75), k=f32(2.0))
    h = F.max_pool2d(h, 3, stride=2)  # [8,4,4]
    h = torch.relu(r.dense("Fc", h))
    return torch.softmax(r.dense("Output", h), dim=1)


# VggBlock: Input(3,12,12); Conv1, Conv2 Conv2D(8,3,ReLU,Same); Pool MaxPool(2); Output Dense(3,Softmax)
def vgg(r, x):
    h = torch.relu(r.conv("Conv1", x, padding=1))
    h = torch.relu(r.conv("Conv2", h, padding=1))
    h = F.max_pool2d(h, 2)  # [8,6,6]
    return torch.softmax(r.dense("Output", h), dim=1)


# InceptionModule: Input(3,8,8); Stem Conv2D(8,3,ReLU,Same); Branch1x1 Conv2D(4,1,ReLU) of Stem; Reduce3x3
# Conv2D(4,1,ReLU) of Stem; Branch3x3 Conv2D(6,3,ReLU,Same); Reduce5x5 Conv2D(2,1,ReLU) of Stem; Branch5x5
# Conv2D(3,5,ReLU,Same); BranchPool MaxPool(3,Stride=1,PaddingSize=1) of Stem; PoolProjection Conv2D(3,1,ReLU);
# Mixed Concat(Branch1x1, Branch3x3, Branch5x5, PoolProjection); GlobalAveragePool; Output Dense(3,Softmax)
def inception(r, x):
    stem = torch.relu(r.conv("Stem", x, padding=1))
    b1 = torch.relu(r.conv("Branch1x1", stem))
    b3 = torch.relu(r.conv("Branch3x3", torch.relu(r.conv("Reduce3x3", stem)), padding=1))
    b5 = torch.relu(r.conv("Branch5x5", torch.relu(r.conv("Reduce5x5", stem)), padding=2))
    bp = torch.relu(r.conv("PoolProjection", F.max_pool2d(stem, 3, stride=1, padding=1)))
    mixed = torch.cat([b1, b3, b5, bp], dim=1)  # [16,8,8]
    return torch.softmax(r.dense("Output", mixed.mean(dim=(2, 3))), dim=1)


# ResNetBlocks: Input(3,9,9); Stem Conv2D(8,3,Same) + StemNorm BN(ReLU); Block1: Conv1 (8,3,Same) + BN(ReLU),
# Conv2 (8,3,Same) + BN, Add(StemNorm, Block1Norm2, ReLU); Block2: Conv1 (12,3,Stride=2,PaddingSize=1) + BN(ReLU),
# Conv2 (12,3,Same) + BN; Projection Conv2D(12,1,Stride=2) of Block1 + BN; Add(Block2Norm2, ProjectionNorm, ReLU);
# GlobalAveragePool; Output Dense(3,Softmax)
def resnet(r, x):
    stem = torch.relu(r.bn("StemNorm", r.conv("Stem", x, padding=1)))
    h = torch.relu(r.bn("Block1Norm1", r.conv("Block1Conv1", stem, padding=1)))
    h = r.bn("Block1Norm2", r.conv("Block1Conv2", h, padding=1))
    block1 = torch.relu(stem + h)  # [8,9,9]
    h = torch.relu(r.bn("Block2Norm1", r.conv("Block2Conv1", block1, stride=2, padding=1)))  # [12,5,5]
    h = r.bn("Block2Norm2", r.conv("Block2Conv2", h, padding=1))
    shortcut = r.bn("ProjectionNorm", r.conv("Projection", block1, stride=2))  # [12,5,5]
    block2 = torch.relu(h + shortcut)
    return torch.softmax(r.dense("Output", block2.mean(dim=(2, 3))), dim=1)


# MobileNetBlocks: Input(3,9,9); Stem Conv2D(8,3,Same) + BN(ReLU); Depthwise1 Conv2D(8,3,Same,Groups=8) + BN(ReLU);
# Pointwise1 Conv2D(16,1) + BN(ReLU); Depthwise2 Conv2D(16,3,Stride=2,PaddingSize=1,Groups=16) + BN(ReLU);
# Pointwise2 Conv2D(24,1) + BN(ReLU); GlobalAveragePool; Output Dense(3,Softmax)
def mobilenet(r, x):
    h = torch.relu(r.bn("StemNorm", r.conv("Stem", x, padding=1)))
    h = torch.relu(r.bn("DepthwiseNorm1", r.conv("Depthwise1", h, padding=1, groups=8)))
    h = torch.relu(r.bn("PointwiseNorm1", r.conv("Pointwise1", h)))
    h = torch.relu(r.bn("DepthwiseNorm2", r.conv("Depthwise2", h, stride=2, padding=1, groups=16)))  # [16,5,5]
    h = torch.relu(r.bn("PointwiseNorm2", r.conv("Pointwise2", h)))
    return torch.softmax(r.dense("Output", h.mean(dim=(2, 3))), dim=1)


# UNetSmall: Input(1,8,8); Encoder1 Conv2D(4,3,ReLU,Same); Down1 MaxPool(2); Encoder2 Conv2D(6,3,ReLU,Same);
# Down2 MaxPool(2); Bottleneck Conv2D(8,3,ReLU,Same); Up2 ConvTranspose2D(6,2,ReLU,Stride=2); Skip2
# Concat(Encoder2, Up2); Decoder2 Conv2D(6,3,ReLU,Same); Up1 ConvTranspose2D(4,2,ReLU,Stride=2); Skip1
# Concat(Encoder1, Up1); Decoder1 Conv2D(4,3,ReLU,Same); Mask Conv2D(1,1,Logistic)
def unet(r, x):
    e1 = torch.relu(r.conv("Encoder1", x, padding=1))
    e2 = torch.relu(r.conv("Encoder2", F.max_pool2d(e1, 2), padding=1))
    b = torch.relu(r.conv("Bottleneck", F.max_pool2d(e2, 2), padding=1))
    u2 = torch.relu(r.up("Up2", b, 2))
    d2 = torch.relu(r.conv("Decoder2", torch.cat([e2, u2], dim=1), padding=1))
    u1 = torch.relu(r.up("Up1", d2, 2))
    d1 = torch.relu(r.conv("Decoder1", torch.cat([e1, u1], dim=1), padding=1))
    return torch.sigmoid(r.conv("Mask", d1)).reshape(x.shape[0], -1)


# SegNetSmall: Input(1,8,8); Encoder1 Conv2D(4,3,Same) + EncoderNorm1 BN(ReLU); Pool1 MaxPool(2); Encoder2
# Conv2D(6,3,ReLU,Same); Pool2 MaxPool(2); Unpool2 MaxUnpool(Pool2); Decoder2 Conv2D(4,3,ReLU,Same); Unpool1
# MaxUnpool(Pool1); Decoder1 Conv2D(4,3,ReLU,Same); Mask Conv2D(1,3,Logistic,Same)
def segnet(r, x):
    e1 = torch.relu(r.bn("EncoderNorm1", r.conv("Encoder1", x, padding=1)))  # [4,8,8]
    p1, s1 = F.max_pool2d(e1, 2, return_indices=True)
    e2 = torch.relu(r.conv("Encoder2", p1, padding=1))  # [6,4,4]
    p2, s2 = F.max_pool2d(e2, 2, return_indices=True)
    u2 = F.max_unpool2d(p2, s2, 2, output_size=e2.shape[2:])
    d2 = torch.relu(r.conv("Decoder2", u2, padding=1))  # [4,4,4]
    u1 = F.max_unpool2d(d2, s1, 2, output_size=e1.shape[2:])
    d1 = torch.relu(r.conv("Decoder1", u1, padding=1))
    return torch.sigmoid(r.conv("Mask", d1, padding=1)).reshape(x.shape[0], -1)


# Unpool1DNet: Input(2,10); Encode Conv1D(3,3,Tanh,Same); Pool MaxPool(2,PaddingSize=1); Mix Conv1D(3,3,Tanh,Same);
# Unpool MaxUnpool(Pool); Decode Conv1D(1,3,Same)
def unpool1d(r, x):
    e = torch.tanh(r.conv1d("Encode", x, padding=1))  # [3,10]
    p, s = F.max_pool1d(e, 2, padding=1, return_indices=True)  # [3,6]
    m = torch.tanh(r.conv1d("Mix", p, padding=1))
    u = F.max_unpool1d(m, s, 2, padding=1, output_size=e.shape[2:])  # [3,10]
    return r.conv1d("Decode", u, padding=1).reshape(x.shape[0], -1)


CASES = [
    ("AlexNetBlock", 81, (3, 19, 19), 3, "ce", conv("Conv1", 3, 8, 7) + dense("Fc", 128, 16) + dense("Output", 16, 3), alexnet),
    ("VggBlock", 82, (3, 12, 12), 3, "ce", conv("Conv1", 3, 8, 3) + conv("Conv2", 8, 8, 3) + dense("Output", 288, 3), vgg),
    ("InceptionModule", 83, (3, 8, 8), 3, "ce",
     conv("Stem", 3, 8, 3) + conv("Branch1x1", 8, 4, 1) + conv("Reduce3x3", 8, 4, 1) + conv("Branch3x3", 4, 6, 3)
     + conv("Reduce5x5", 8, 2, 1) + conv("Branch5x5", 2, 3, 5) + conv("PoolProjection", 8, 3, 1) + dense("Output", 16, 3),
     inception),
    ("ResNetBlocks", 84, (3, 9, 9), 3, "ce",
     conv("Stem", 3, 8, 3) + bn("StemNorm", 8) + conv("Block1Conv1", 8, 8, 3) + bn("Block1Norm1", 8)
     + conv("Block1Conv2", 8, 8, 3) + bn("Block1Norm2", 8) + conv("Block2Conv1", 8, 12, 3) + bn("Block2Norm1", 12)
     + conv("Block2Conv2", 12, 12, 3) + bn("Block2Norm2", 12) + conv("Projection", 8, 12, 1) + bn("ProjectionNorm", 12)
     + dense("Output", 12, 3), resnet),
    ("MobileNetBlocks", 85, (3, 9, 9), 3, "ce",
     conv("Stem", 3, 8, 3) + bn("StemNorm", 8) + conv("Depthwise1", 8, 8, 3, groups=8) + bn("DepthwiseNorm1", 8)
     + conv("Pointwise1", 8, 16, 1) + bn("PointwiseNorm1", 16) + conv("Depthwise2", 16, 16, 3, groups=16)
     + bn("DepthwiseNorm2", 16) + conv("Pointwise2", 16, 24, 1) + bn("PointwiseNorm2", 24) + dense("Output", 24, 3),
     mobilenet),
    ("UNetSmall", 86, (1, 8, 8), 64, "bce",
     conv("Encoder1", 1, 4, 3) + conv("Encoder2", 4, 6, 3) + conv("Bottleneck", 6, 8, 3) + conv_transpose("Up2", 8, 6, 2)
     + conv("Decoder2", 12, 6, 3) + conv_transpose("Up1", 6, 4, 2) + conv("Decoder1", 8, 4, 3) + conv("Mask", 4, 1, 1),
     unet),
    ("SegNetSmall", 87, (1, 8, 8), 64, "bce",
     conv("Encoder1", 1, 4, 3) + bn("EncoderNorm1", 4) + conv("Encoder2", 4, 6, 3) + conv("Decoder2", 6, 4, 3)
     + conv("Decoder1", 4, 4, 3) + conv("Mask", 4, 1, 3), segnet),
    ("Unpool1DNet", 88, (2, 10), 10, "mse",
     conv1d("Encode", 2, 3, 3) + conv1d("Mix", 3, 3, 3) + conv1d("Decode", 3, 1, 3), unpool1d),
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
        return (torch.rand(BATCH, m, dtype=DTYPE) < 0.4).to(DTYPE)  # a binary mask per pixel
    return torch.randn(BATCH, m, dtype=DTYPE)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def build_case(name, seed, input_shape, m, loss_kind, specs, forward):
    torch.manual_seed(5000 + seed)
    params = {n: draw(shape, kind).requires_grad_(True) for n, shape, kind in specs}
    order = [n for n, _, _ in specs]
    x = torch.randn(BATCH, *input_shape, dtype=DTYPE)
    t = make_targets(loss_kind, m)
    state = {}
    y = forward(Run(params, state, training=True), x)
    assert y.shape == (BATCH, m), (name, tuple(y.shape))
    loss = compute_loss(y, t, loss_kind)
    loss.backward()
    with torch.no_grad():
        outputs_eval = forward(Run(params, state, training=False), x)
    p_flat = torch.cat([params[k].detach().reshape(-1) for k in order])
    g_flat = torch.cat([params[k].grad.detach().reshape(-1) for k in order])
    state_flat = [v for tensor in state.values() for v in flat(tensor)]
    values = flat(p_flat) + flat(g_flat) + flat(y) + flat(outputs_eval) + state_flat + [float(loss.item())]
    assert all(math.isfinite(v) for v in values), name
    return {
        "name": name, "input_size": int(math.prod(input_shape)), "input_shape": list(input_shape), "output_size": m,
        "batch": BATCH, "loss_kind": loss_kind, "parameters": flat(p_flat), "inputs": flat(x), "targets": flat(t),
        "outputs": flat(y), "outputs_eval": flat(outputs_eval), "state": state_flat, "loss": float(loss.item()),
        "gradients": flat(g_flat), "learning_rate": LEARNING_RATE, "parameters_after_sgd": flat(p_flat - LEARNING_RATE * g_flat),
    }


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    out = os.path.join(root, "tests", "Compiled.Nets.Tests", "Fixtures", "golden_architectures.json")
    doc = {"generator": "tests/scripts/make_architecture_golden_fixtures.py", "torch": torch.__version__,
           "cases": [build_case(*c) for c in CASES]}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")
    for c in doc["cases"]:
        print(f"{c['name']}: {len(c['parameters'])} parameters, state {len(c['state'])}, loss {c['loss']!r}")
    print(f"wrote {os.path.relpath(out, root)}")


if __name__ == "__main__":
    main()
