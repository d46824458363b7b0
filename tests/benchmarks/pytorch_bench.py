#!/usr/bin/python3
"""PyTorch (float32, eager, CPU) reference benchmarks for Compiled.Nets, plus the machine's SGEMM rate.

Usage (from the repository root):

    OPENBLAS_NUM_THREADS=N OMP_NUM_THREADS=N /usr/bin/python3 tests/benchmarks/pytorch_bench.py --threads N [--quick] [--recurrent-only]
    /usr/bin/python3 tests/benchmarks/pytorch_bench.py --check-blas

The caller is expected to set OPENBLAS_NUM_THREADS=N and OMP_NUM_THREADS=N in the
environment (before torch/numpy are imported): OPENBLAS_NUM_THREADS sizes OpenBLAS's thread
pool, which numpy's SGEMM (sgemm_gflops) and PyTorch's BLAS calls use; --threads N additionally
calls torch.set_num_threads(N). --quick cuts iteration counts for a smoke test; --recurrent-only runs only the
recurrent benchmarks (run-all.sh --recurrent).
--check-blas only reports which BLAS numpy uses and exits 0 for OpenBLAS, 2 otherwise.

Prints one JSON object per line:
    {"suite": "pytorch", "threads": N, "name": ..., "unit": ..., "value": ...}
Metrics: forward_xor_b1 (ns/call), forward_mlp_b1 (ns/call),
         train_xor_b4 (steps/s), train_mlp_b64 (samples/s), train_mlp_b64_adam (samples/s),
         train_lenet5_b64 (samples/s; one SGD step of LeNet-5 at batch 64),
         train_lstm_b64 (samples/s; one SGD step of the sequential-MNIST LSTM: nn.LSTM(28, 128, batch_first=True),
                         the last step into nn.Linear(128, 10), cross-entropy on the logits, 28 steps, batch 64),
         forward_lstm_b1 (ns/call; the same network on one sample under no_grad, softmax included),
         train_char_lstm_b16 (samples/s; samples/CharModel's model: nn.Embedding(96, 32), nn.LSTM(32, 128,
                         batch_first=True) carrying (h, c) detached between steps, nn.Linear(128, 96) on every step,
                         cross-entropy averaged over batch x steps, Adam 3e-3, 16 streams of 64 token ids),
         sgemm_gflops (GFLOP/s; numpy float32 1024x1024 @ 1024x1024, best of several repeats,
                       with an extra "blas" field naming the BLAS numpy uses - only meaningful
                       for "openblas"; anything else draws a warning on stderr).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
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


def emit(threads, name, unit, value, **extra):
    rec = {"suite": "pytorch", "threads": threads, "name": name, "unit": unit, "value": value}
    rec.update(extra)
    print(json.dumps(rec), flush=True)


def _classify_blas(path):
    p = path.lower()
    for key, name in (("openblas", "openblas"), ("mkl", "mkl"), ("blis", "blis"), ("atlas", "atlas")):
        if key in p:
            return name
    if "/blas/" in p:  # Debian/Ubuntu reference BLAS: /usr/lib/<triplet>/blas/libblas.so.3
        return "netlib"
    return None


def numpy_blas():
    """Name of the BLAS numpy's matmul really uses: "openblas", "netlib", "mkl", "blis", "atlas" or "unknown".

    numpy.show_config() is not enough on Debian/Ubuntu: numpy links the generic libblas.so.3, which the
    libblas.so.3 alternative points at the reference BLAS or at OpenBLAS. So after a matmul (BLAS loaded)
    the shared objects mapped into this process are inspected: libblas.so*/libcblas.so* (what Debian's
    numpy links; torch links libopenblas.so.0 directly, so it does not count) and any BLAS inside
    numpy's own directories (pip wheels bundle numpy.libs/libopenblas*.so / libscipy_openblas*.so).
    Where /proc is missing, numpy's build configuration (numpy.__config__) decides.
    """
    a = np.ones((64, 64), dtype=np.float32)
    a @ a
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            paths = {line.split(None, 5)[5].strip() for line in f if len(line.split(None, 5)) == 6}
    except OSError:
        paths = set()
    found = []
    for path in sorted(paths):
        if not path.startswith("/"):
            continue
        base = os.path.basename(path)
        if base.startswith(("libblas.so", "libcblas.so")) or ("numpy" in path.lower() and "blas" in base.lower()):
            real = os.path.realpath(path)
            found.append(_classify_blas(real) or _classify_blas(path) or "unknown")
    for name in ("openblas", "mkl", "blis", "atlas", "netlib", "unknown"):
        if name in found:
            return name
    # No /proc (or nothing recognisable mapped): fall back on numpy's build configuration.
    cfg = getattr(np, "__config__", None)
    conf = getattr(cfg, "CONFIG", None)  # numpy >= 1.26 (meson builds)
    if isinstance(conf, dict):
        name = str(conf.get("Build Dependencies", {}).get("blas", {}).get("name", ""))
        return _classify_blas(name) or "unknown"
    for attr in ("blas_opt_info", "blas_ilp64_opt_info"):  # older numpy (distutils builds)
        info = getattr(cfg, attr, None)
        if isinstance(info, dict) and info.get("libraries"):
            return _classify_blas(" ".join(info["libraries"])) or "unknown"
    return "unknown"


def check_blas():
    """--check-blas: 0 if numpy uses OpenBLAS, 2 (with a hint on stderr) otherwise."""
    name = numpy_blas()
    print(f"numpy BLAS: {name}")
    if name == "openblas":
        return 0
    print("numpy is not using OpenBLAS, so sgemm_gflops would be meaningless. On Debian/Ubuntu:\n"
          "    sudo apt-get install libopenblas0-pthread\n"
          "(it switches the libblas.so.3 alternative to OpenBLAS; check with\n"
          "    update-alternatives --display libblas.so.3-$(gcc -dumpmachine))", file=sys.stderr)
    return 2


class SeqLstm(nn.Module):
    """nn.LSTM(batch_first=True) and a linear head on the last step (last_only) or on every step."""

    def __init__(self, features, hidden, classes, last_only):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)
        self.last_only = last_only

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1] if self.last_only else out)


class CharLstm(nn.Module):
    """samples/CharModel's model: nn.Embedding(96, 32), nn.LSTM(32, 128) whose (h, c) carries, detached, from one step to the
    next (truncated backpropagation through time, as the Stateful layer), nn.Linear(128, 96) on every step."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(96, 32)
        self.lstm = nn.LSTM(32, 128, batch_first=True)
        self.head = nn.Linear(128, 96)
        self.state = None

    def forward(self, ids):
        out, (h, c) = self.lstm(self.embed(ids), self.state)
        self.state = (h.detach(), c.detach())
        return self.head(out)


