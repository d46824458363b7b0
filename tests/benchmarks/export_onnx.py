#!/usr/bin/python3
"""Export the benchmark networks to ONNX for the ONNX Runtime anchor (tests/Compiled.Nets.Benchmarks.OnnxRuntime).

Usage (run-all.sh calls it; Debian's PyTorch 1.13, opset 17):

    /usr/bin/python3 tests/benchmarks/export_onnx.py OUT_DIR

Writes, float32, each with one input "x" and one output "y" and fixed shapes (ONNX Runtime plans its memory
once for a fixed shape):
    xor_b1.onnx      2-4-1, tanh, logistic: [1, 2] -> [1, 1]
    mlp_b1.onnx      784-128-64-10, ReLU, ReLU, softmax: [1, 784] -> [1, 10]
    mlp_b64.onnx     the same at [64, 784] -> [64, 10]
    lenet5_b64.onnx  LeNet-5 as CnnComparison's (conv 5x5x6 pad 2, max pool 2, conv 5x5x16, max pool 2, 120, 84, 10,
                     ReLU; logits): [64, 1, 28, 28] -> [64, 10]
Weights are PyTorch's default initialisation with seed 0: the timing does not depend on them.

The int8 models, when OUT_DIR holds the quantised networks that Compiled.Nets wrote (`dotnet run -c Release --project
tests/Compiled.Nets.Benchmarks -- --export-int8 OUT_DIR`: mlp_int8.json, lenet5_int8.json), as QDQ graphs (QuantizeLinear /
DequantizeLinear pairs, opset 17) with the same int8 weights, per-channel weight scales, biases and activation scales and
zero points, so that ONNX Runtime runs the same quantised model:
    mlp_int8_b1.onnx     [1, 784] -> [1, 10]
    lenet5_int8_b1.onnx  [1, 1, 28, 28] -> [1, 10]
Weights: torch.fake_quantize_per_channel_affine (int8, zero point 0, axis 0), exported as an int8 QuantizeLinear /
DequantizeLinear pair on each weight. Activations: torch.fake_quantize_per_tensor_affine with uint8 and the calibrated
scale and zero point; Compiled.Nets stores levels 0..127 (7 bits, for AVX2's vpmaddubsw), with the same scale, so the
two agree wherever a value lies in its calibrated range; ONNX Runtime clamps at 255 levels instead of 127 beyond it.
Max pooling and Flatten keep their input's quantisation: a Q/DQ pair follows each, with the same scale, so that ONNX
Runtime's QDQ fusion sees a quantised input at every convolution and matrix product. Each model is checked against the
output Compiled.Nets computed for the input stored in its JSON file.
"""
import json
import os
import sys

import torch
import torch.nn as nn

OPSET = 17


def models():
    torch.manual_seed(0)
    xor = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())
    mlp = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10), nn.Softmax(dim=1))
    lenet = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    return [("xor_b1", xor, (1, 2)), ("mlp_b1", mlp, (1, 784)), ("mlp_b64", mlp, (64, 784)),
            ("lenet5_b64", lenet, (64, 1, 28, 28))]


def fq(x, q):
    """A tensor's activation quantisation (uint8, the calibrated scale and zero point)."""
    return torch.fake_quantize_per_tensor_affine(x, q["scale"], q["zero_point"], 0, 255)


class QuantizedLayer(nn.Module):
    """A dense or convolution layer with int8 per-channel weights (the levels times their scales) and a float bias."""

    def __init__(self, spec, shape):
        super().__init__()
        levels = torch.tensor(spec["weights"], dtype=torch.float32).reshape(shape)
        self.scales = torch.tensor(spec["weight_scales"], dtype=torch.float32)
        self.zeros = torch.zeros(len(spec["weight_scales"]), dtype=torch.int32)
        view = (-1,) + (1,) * (len(shape) - 1)
        self.weight = nn.Parameter(levels * self.scales.reshape(view), requires_grad=False)
        self.bias = nn.Parameter(torch.tensor(spec["bias"], dtype=torch.float32), requires_grad=False)
        self.output = spec["output"]

    def quantized_weight(self):
        return torch.fake_quantize_per_channel_affine(self.weight, self.scales, self.zeros, 0, -128, 127)


