#!/usr/bin/python3
"""PyTorch interop fixtures for Compiled.Nets weight files (safetensors).

Run from anywhere:

    /usr/bin/python3 tests/scripts/make_safetensors_fixtures.py
        Writes tests/Compiled.Nets.Runtime.Tests/Fixtures/pytorch_small.safetensors and
        pytorch_small.json: the weights of torch.nn.Sequential(Linear(4, 5), Tanh(), Linear(5, 3))
        built with torch.manual_seed(7), six input rows and PyTorch's outputs for them.

    /usr/bin/python3 tests/scripts/make_safetensors_fixtures.py --check PATH
        Reads a safetensors file written by Compiled.Nets, loads it into the same module with
        load_state_dict(strict=True) and prints {"outputs": [[...], ...]} for the fixture inputs.

The safetensors format is read and written by hand (struct + json + numpy) because the
`safetensors` package is not installed here: an 8-byte little-endian header length N, N bytes
of JSON ({"name": {"dtype", "shape", "data_offsets"}}; offsets relative to the data section),
then the raw little-endian data.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Compiled.Nets.Runtime.Tests", "Fixtures")
WEIGHTS = os.path.join(FIXTURES, "pytorch_small.safetensors")
CASES = os.path.join(FIXTURES, "pytorch_small.json")

# Sequential's keys -> the names Compiled.Nets gives the same tensors (the layers' property names).
NAMES = {"0.weight": "Hidden.weight", "0.bias": "Hidden.bias", "2.weight": "Output.weight", "2.bias": "Output.bias"}


def build_module():
    return torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3))


def write_safetensors(tensors, path, metadata=None):
    # Data in name order, like the safetensors library (which sorts), so the data order differs from
    # the network's order and the reader must follow the offsets rather than assume an order.
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs, offset = [], 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name], dtype="<f4")
        blob = array.tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {entry['dtype']}, expected F32")
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype="<f4").reshape(entry["shape"])
        tensors[name] = array.copy()
    return tensors


def outputs_for(module, inputs):
    with torch.no_grad():
        return module(torch.tensor(inputs, dtype=torch.float32)).tolist()


def make():
    torch.manual_seed(7)
    module = build_module()
    inputs = torch.randn(6, 4)
    state = {NAMES[key]: value.detach().numpy() for key, value in module.state_dict().items()}
    os.makedirs(FIXTURES, exist_ok=True)
    write_safetensors(state, WEIGHTS, metadata={"format": "pt", "producer": "make_safetensors_fixtures.py"})
    cases = {
        "description": "torch.nn.Sequential(Linear(4, 5), Tanh(), Linear(5, 3)), torch.manual_seed(7); float32",
        "inputs": inputs.tolist(),
        "outputs": outputs_for(module, inputs.tolist()),
    }
    with open(CASES, "w") as f:
        json.dump(cases, f, indent=2)
        f.write("\n")
    print(f"wrote {os.path.relpath(WEIGHTS)} and {os.path.relpath(CASES)}")


def check(path):
    with open(CASES) as f:
        inputs = json.load(f)["inputs"]
    tensors = read_safetensors(path)
    ours = {value: key for key, value in NAMES.items()}
    state = {ours.get(name, name): torch.from_numpy(array) for name, array in tensors.items()}
    module = build_module()
    module.load_state_dict(state, strict=True)  # refuses missing, unexpected or mis-shaped tensors
    print(json.dumps({"outputs": outputs_for(module, inputs)}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    elif len(sys.argv) == 1:
        make()
    else:
        sys.exit(__doc__)