def recurrent(n, q):
    """Issue 13's recurrent benchmarks: the sequential-MNIST LSTM and the character model."""
    ce = nn.CrossEntropyLoss()

    seq = SeqLstm(28, 128, 10, last_only=True).float()
    xs28 = torch.rand(64, 28, 28)
    ys28 = torch.randint(0, 10, (64,))
    opt5 = torch.optim.SGD(seq.parameters(), lr=0.01)

    def step_lstm():
        opt5.zero_grad()
        loss = ce(seq(xs28), ys28)
        loss.backward()
        opt5.step()

    ns = best_mean_ns(step_lstm, 5 if q else 100, 2 if q else 10)
    emit(n, "train_lstm_b64", "samples/s", 64e9 / ns)

    seq_inf = SeqLstm(28, 128, 10, last_only=True).float().eval()
    x1_28 = torch.rand(1, 28, 28)

    def fwd_lstm():
        with torch.no_grad():
            return torch.softmax(seq_inf(x1_28), dim=1)

    emit(n, "forward_lstm_b1", "ns", best_mean_ns(fwd_lstm, 50 if q else 2000, 10 if q else 200))

    chars = CharLstm().float()
    ids = torch.randint(0, 96, (16, 64))
    next_ids = torch.randint(0, 96, (16 * 64,))
    opt6 = torch.optim.Adam(chars.parameters(), lr=0.003)

    def step_chars():
        opt6.zero_grad()
        loss = ce(chars(ids).reshape(-1, 96), next_ids)
        loss.backward()
        opt6.step()

    ns = best_mean_ns(step_chars, 5 if q else 60, 2 if q else 6)
    emit(n, "train_char_lstm_b16", "samples/s", 16e9 / ns)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="few iterations (smoke test)")
    ap.add_argument("--recurrent-only", action="store_true",
                    help="only the recurrent benchmarks (train_lstm_b64, forward_lstm_b1, train_char_lstm_b16)")
    ap.add_argument("--check-blas", action="store_true",
                    help="only check that numpy uses OpenBLAS (exit 0) or not (exit 2)")
    args = ap.parse_args()
    if args.check_blas:
        return check_blas()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    q = args.quick
    n = args.threads
    if args.recurrent_only:
        recurrent(n, q)
        return 0

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

    # --- train_lenet5_b64: one SGD step of LeNet-5 (28x28 inputs, padded C1) ----------
    lenet = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                          nn.Linear(84, 10)).float()
    xl = torch.randn(64, 1, 28, 28)
    yl = torch.randint(0, 10, (64,))
    opt4 = torch.optim.SGD(lenet.parameters(), lr=0.01)

    def step_lenet():
        opt4.zero_grad()
        loss = ce(lenet(xl), yl)
        loss.backward()
        opt4.step()

    ns = best_mean_ns(step_lenet, 5 if q else 200, 2 if q else 20)
    emit(n, "train_lenet5_b64", "samples/s", 64e9 / ns)

    recurrent(n, q)

    # --- sgemm_gflops: numpy float32 SGEMM, n = 1024 (threads: OPENBLAS_NUM_THREADS) -------
    blas = numpy_blas()
    if blas != "openblas":
        print(f"warning: numpy uses {blas} BLAS, not OpenBLAS: sgemm_gflops is meaningless "
              "(fix: apt-get install libopenblas0-pthread)", file=sys.stderr)
    size = 1024
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    c = np.empty((size, size), dtype=np.float32)

    def sgemm():
        np.matmul(a, b, out=c)

    ns = best_mean_ns(sgemm, 2 if q else 10, 1 if q else 3)
    emit(n, "sgemm_gflops", "GFLOP/s", 2.0 * size ** 3 / ns, blas=blas)
    return 0


if __name__ == "__main__":
    sys.exit(main())