class QuantizedMlp(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.input = spec["input"]
        self.layers = nn.ModuleList([QuantizedLayer(l, (l["outputs"], l["depth"])) for l in spec["layers"]])

    def forward(self, x):
        x = fq(x, self.input)
        for i, layer in enumerate(self.layers):
            x = torch.nn.functional.linear(x, layer.quantized_weight(), layer.bias)
            if layer.output is not None:
                x = fq(torch.relu(x), layer.output)
        return torch.softmax(x, dim=1)


class QuantizedLeNet5(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.input = spec["input"]
        c1, c3, f5, f6, logits = spec["layers"]
        self.c1 = QuantizedLayer(c1, (6, 1, 5, 5))
        self.c3 = QuantizedLayer(c3, (16, 6, 5, 5))
        self.f5 = QuantizedLayer(f5, (120, 400))
        self.f6 = QuantizedLayer(f6, (84, 120))
        self.logits = QuantizedLayer(logits, (10, 84))

    def forward(self, x):
        x = fq(x, self.input)
        x = fq(torch.relu(torch.nn.functional.conv2d(x, self.c1.quantized_weight(), self.c1.bias, padding=2)), self.c1.output)
        x = fq(torch.nn.functional.max_pool2d(x, 2), self.c1.output)
        x = fq(torch.relu(torch.nn.functional.conv2d(x, self.c3.quantized_weight(), self.c3.bias)), self.c3.output)
        x = fq(torch.flatten(torch.nn.functional.max_pool2d(x, 2), 1), self.c3.output)
        x = fq(torch.relu(torch.nn.functional.linear(x, self.f5.quantized_weight(), self.f5.bias)), self.f5.output)
        x = fq(torch.relu(torch.nn.functional.linear(x, self.f6.quantized_weight(), self.f6.bias)), self.f6.output)
        return torch.nn.functional.linear(x, self.logits.quantized_weight(), self.logits.bias)


def export_quantized(out):
    """The QDQ models of the quantised networks in OUT_DIR's JSON files, checked against Compiled.Nets' int8 output."""
    for name, build, shape in (("mlp", QuantizedMlp, (1, 784)), ("lenet5", QuantizedLeNet5, (1, 1, 28, 28))):
        source = os.path.join(out, name + "_int8.json")
        if not os.path.exists(source):
            print(f"no {source}: the int8 models are not exported", file=sys.stderr)
            continue
        with open(source, encoding="utf-8") as f:
            spec = json.load(f)
        model = build(spec).eval()
        x = torch.tensor(spec["check_input"], dtype=torch.float32).reshape(shape)
        with torch.no_grad():
            y = model(x).reshape(-1)
        expected = torch.tensor(spec["check_output"], dtype=torch.float32)
        print(f"{name} int8: PyTorch's fake-quantised model against Compiled.Nets: max |difference| "
              f"{(y - expected).abs().max().item():.2e} on outputs up to {expected.abs().max().item():.3g}", file=sys.stderr)
        path = os.path.join(out, name + "_int8_b1.onnx")
        with torch.no_grad():
            torch.onnx.export(model, x, path, input_names=["x"], output_names=["y"], opset_version=OPSET)
        print(f"wrote {path} ({os.path.getsize(path):,} bytes)", file=sys.stderr)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, model, shape in models():
        model.eval()
        path = os.path.join(out, name + ".onnx")
        with torch.no_grad():
            torch.onnx.export(model, torch.rand(*shape), path, input_names=["x"], output_names=["y"], opset_version=OPSET)
        print(f"wrote {path} ({os.path.getsize(path):,} bytes)", file=sys.stderr)
    export_quantized(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
