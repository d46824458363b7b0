#!/usr/bin/python3
"""Sequential MNIST in PyTorch: the network, data and training of samples/Sequences (SequentialMnist.cs), for comparison.

Each 28x28 image is read as 28 steps of 28 pixels (its rows), batch-first: nn.LSTM(28, 128, batch_first=True), the last
step's hidden state into nn.Linear(128, 10), softmax cross-entropy (nn.CrossEntropyLoss on the logits, which is what
Compiled.Nets' Dense(10, Softmax) with SoftmaxCrossEntropy computes). The LSTM keeps PyTorch's initialisation,
U(-1/sqrt(128), 1/sqrt(128)), which is also Compiled.Nets'; the Linear layer is initialised as Compiled.Nets initialises a
Dense layer by default (Glorot uniform weights, zero bias) instead of PyTorch's Kaiming-uniform default. Adam, a cosine
schedule per epoch down to eta_min, mini-batches shuffled every epoch; the same IDX files, pixels / 255.

With --init and --order (one file of each per seed, as the sample writes them) a run starts from Compiled.Nets' initial
weights (a safetensors file with the same tensor names, State.weight_ih_l0, ..., Digit.bias) and takes its batches in
Compiled.Nets' order (int32 sample indices, one permutation per epoch): the two runs then differ only by rounding.

Prints one line per epoch and, last, a line the sample parses:
    RESULT accuracy=<mean test accuracy> seconds=<mean training seconds per run> accuracies=<one per seed>

Usage: pytorch_sequential_mnist.py --data DIR [--epochs 20] [--batch 64] [--lr 2e-3] [--min-lr 1e-5] [--seeds 1,2,3]
                                   [--threads 1] [--init W1,W2,... --order O1,O2,...]
"""
import os

# Threads: on the 2-core machine this was measured on (shared, busy), one batch-64 training step took 2.2 s with torch's
# 2 OpenMP threads over OpenBLAS's own (the defaults), 824 ms with 2 OpenMP threads over single-threaded OpenBLAS, and
# 30 ms with one thread of each. So one of each by default (--threads); OpenBLAS reads its setting when it loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import gzip
import json
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn


def read_idx(path):
    """An IDX file (plain or gzipped) as a numpy array of its shape; the magic number gives the type and rank."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, rank = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


def find(directory, *names):
    for name in names:
        for candidate in (name, name + ".gz"):
            path = os.path.join(directory, candidate)
            if os.path.exists(path):
                return path
    raise FileNotFoundError(f"{directory} has none of {names}")


def load(directory):
    def images(name):
        return torch.from_numpy(read_idx(name).astype(np.float32) / np.float32(255.0))

    def labels(name):
        return torch.from_numpy(read_idx(name).astype(np.int64))

    train = (images(find(directory, "train-images-idx3-ubyte")), labels(find(directory, "train-labels-idx1-ubyte")))
    test = (images(find(directory, "t10k-images-idx3-ubyte", "test-images-idx3-ubyte")),
            labels(find(directory, "t10k-labels-idx1-ubyte", "test-labels-idx1-ubyte")))
    return train, test


def read_safetensors(path):
    """A safetensors file's float32 tensors by name: an 8-byte header length, a JSON header, then the raw data."""
    with open(path, "rb") as f:
        data = f.read()
    (header_length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_length])
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {entry['dtype']}, not F32")
        begin, end = entry["data_offsets"]
        values = np.frombuffer(data, dtype="<f4", count=(end - begin) // 4, offset=8 + header_length + begin)
        tensors[name] = torch.from_numpy(values.reshape(entry["shape"]).copy())
    return tensors


class RowLstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 128, batch_first=True)
        self.digit = nn.Linear(128, 10)
        nn.init.xavier_uniform_(self.digit.weight)
        nn.init.zeros_(self.digit.bias)

    def load_compiled_nets(self, path):
        """Compiled.Nets' tensors (its layer names, PyTorch's parameter names and layouts) into this module."""
        tensors = read_safetensors(path)
        targets = {"State." + name: p for name, p in self.lstm.named_parameters()}
        targets.update({"Digit." + name: p for name, p in self.digit.named_parameters()})
        if set(tensors) != set(targets):
            raise ValueError(f"{path} holds {sorted(tensors)}, expected {sorted(targets)}")
        with torch.no_grad():
            for name, parameter in targets.items():
                parameter.copy_(tensors[name])

    def forward(self, rows):  # rows: [batch, 28 steps, 28 pixels]
        states, _ = self.lstm(rows)
        return self.digit(states[:, -1])


def accuracy(model, images, labels):
    model.eval()
    with torch.no_grad():
        correct = sum((model(images[i:i + 500]).argmax(1) == labels[i:i + 500]).sum().item() for i in range(0, len(labels), 500))
    model.train()
    return correct / len(labels)


def run(seed, train, test, args, init=None, order_file=None):
    torch.manual_seed(seed)
    model = RowLstm()
    if init is not None:
        model.load_compiled_nets(init)
    images, labels = train
    orders = None
    if order_file is not None:
        orders = torch.from_numpy(np.fromfile(order_file, dtype="<i4").astype(np.int64))
        if len(orders) != args.epochs * len(labels):
            raise ValueError(f"{order_file} holds {len(orders)} indices, expected {args.epochs} epochs of {len(labels)}")
        orders = orders.reshape(args.epochs, len(labels))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs, eta_min=args.min_lr)
    loss_function = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(seed)
    clock = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        started = time.perf_counter()
        order = orders[epoch - 1] if orders is not None else torch.randperm(len(labels), generator=shuffle)
        total, seen = 0.0, 0
        for start in range(0, len(labels), args.batch):
            batch = order[start:start + args.batch]
            if len(batch) == 1 and seen > 0:
                continue  # as Compiled.Nets' Fit: a last batch of one sample is skipped
            loss = loss_function(model(images[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
            seen += len(batch)
        schedule.step()
        print(f"  seed {seed} epoch {epoch:2}: train loss {total / seen:.4f} | test accuracy {accuracy(model, *test):.2%} | "
              f"{time.perf_counter() - started:.1f} s", flush=True)
    return accuracy(model, *test), time.perf_counter() - clock


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="directory of the MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--min-lr", type=float, default=1e-5)
    parser.add_argument("--seeds", default="1", help="comma-separated; the accuracy reported is their mean")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--init", help="comma-separated, one per seed: Compiled.Nets' initial weights (safetensors)")
    parser.add_argument("--order", help="comma-separated, one per seed: Compiled.Nets' batch order (int32 indices per epoch)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train, test = load(args.data)
    train = (train[0].reshape(-1, 28, 28), train[1])
    test = (test[0].reshape(-1, 28, 28), test[1])
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s): {len(train[1])} training and {len(test[1])} test images", flush=True)
    seeds = [int(seed) for seed in args.seeds.split(",")]
    inits = args.init.split(",") if args.init else [None] * len(seeds)
    order_files = args.order.split(",") if args.order else [None] * len(seeds)
    if len(inits) != len(seeds) or len(order_files) != len(seeds):
        parser.error("--init and --order need one file per seed")
    results = [run(seed, train, test, args, init, order) for seed, init, order in zip(seeds, inits, order_files)]
    accuracies = [a for a, _ in results]
    print(f"RESULT accuracy={np.mean(accuracies):.6f} seconds={np.mean([s for _, s in results]):.2f} "
          f"accuracies={','.join(f'{a:.6f}' for a in accuracies)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
