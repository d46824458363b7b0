#!/usr/bin/python3
"""PyTorch's own VAE example (examples/vae/main.py) on the bundled MNIST subset, from Compiled.Nets' initial weights.

784 -> 400 ReLU -> (mu 20, logvar 20) -> z = mu + exp(logvar / 2) * eps -> 400 ReLU -> 784 sigmoid; the loss per batch is the
summed binary cross-entropy plus KL = -0.5 * sum(1 + logvar - mu^2 - exp(logvar)); Adam 1e-3; batch 128. The initial
weights come from a safetensors file Compiled.Nets wrote (its layer names: Hidden, Mu, LogVar, Up, Reconstruction), and the
batches follow its order (int32 sample indices, one permutation per epoch), so the two runs differ only in eps and in
floating-point order. As the example's test(), the test loss samples z and is reported per sample.

Prints one line per epoch and last: RESULT test_loss=<per sample> seconds=<training>
Usage: pytorch_vae.py --data DIR --init FILE --order FILE [--epochs 10] [--batch 128] [--threads 1]
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
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


def images(path):
    return torch.from_numpy(read_idx(path).astype(np.float32).reshape(-1, 784) / np.float32(255.0))


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (header_length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_length])
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        values = np.frombuffer(data, dtype="<f4", count=(end - begin) // 4, offset=8 + header_length + begin)
        tensors[name] = torch.from_numpy(values.reshape(entry["shape"]).copy())
    return tensors


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def load_compiled_nets(self, path):
        tensors = read_safetensors(path)
        names = {"Hidden": self.fc1, "Mu": self.fc21, "LogVar": self.fc22, "Up": self.fc3, "Reconstruction": self.fc4}
        with torch.no_grad():
            for prefix, layer in names.items():
                layer.weight.copy_(tensors[prefix + ".weight"])
                layer.bias.copy_(tensors[prefix + ".bias"])

    def forward(self, x):
        h1 = F.relu(self.fc1(x))
        mu, logvar = self.fc21(h1), self.fc22(h1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--init", required=True)
    parser.add_argument("--order", required=True)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    train = images(find(args.data, "train-images-idx3-ubyte"))
    test = images(find(args.data, "t10k-images-idx3-ubyte", "test-images-idx3-ubyte"))
    order = np.fromfile(args.order, dtype="<i4").reshape(args.epochs, len(train))
    model = VAE()
    model.load_compiled_nets(args.init)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for b in range(0, len(train), args.batch):
            x = train[torch.from_numpy(order[epoch, b:b + args.batch].astype(np.int64))]
            optimizer.zero_grad()
            recon, mu, logvar = model(x)
            loss = loss_function(recon, x, mu, logvar)
            loss.backward()
            total += loss.item()
            optimizer.step()
        print(f"epoch {epoch + 1}: train loss {total / len(train):.4f} per sample", flush=True)
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        recon, mu, logvar = model(test)
        test_loss = loss_function(recon, test, mu, logvar).item() / len(test)
    print(f"RESULT test_loss={test_loss:.6f} seconds={seconds:.2f}")


if __name__ == "__main__":
    main()
