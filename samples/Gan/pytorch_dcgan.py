#!/usr/bin/env python3
"""The sample's DCGAN in PyTorch, on the same bundled MNIST images, for comparison.

Same generator and discriminator (convolutions with biases, as ours), N(0, 0.02) weights, Adam 2e-4 with beta1 0.5,
batch 64, the non-saturating loss, real and fake batches run separately through the discriminator (PyTorch's DCGAN
example). After the chosen epochs it writes 1,000 generated digits, scaled to [0, 1], as raw little-endian float32
(1000 x 784) twice: generated in eval mode (BatchNorm's running statistics) and in train mode (batches of 100).
The C# sample judges them with its LeNet-5: dotnet run -c Release --project samples/Gan -- --judge-images FILE ...

usage: python3 samples/Gan/pytorch_dcgan.py [--epochs N] [--out DIR] [--threads N] [--seed N]
"""
import argparse
import gzip
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn

LATENT = 64
BATCH = 64
JUDGED = 1000


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise ValueError(f"{path}: not an IDX image file (magic {magic})")
        data = np.frombuffer(f.read(count * rows * cols), dtype=np.uint8)
    return data.reshape(count, 1, rows, cols).astype(np.float32) / 255.0


def generator():
    return nn.Sequential(
        nn.ConvTranspose2d(LATENT, 128, 7), nn.BatchNorm2d(128), nn.ReLU(),
        nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())


def discriminator():
    return nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(128 * 7 * 7, 1), nn.Sigmoid())


def init_weights(module):
    # DCGAN: every convolution and linear weight from N(0, 0.02), biases zero; BatchNorm's scale 1, shift 0 (as ours).
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        nn.init.zeros_(module.bias)


def write_digits(path, images):
    np.ascontiguousarray(((images + 1.0) / 2.0).reshape(-1, 784), dtype="<f4").tofile(path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--out", default="gan-output-pytorch")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "mnist"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)

    images = torch.from_numpy(read_idx_images(os.path.join(args.data, "train-images-idx3-ubyte.gz"))) * 2.0 - 1.0
    g, d = generator(), discriminator()
    g.apply(init_weights)
    d.apply(init_weights)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCELoss()
    ones, zeros = torch.ones(BATCH, 1), torch.zeros(BATCH, 1)
    batches = images.shape[0] // BATCH
    print(f"PyTorch {torch.__version__} DCGAN, {images.shape[0]} images, {args.epochs} epochs, {args.threads} thread(s)", flush=True)
    judge_noise = torch.randn(JUDGED, LATENT, 1, 1, generator=torch.Generator().manual_seed(args.seed + 1000))
    for epoch in range(1, args.epochs + 1):
        start = time.time()
        order = torch.randperm(images.shape[0])
        d_sum = g_sum = 0.0
        for b in range(batches):
            real = images[order[b * BATCH:(b + 1) * BATCH]]
            noise = torch.randn(BATCH, LATENT, 1, 1)
            fake = g(noise)
            opt_d.zero_grad()
            err_real = bce(d(real), ones)
            err_real.backward()
            err_fake = bce(d(fake.detach()), zeros)
            err_fake.backward()
            opt_d.step()
            opt_g.zero_grad()
            err_g = bce(d(fake), ones)
            err_g.backward()
            opt_g.step()
            d_sum += (err_real + err_fake).item()
            g_sum += err_g.item()
        print(f"epoch {epoch:2}/{args.epochs}: discriminator loss {d_sum / batches:.4f}, generator loss {g_sum / batches:.4f}, "
              f"{time.time() - start:.1f} s", flush=True)
        with torch.no_grad():
            g.eval()
            write_digits(os.path.join(args.out, f"pytorch-digits-eval-epoch-{epoch:02}.f32"), g(judge_noise).numpy())
            g.train()
    with torch.no_grad():
        train_mode = torch.cat([g(judge_noise[i:i + 100]) for i in range(0, JUDGED, 100)])
        write_digits(os.path.join(args.out, "pytorch-digits-train-mode.f32"), train_mode.numpy())
    print(f"digits written to {os.path.abspath(args.out)}", flush=True)


if __name__ == "__main__":
    main()
