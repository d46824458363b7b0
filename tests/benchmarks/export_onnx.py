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
"""
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
