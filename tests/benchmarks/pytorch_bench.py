#!/usr/bin/python3
"""PyTorch (float32, eager, CPU) reference benchmarks for Compiled.Nets.

Usage (from the repository root):

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=N /usr/bin/python3 tests/benchmarks/pytorch_bench.py --threads N [--quick]

The caller is expected to set OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=N in the
environment (before torch is imported); --threads N additionally calls
torch.set_num_threads(N). --quick cuts iteration counts for a smoke test.

Prints one JSON object per line:
    {"suite": "pytorch", "threads": N, "name": ..., "unit": ..., "value": ...}
Metrics: forward_xor_b1 (ns/call), forward_mlp_b1 (ns/call),
         train_xor_b4 (steps/s), train_mlp_b64 (samples/s), train_mlp_b64_adam (samples/s).
"""
import argparse
import json
import time

import torch
import torch.nn as nn

REPEATS = 5


def best_mean_ns(fn, iters, warmup):
    """Best (lowest) over REPEATS of the mean ns per call of fn()."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(REPEATS):
        t0 = time.perf_counter_ns()
        for _ in range(iters):
            fn()
        t1 = time.perf_counter_ns()
        best = min(best, (t1 - t0) / iters)
    return best


def emit(threads, name, unit, value):
    print(json.dumps({"suite": "pytorch", "threads": threads, "name": name,
                      "unit": unit, "value": value}), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="few iterations (smoke test)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    q = args.quick
    n = args.threads

    # --- forward_xor_b1 -------------------------------------------------
    xor_net = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid()).float()
    x1 = torch.randn(1, 2)

    def fwd_xor():
        with torch.no_grad():
            return xor_net(x1)

    emit(n, "forward_xor_b1", "ns", best_mean_ns(fwd_xor, 200 if q else 20000, 50 if q else 2000))

    # --- forward_mlp_b1 -------------------------------------------------
    mlp = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                        nn.Linear(64, 10), nn.Softmax(dim=1)).float()
    xm = torch.randn(1, 784)

    def fwd_mlp():
        with torch.no_grad():
            return mlp(xm)

    emit(n, "forward_mlp_b1", "ns", best_mean_ns(fwd_mlp, 100 if q else 10000, 20 if q else 1000))

    # --- train_xor_b4 ---------------------------------------------------
    net = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid()).float()
    xs = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    ys = torch.tensor([[0.], [1.], [1.], [0.]])
    bce = nn.BCELoss()
    opt = torch.optim.SGD(net.parameters(), lr=0.5)

    def step_xor():
        opt.zero_grad()
        loss = bce(net(xs), ys)
        loss.backward()
        opt.step()

    ns = best_mean_ns(step_xor, 100 if q else 5000, 20 if q else 500)
    emit(n, "train_xor_b4", "steps/s", 1e9 / ns)

    # --- train_mlp_b64 --------------------------------------------------
    mlp_t = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                          nn.Linear(64, 10)).float()
    xb = torch.randn(64, 784)
    yb = torch.randint(0, 10, (64,))
    ce = nn.CrossEntropyLoss()
    opt2 = torch.optim.SGD(mlp_t.parameters(), lr=0.01)

    def step_mlp():
        opt2.zero_grad()
        loss = ce(mlp_t(xb), yb)
        loss.backward()
        opt2.step()

    ns = best_mean_ns(step_mlp, 20 if q else 1000, 5 if q else 100)
    emit(n, "train_mlp_b64", "samples/s", 64e9 / ns)

    # --- train_mlp_b64_adam: the same step with torch.optim.Adam (lr 1e-3) --------
    opt3 = torch.optim.Adam(mlp_t.parameters(), lr=1e-3)

    def step_mlp_adam():
        opt3.zero_grad()
        loss = ce(mlp_t(xb), yb)
        loss.backward()
        opt3.step()

    ns = best_mean_ns(step_mlp_adam, 20 if q else 1000, 5 if q else 100)
    emit(n, "train_mlp_b64_adam", "samples/s", 64e9 / ns)


if __name__ == "__main__":
    main()
