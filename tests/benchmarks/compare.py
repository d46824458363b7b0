#!/usr/bin/python3
"""Compare Compiled.Nets BenchmarkDotNet results with LibTorch, ONNX Runtime, PyTorch, FANN and the FMA peak.

Usage (from the repository root; run-all.sh calls it last):

    /usr/bin/python3 tests/benchmarks/compare.py [--results PATH] [--bdn-dir DIR] [--summary PATH] [--strict]

Inputs:
  * tests/benchmarks/out/results.jsonl - JSON lines from fann_bench, pytorch_bench.py and fma_peak
    ({"suite": "fann"|"pytorch"|"fma", "threads": N (pytorch, fma), "name", "unit", "value"};
    sgemm_gflops lines also carry "blas", the BLAS numpy used; fma_peak_gflops lines "isa").
  * BenchmarkDotNet JSON reports (*.json) under DIR and its subfolders (tests/benchmarks/out/bdn/results/);
    each entry of "Benchmarks" has "Type", "Method", "Parameters" ("Threads=1"), "Statistics": {"Mean": ns per op}
    and "Memory": {"BytesAllocatedPerOperation"}. The type says whose it is: ReferenceComparison and
    CnnComparison are Compiled.Nets, LibTorchAnchors is LibTorch 2.10 (TorchSharp), OnnxRuntimeAnchors is
    ONNX Runtime (a method ending in "ViaRun" is the same metric through InferenceSession.Run instead of an
    IOBinding). Methods: ForwardXor, ForwardMlp (ns per single-sample forward), TrainXor (ns per batch-4 step),
    TrainMlpBatch64, TrainMlpBatch64Adam, TrainLeNet5Batch64 (ns per batch-64 step), PredictMlpBatch64,
    PredictLeNet5Batch64 (ns per batch-64 inference), and ConvLeNetC1, ConvLeNetC3, Conv3x3Wide (CnnComparison:
    ns per forward + weight gradient + input gradient of one convolution layer at batch 64), and QuantizedInference's
    ForwardMlpFloat, ForwardMlpInt8, ForwardLeNet5Float, ForwardLeNet5Int8 (batch-1 forward; the Int8 methods also in
    OnnxRuntimeAnchors, on the same quantised models). Where a method
    appears more than once (thread settings, APIs, reports) the lowest mean is used and its setting shown.

Output: three tables on stdout and the same tables as markdown in tests/benchmarks/out/summary.md.
  1. Ratios: how many times faster Compiled.Nets is (>1 means ours wins) than LibTorch 2.10, ONNX Runtime 1.31,
     PyTorch 1.13 and FANN 2.2, each at its best setting, with the targets next to them (issue 12's against
     LibTorch and ONNX Runtime; the earlier ones against PyTorch and FANN) and the bytes ours allocates per
     call (target 0).
  2. Training steps as a fraction of the machine's float32 FMA peak on 2 threads (fma_peak.c): flops per step
     = 3 x forward flops (the backward pass is about twice the forward), where the MLP's forward is
     2 * (784*128 + 128*64 + 64*10) * 64 and LeNet-5's 2 * (6*28*28*25 + 16*10*10*150 + 400*120 + 120*84 + 84*10)
     * 64 multiply-add flops. Target: the MLP (SGD) step >= 0.40 of the 2-thread peak.
  3. Convolution GFLOP/s vs SGEMM: each convolution's rate, 3 * 2 * OutputSize * PatchLength * 64 flops / mean
     ns, as a fraction of numpy/OpenBLAS SGEMM (pytorch_bench.py's sgemm_gflops) measured with threads =
     os.cpu_count() (the .NET kernels split a batch across all cores); the 1-thread SGEMM is shown for
     reference. Target: fraction >= 0.40. The LeNet-layer average (mean of the C1 and C3 rates) is information.
  4. Int8 inference: each int8 model's batch-1 latency against our float32 network (target >= 2x) and against ONNX
     Runtime on the same quantised model (information).
  5. Recurrent layers (issue 13; RecurrentComparison against the same methods of LibTorchAnchors and pytorch_bench.py's
     train_lstm_b64, forward_lstm_b1, train_char_lstm_b16): the sequential-MNIST LSTM's training step at batch 64
     (target: ours >= 1.5x the faster of PyTorch and LibTorch, each at its best thread setting) and its batch-1 forward
     (target >= 10x), and samples/CharModel's character model (information), then every ratio: ours at each of its thread
     settings against each anchor at each of its. This table takes the best of N, as issue 13 asks on a shared machine:
     BenchmarkDotNet's fastest iteration ("Min") for ours and LibTorch, pytorch_bench.py's fastest repeat for PyTorch;
     the every-ratio table adds the ratio of BenchmarkDotNet's means. run-all.sh runs RecurrentComparison with COMPILED_NETS_THREADS=1 and
     2, its reports under DIR/ours-threads-N/ (the setting is read from that folder's name).
--strict exits 1 if any target (in any table) FAILs or is missing. --recurrent-only prints (and judges) only table 5
(run-all.sh --recurrent).
"""
import argparse
import glob
import json
import os
import sys

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(REPO_ROOT, "tests", "benchmarks", "out")

# The suites, in table order: key, column label, short name, the BenchmarkDotNet type that holds it (None: results.jsonl).
ANCHORS = [
    ("libtorch", "LibTorch 2.10", "LibTorch", "LibTorchAnchors"),
    ("ort", "ONNX Runtime 1.31", "ORT", "OnnxRuntimeAnchors"),
    ("pytorch", "PyTorch 1.13", "PyTorch", None),
    ("fann", "FANN 2.2", "FANN", None),
]
OURS_TYPES = ("ReferenceComparison", "CnnComparison", "QuantizedInference", "RecurrentComparison")


class Metric:
    """One row: name, label, unit, BDN method, ns -> unit, higher is better, {anchor: target multiple}."""

    def __init__(self, name, label, unit, method, per_op, targets):
        self.name, self.label, self.unit, self.method, self.targets = name, label, unit, method, targets
        self.higher_is_better = unit != "ns"
        self.convert = (lambda ns: ns) if unit == "ns" else (lambda ns: per_op * 1e9 / ns)


# Targets: issue 12's against LibTorch and ONNX Runtime, the earlier ones against PyTorch 1.13 and FANN.
METRICS = [
    Metric("forward_xor_b1", "forward b1, XOR 2-4-1", "ns", "ForwardXor", 1, {"ort": 50.0, "pytorch": 100.0, "fann": 1.0}),
    Metric("forward_mlp_b1", "forward b1, MLP 784-128-64-10", "ns", "ForwardMlp", 1, {"ort": 3.0, "pytorch": 5.0, "fann": 5.0}),
    Metric("train_xor_b4", "train XOR, batch 4, SGD", "steps/s", "TrainXor", 1, {"fann": 1.0}),
    Metric("train_mlp_b64", "train MLP, batch 64, SGD", "samples/s", "TrainMlpBatch64", 64, {"libtorch": 2.0, "pytorch": 1.0}),
    Metric("train_mlp_b64_adam", "train MLP, batch 64, Adam", "samples/s", "TrainMlpBatch64Adam", 64, {"libtorch": 2.0, "pytorch": 1.0}),
    Metric("train_lenet5_b64", "train LeNet-5, batch 64, SGD", "samples/s", "TrainLeNet5Batch64", 64, {"libtorch": 2.0, "pytorch": 1.0}),
    Metric("predict_mlp_b64", "inference b64, MLP", "samples/s", "PredictMlpBatch64", 64, {"ort": 1.5}),
    Metric("predict_lenet5_b64", "inference b64, LeNet-5", "samples/s", "PredictLeNet5Batch64", 64, {"ort": 1.5}),
]
ALLOCATION_TARGET = 0  # bytes ours allocates per call

# Issue 13's recurrent benchmarks: target multiples of ours over the FASTER of PyTorch 1.13 and LibTorch 2.10 (each at its
# best thread setting, same run); None = information. The character model is samples/CharModel's: Embedding(96, 32),
# a stateful LSTM 128, a per-step softmax over 96, cross-entropy averaged over batch x steps, Adam 3e-3, 16 streams x 64 ids.
RECURRENT_METRICS = [
    (Metric("train_lstm_b64", "train SeqMNIST LSTM 128, batch 64, SGD", "samples/s", "TrainLstmBatch64", 64, {}), 1.5),
    (Metric("forward_lstm_b1", "forward b1, SeqMNIST LSTM 128", "ns", "ForwardLstm", 1, {}), 10.0),
    (Metric("train_char_lstm_b16", "train character model, batch 16 x 64, Adam", "samples/s", "TrainCharLstmBatch16", 16, {}),
     None),
]
RECURRENT_ANCHORS = [("libtorch", "LibTorch 2.10", "LibTorch"), ("pytorch", "PyTorch 1.13", "PyTorch")]

# Flops of one training step (forward + backward ~ 3 x forward; a multiply-add counts 2) and the FMA-peak target.
MLP_FORWARD_FLOPS = 2.0 * (784 * 128 + 128 * 64 + 64 * 10) * 64
LENET_FORWARD_FLOPS = 2.0 * (6 * 28 * 28 * 25 + 16 * 10 * 10 * 150 + 400 * 120 + 120 * 84 + 84 * 10) * 64
PEAK_THREADS = 2
PEAK_ROWS = [  # label, BDN method, flops per step, target fraction of the PEAK_THREADS peak (None = information)
    ("train MLP, batch 64, SGD", "TrainMlpBatch64", 3 * MLP_FORWARD_FLOPS, 0.40),
    ("train MLP, batch 64, Adam", "TrainMlpBatch64Adam", 3 * MLP_FORWARD_FLOPS, None),
    ("train LeNet-5, batch 64, SGD", "TrainLeNet5Batch64", 3 * LENET_FORWARD_FLOPS, None),
]

# Convolution layers timed by CnnComparison (forward + weight gradient + input gradient, batch 64):
# label, BDN method, OutputSize (out channels * out height * out width), PatchLength (in channels * kh * kw).
CONV_BATCH = 64
CONV_LAYERS = [
    ("LeNet C1 1->6 5x5 pad 2, 28x28", "ConvLeNetC1", 6 * 28 * 28, 1 * 5 * 5),
    ("LeNet C3 6->16 5x5, 14x14", "ConvLeNetC3", 16 * 10 * 10, 6 * 5 * 5),
    ("3x3 32->64 pad 1, 16x16", "Conv3x3Wide", 64 * 16 * 16, 32 * 3 * 3),
]
LENET_LAYERS = ("ConvLeNetC1", "ConvLeNetC3")
# The same layers through the path the library does not choose for them (im2col + product instead of shifted
# rows): shown for the record, no target.
CONV_ALTERNATIVES = [
    ("LeNet C1 through im2col (alternative)", "ConvLeNetC1Im2Col", 6 * 28 * 28, 1 * 5 * 5),
    ("LeNet C3 through im2col (alternative)", "ConvLeNetC3Im2Col", 16 * 10 * 10, 6 * 5 * 5),
]
SGEMM_TARGET = 0.40  # conv GFLOP/s as a fraction of SGEMM GFLOP/s at the same thread count

# Int8 inference (QuantizedInference against OnnxRuntimeAnchors' QDQ models of the same quantised networks): label, our
# float32 method, our int8 method (also ONNX Runtime's), the target speed-up of int8 over our float32 (issue 12, item 4).
QUANTIZED_ROWS = [
    ("forward b1, MLP 784-128-64-10", "ForwardMlpFloat", "ForwardMlpInt8", 2.0),
    ("forward b1, LeNet-5", "ForwardLeNet5Float", "ForwardLeNet5Int8", 2.0),
]


def conv_flops(output_size, patch_length):
    """Flops of one forward + weight gradient + input gradient (a multiply-add counts 2)."""
    return 3.0 * 2.0 * output_size * patch_length * CONV_BATCH


def read_records(path):
    """Yield the JSON-line records (dicts with suite, name, value) of a results file."""
    if not os.path.exists(path):
        print(f"warning: {path} not found", file=sys.stderr)
        return
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                print(f"warning: {path}:{lineno}: not JSON, skipped", file=sys.stderr)
                continue
            if isinstance(rec, dict) and "suite" in rec and "name" in rec and "value" in rec:
                yield rec


def load_reference(path):
    """Return {(suite, name): (value, threads)} keeping the best value per metric."""
    higher = {m.name: m.higher_is_better for m in METRICS + [r[0] for r in RECURRENT_METRICS]}
    best = {}
    for rec in read_records(path):
        key = (rec["suite"], rec["name"])
        val = float(rec["value"])
        hib = higher.get(rec["name"], False)
        cur = best.get(key)
        if cur is None or (val > cur[0] if hib else val < cur[0]):
            best[key] = (val, rec.get("threads"))
    return best


def load_sgemm(path):
    """Return {threads: (GFLOP/s, blas)} for sgemm_gflops, the highest rate per thread count."""
    rates = {}
    for rec in read_records(path):
        if rec["name"] != "sgemm_gflops" or rec.get("threads") is None:
            continue
        threads, val = int(rec["threads"]), float(rec["value"])
        if threads not in rates or val > rates[threads][0]:
            rates[threads] = (val, rec.get("blas", "unknown"))
    return rates


class Timing:
    """The fastest entry of one method of one suite: mean ns, bytes allocated per call, the setting that won, and the
    fastest iteration's ns (BenchmarkDotNet's Min; the mean where a report has none)."""

    def __init__(self, mean, allocated, setting, best=None):
        self.mean, self.allocated, self.setting = mean, allocated, setting
        self.best = best if best is not None else mean


def bdn_entries(bdn_dir):
    """Yield (suite, method, setting, mean ns, bytes allocated) for every benchmark of the reports under bdn_dir."""
    suite_of = {t: "ours" for t in OURS_TYPES}
    suite_of.update({t: key for key, _, _, t in ANCHORS if t})
    files = sorted(glob.glob(os.path.join(bdn_dir, "**", "*.json"), recursive=True))
    if not files:
        print(f"warning: no BenchmarkDotNet JSON reports under {bdn_dir}", file=sys.stderr)
    for path in files:
        try:
            with open(path, encoding="utf-8-sig") as f:
                doc = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            print(f"warning: cannot read {path}: {e}", file=sys.stderr)
            continue
        # run-all.sh runs RecurrentComparison once per COMPILED_NETS_THREADS setting, into ours-threads-N/.
        ours_threads = next((part[len("ours-threads-"):] for part in os.path.relpath(path, bdn_dir).split(os.sep)
                             if part.startswith("ours-threads-")), None)
        for b in doc.get("Benchmarks", []) if isinstance(doc, dict) else []:
            method = b.get("Method") or (b.get("FullName") or "").rsplit(".", 1)[-1].split("(")[0]
            suite = suite_of.get(b.get("Type") or "", "ours")
            setting = []
            params = b.get("Parameters") or ""
            if params.startswith("Threads="):
                setting.append(params.split("=", 1)[1].split("&")[0] + "t")
            if suite == "ours" and ours_threads:
                setting.append(ours_threads + "t")
            if suite == "ort":
                setting.append("Run" if method.endswith("ViaRun") else "IOBinding")
                method = method[: -len("ViaRun")] if method.endswith("ViaRun") else method
            stats = b.get("Statistics") or {}
            mean = stats.get("Mean")
            if not method or mean is None:
                print(f"warning: {os.path.basename(path)}: {b.get('FullName', method)} has no statistics",
                      file=sys.stderr)
                continue
            allocated = (b.get("Memory") or {}).get("BytesAllocatedPerOperation")
            best = stats.get("Min")
            yield suite, method, ", ".join(setting), float(mean), allocated, float(best) if best is not None else None


def load_bdn(bdn_dir):
    """Return {suite: {Method: Timing}} (suite "ours" or an ANCHORS key), the lowest mean per method."""
    suites = {"ours": {}}
    for suite, method, setting, mean, allocated, _ in bdn_entries(bdn_dir):
        means = suites.setdefault(suite, {})
        if method not in means or mean < means[method].mean:
            means[method] = Timing(mean, allocated, setting)
    return suites


def load_bdn_settings(bdn_dir):
    """Return {suite: {Method: {setting: Timing}}}, the lowest mean per method and setting."""
    settings = {}
    for suite, method, setting, mean, allocated, best in bdn_entries(bdn_dir):
        per = settings.setdefault(suite, {}).setdefault(method, {})
        if setting not in per or mean < per[setting].mean:
            per[setting] = Timing(mean, allocated, setting, best)
    return settings


def load_reference_settings(path):
    """Return {(suite, name): {threads: value}} for the JSON-line records."""
    values = {}
    for rec in read_records(path):
        values.setdefault((rec["suite"], rec["name"]), {})[rec.get("threads")] = float(rec["value"])
    return values


def host_line(bdn_dir):
    """"CPU, cores, OS, .NET" from the first BenchmarkDotNet report's HostEnvironmentInfo, or None."""
    for path in sorted(glob.glob(os.path.join(bdn_dir, "**", "*.json"), recursive=True)):
        try:
            with open(path, encoding="utf-8-sig") as f:
                host = json.load(f).get("HostEnvironmentInfo") or {}
        except (OSError, json.JSONDecodeError, AttributeError):
            continue
        if host:
            return (f"{host.get('ProcessorName', '?')}, {host.get('PhysicalCoreCount', '?')} cores, "
                    f"{host.get('OsVersion', '?')}, {host.get('RuntimeVersion', '?')}")
    return None


def load_peak(path):
    """Return {threads: (GFLOP/s, isa)} for fma_peak_gflops, the highest rate per thread count."""
    rates = {}
    for rec in read_records(path):
        if rec["suite"] != "fma" or rec["name"] != "fma_peak_gflops" or rec.get("threads") is None:
            continue
        threads, val = int(rec["threads"]), float(rec["value"])
        if threads not in rates or val > rates[threads][0]:
            rates[threads] = (val, rec.get("isa", "unknown"))
    return rates


def fmt(v, unit):
    if v is None:
        return "n/a"
    if unit == "ns":
        return f"{v:,.1f} ns" if v < 1000 else f"{v:,.0f} ns"
    return f"{v:,.0f} {unit}"


def speedup(ours, other, higher_is_better):
    if ours is None or other is None or ours <= 0 or other <= 0:
        return None
    return ours / other if higher_is_better else other / ours


def verdict(ratio, target):
    if target is None:
        return None
    if ratio is None:
        return "MISSING"
    return "PASS" if ratio >= target else "FAIL"


def conv_table(ours_ns, sgemm, cores):
    """Rows of the convolution-vs-SGEMM table; returns (header, rows, all targets passed, notes)."""
    n_rate, n_blas = sgemm.get(cores, (None, None))
    one_rate, one_blas = sgemm.get(1, (None, None))
    notes = []
    if n_rate is None:
        measured = ", ".join(str(t) for t in sorted(sgemm)) or "none"
        notes.append(f"note: no sgemm_gflops measured with threads = {cores} (this machine's core count; "
                     f"measured: {measured}) - run pytorch_bench.py with --threads {cores}.")
    bad_blas = n_rate is not None and n_blas != "openblas"
    if bad_blas:
        notes.append(f"note: the {cores}-thread SGEMM was measured with {n_blas} BLAS, not OpenBLAS: "
                     "no verdict (apt-get install libopenblas0-pthread).")

    def gflops_cell(rate, blas):
        if rate is None:
            return "n/a"
        return f"{rate:,.1f}" + ("" if blas == "openblas" else f" ({blas}!)")

    header = ["layer", "ours", "GFLOP/s", f"SGEMM {cores}t GFLOP/s", "SGEMM 1t GFLOP/s",
              f"fraction of SGEMM {cores}t", "target"]
    rows = []
    ok = True
    rates = {}
    for label, method, output_size, patch_length in CONV_LAYERS:
        mean = ours_ns.get(method)
        rate = conv_flops(output_size, patch_length) / mean if mean and mean > 0 else None
        rates[method] = rate
        frac = rate / n_rate if rate is not None and n_rate else None
        if bad_blas:
            v = "INVALID (BLAS)"
        else:
            v = verdict(frac, SGEMM_TARGET)
        ok &= v == "PASS"
        rows.append([
            label,
            f"{mean / 1e6:,.3f} ms" if rate is not None else "n/a",
            f"{rate:,.1f}" if rate is not None else "n/a",
            gflops_cell(n_rate, n_blas),
            gflops_cell(one_rate, one_blas),
            f"{frac:.2f}" if frac is not None else "n/a",
            f">={SGEMM_TARGET:.2f}: {v}",
        ])
    for label, method, output_size, patch_length in CONV_ALTERNATIVES:
        mean = ours_ns.get(method)
        if not mean:
            continue
        rate = conv_flops(output_size, patch_length) / mean
        frac = rate / n_rate if n_rate else None
        rows.append([label, f"{mean / 1e6:,.3f} ms", f"{rate:,.1f}", gflops_cell(n_rate, n_blas),
                     gflops_cell(one_rate, one_blas), f"{frac:.2f}" if frac is not None else "n/a", "info"])
    lenet = [rates[m] for m in LENET_LAYERS]
    avg = sum(lenet) / len(lenet) if all(r is not None for r in lenet) else None
    frac = avg / n_rate if avg is not None and n_rate else None
    rows.append([
        "LeNet C1+C3 average",
        "-",
        f"{avg:,.1f}" if avg is not None else "n/a",
        gflops_cell(n_rate, n_blas),
        gflops_cell(one_rate, one_blas),
        f"{frac:.2f}" if frac is not None else "n/a",
        "info",
    ])
    return header, rows, ok, notes


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    print(line(header))
    print(line(["-" * w for w in widths]))
    for r in rows:
        print(line(r))


def markdown_table(header, rows):
    return (["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
            + ["| " + " | ".join(str(c) for c in r) + " |" for r in rows])


def ratio_table(suites, ref):
    """Rows of the ratio table; returns (header, rows, all targets passed)."""
    header = ["metric", "Compiled.Nets"]
    for _, label, short, _ in ANCHORS:
        header += [label, f"x {short}"]
    header += ["ours allocated", "targets"]
    ours_runs = suites.get("ours", {})
    rows, ok = [], True
    for m in METRICS:
        run = ours_runs.get(m.method)
        ours = m.convert(run.mean) if run and run.mean > 0 else None
        row, targets = [m.label, fmt(ours, m.unit)], []
        for key, _, short, bdn_type in ANCHORS:
            if bdn_type:
                other_run = suites.get(key, {}).get(m.method)
                other = m.convert(other_run.mean) if other_run and other_run.mean > 0 else None
                setting = other_run.setting if other_run else None
            else:
                other, threads = ref.get((key, m.name), (None, None))
                setting = f"{threads}t" if threads is not None else None
            ratio = speedup(ours, other, m.higher_is_better)
            row += [fmt(other, m.unit) + (f" ({setting})" if other is not None and setting else ""),
                    f"{ratio:.2f}x" if ratio is not None else "n/a"]
            target = m.targets.get(key)
            v = verdict(ratio, target)
            if v is not None:
                ok &= v == "PASS"
                targets.append(f">={target:g}x {short}: {v}")
        allocated = run.allocated if run else None
        if allocated is None:
            row.append("n/a")
            v = "MISSING"
        else:
            row.append(f"{allocated:,} B")
            v = "PASS" if allocated <= ALLOCATION_TARGET else "FAIL"
        ok &= v == "PASS"
        targets.append(f"{ALLOCATION_TARGET} B: {v}")
        rows.append(row + ["; ".join(targets)])
    return header, rows, ok


def quantized_table(suites):
    """Rows of the int8 table; returns (header, rows, all targets passed)."""
    header = ["model", "ours float32", "ours int8", "int8 x float32", "ONNX Runtime int8 QDQ", "x ORT int8",
              "ours allocated", "target"]
    ours, ort = suites.get("ours", {}), suites.get("ort", {})
    rows, ok = [], True
    for label, float_method, int8_method, target in QUANTIZED_ROWS:
        f, q, o = ours.get(float_method), ours.get(int8_method), ort.get(int8_method)
        speed = speedup(q.mean if q else None, f.mean if f else None, False)
        versus = speedup(q.mean if q else None, o.mean if o else None, False)
        v = verdict(speed, target)
        allocated = q.allocated if q else None
        a = "MISSING" if allocated is None else ("PASS" if allocated <= ALLOCATION_TARGET else "FAIL")
        ok &= v == "PASS" and a == "PASS"
        rows.append([label, fmt(f.mean if f else None, "ns"), fmt(q.mean if q else None, "ns"),
                     f"{speed:.2f}x" if speed is not None else "n/a",
                     fmt(o.mean if o else None, "ns") + (f" ({o.setting})" if o and o.setting else ""),
                     f"{versus:.2f}x" if versus is not None else "n/a",
                     f"{allocated:,} B" if allocated is not None else "n/a",
                     f">={target:g}x float32: {v}; {ALLOCATION_TARGET} B: {a}"])
    return header, rows, ok


def peak_table(suites, peak):
    """Rows of the FMA-peak table; returns (header, rows, all targets passed, notes)."""
    top, isa = peak.get(PEAK_THREADS, (None, None))
    one, _ = peak.get(1, (None, None))
    notes = []
    if top is None:
        notes.append(f"note: no fma_peak_gflops measured with {PEAK_THREADS} threads (run fma_peak {PEAK_THREADS}).")
    header = ["training step", "flops/step", "Compiled.Nets GFLOP/s", f"of {PEAK_THREADS}t peak",
              "LibTorch GFLOP/s", f"LibTorch of {PEAK_THREADS}t peak", "target"]
    rows, ok = [], True
    for label, method, flops, target in PEAK_ROWS:
        cells = [label, f"{flops / 1e6:,.1f} M"]
        fractions = []
        for suite in ("ours", "libtorch"):
            run = suites.get(suite, {}).get(method)
            rate = flops / run.mean if run and run.mean > 0 else None  # flops per ns = GFLOP/s
            frac = rate / top if rate is not None and top else None
            fractions.append(frac)
            cells += [f"{rate:,.1f}" if rate is not None else "n/a", f"{frac:.2f}" if frac is not None else "n/a"]
        if target is None:
            cells.append("info")
        else:
            v = verdict(fractions[0], target)
            ok &= v == "PASS"
            cells.append(f">={target:.2f}: {v}")
        rows.append(cells)
    peak_line = (f"FMA peak ({isa or 'n/a'}): " + (f"{one:,.1f}" if one else "n/a") + " GFLOP/s on 1 thread, "
                 + (f"{top:,.1f}" if top else "n/a") + f" GFLOP/s on {PEAK_THREADS} threads")
    return header, rows, ok, [peak_line] + notes


def recurrent_tables(bdn_dir, results):
    """Table 5: the recurrent benchmarks against the faster anchor, then every ratio. Returns (header, rows, ok, all_rows)."""
    settings = load_bdn_settings(bdn_dir)
    reference = load_reference_settings(results)
    header = ["metric", "Compiled.Nets"]
    for _, label, short in RECURRENT_ANCHORS:
        header += [label, f"x {short}"]
    header += ["x faster anchor", "target", "ours allocated"]
    rows, every, ok = [], [], True
    for m, target in RECURRENT_METRICS:
        # Each side's value per setting, in the metric's unit: the best of N (BenchmarkDotNet's fastest iteration; pytorch_bench.py's
        # fastest of its repeats), with BenchmarkDotNet's mean beside it for the every-ratio table.
        sides = {"ours": {s: (m.convert(t.best), t.allocated, m.convert(t.mean))
                          for s, t in settings.get("ours", {}).get(m.method, {}).items() if t.mean > 0}}
        sides["libtorch"] = {s: (m.convert(t.best), None, m.convert(t.mean))
                             for s, t in settings.get("libtorch", {}).get(m.method, {}).items() if t.mean > 0}
        sides["pytorch"] = {f"{t}t": (v, None, v) for t, v in reference.get(("pytorch", m.name), {}).items()}

        def best(side):
            items = sides[side].items()
            if not items:
                return None, None, None
            setting, (value, allocated, _) = (max if m.higher_is_better else min)(items, key=lambda kv: kv[1][0])
            return value, setting, allocated

        ours, ours_setting, allocated = best("ours")
        row = [m.label, fmt(ours, m.unit) + (f" ({ours_setting})" if ours is not None and ours_setting else "")]
        anchors = []
        for key, _, short in RECURRENT_ANCHORS:
            value, setting, _ = best(key)
            anchors.append((value, short, setting))
            ratio = speedup(ours, value, m.higher_is_better)
            row += [fmt(value, m.unit) + (f" ({setting})" if value is not None and setting else ""),
                    f"{ratio:.2f}x" if ratio is not None else "n/a"]
        present = [a for a in anchors if a[0] is not None]
        faster = ((max if m.higher_is_better else min)(present, key=lambda a: a[0]) if present else None)
        ratio = speedup(ours, faster[0], m.higher_is_better) if faster else None
        row.append(f"{ratio:.2f}x ({faster[1]})" if ratio is not None else "n/a")
        v = verdict(ratio if len(present) == len(anchors) else None, target)
        if v is not None:
            ok &= v == "PASS"
        row.append(f">={target:g}x faster anchor: {v}" if target is not None else "info")
        if allocated is None:
            row.append("n/a")
            a = "MISSING"
        else:
            row.append(f"{allocated:,} B")
            a = "PASS" if allocated <= ALLOCATION_TARGET else "FAIL"
        ok &= a == "PASS"
        row[-2] += f"; {ALLOCATION_TARGET} B: {a}"
        rows.append(row)
        # Every ratio: ours at each setting against each anchor at each.
        for os_, (ov, _, om) in sorted(sides["ours"].items()):
            for key, _, short in RECURRENT_ANCHORS:
                for s_, (av, _, am) in sorted(sides[key].items()):
                    r = speedup(ov, av, m.higher_is_better)
                    rm = speedup(om, am, m.higher_is_better)
                    every.append([m.label, f"{fmt(ov, m.unit)} ({os_ or 'default'})", short, f"{fmt(av, m.unit)} ({s_})",
                                  f"{r:.2f}x" if r is not None else "n/a",
                                  f"{fmt(om, m.unit)} / {fmt(am, m.unit)}: {rm:.2f}x" if rm is not None else "n/a"])
    return header, rows, ok, every


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", default=os.path.join(OUT_DIR, "results.jsonl"))
    ap.add_argument("--bdn-dir", default=os.path.join(OUT_DIR, "bdn", "results"))
    ap.add_argument("--summary", default=os.path.join(OUT_DIR, "summary.md"))
    ap.add_argument("--strict", action="store_true", help="exit 1 if any target fails or is missing")
    ap.add_argument("--recurrent-only", action="store_true", help="only the recurrent table (run-all.sh --recurrent)")
    args = ap.parse_args()

    rec_header, rec_rows, rec_ok, rec_every = recurrent_tables(args.bdn_dir, args.results)
    every_header = ["metric", "Compiled.Nets (threads)", "anchor", "anchor (threads)", "x", "BenchmarkDotNet means: ours / anchor, x"]
    rec_title = ("Recurrent layers (issue 13): best of N (BenchmarkDotNet's fastest iteration, pytorch_bench.py's fastest repeat); "
                 "x = how many times faster ours is; targets against the faster of PyTorch and LibTorch, each at its best thread setting")
    rec_md = ["## Recurrent layers (issue 13)", "",
              "The sequential-MNIST LSTM (28 steps of 28, hidden 128, batch 64 training and batch-1 forward) and the "
              "character model of samples/CharModel (Embedding 96×32, stateful LSTM 128, per-step softmax over 96, "
              "16 streams × 64 token ids, Adam 3e-3); targets against the faster of PyTorch 1.13 and LibTorch 2.10 at its best thread setting. Best of N: "
              "BenchmarkDotNet's fastest iteration (Min) for ours and LibTorch, pytorch_bench.py's fastest repeat for PyTorch; "
              "the every-ratio table also gives BenchmarkDotNet's means.", ""]
    rec_md += markdown_table(rec_header, rec_rows) + ["", "Every ratio:", ""] + markdown_table(every_header, rec_every) + [""]
    if args.recurrent_only:
        host = host_line(args.bdn_dir)
        if host:
            print("machine: " + host)
        print(rec_title)
        print_table(rec_header, rec_rows)
        print()
        print("Every ratio (ours at each thread setting against each anchor at each)")
        print_table(every_header, rec_every)
        print()
        print("recurrent: " + ("PASS" if rec_ok else "FAIL (see targets)"))
        md = ["# Compiled.Nets recurrent benchmarks", ""] + (["Machine: " + host, ""] if host else []) + rec_md
        md += ["Recurrent: **" + ("PASS" if rec_ok else "FAIL") + "**", ""]
        os.makedirs(os.path.dirname(os.path.abspath(args.summary)), exist_ok=True)
        with open(args.summary, "w", encoding="utf-8") as f:
            f.write("\n".join(md))
        print(f"wrote {args.summary}")
        return 1 if (args.strict and not rec_ok) else 0

    ref = load_reference(args.results)
    suites = load_bdn(args.bdn_dir)
    ours_ns = {method: run.mean for method, run in suites["ours"].items()}

    header, rows, ratios_ok = ratio_table(suites, ref)
    peak_header, peak_rows, peak_ok, peak_notes = peak_table(suites, load_peak(args.results))
    conv_header, conv_rows, conv_ok, conv_notes = conv_table(ours_ns, load_sgemm(args.results), os.cpu_count() or 1)
    quantized_header, quantized_rows, quantized_ok = quantized_table(suites)
    all_ok = ratios_ok and peak_ok and conv_ok and quantized_ok and rec_ok

    host = host_line(args.bdn_dir)
    if host:
        print("machine: " + host)
    print("Compiled.Nets against the anchors (x = how many times faster ours is; each anchor at its best setting)")
    print_table(header, rows)
    print()
    print("Training steps against the FMA peak")
    print_table(peak_header, peak_rows)
    for note in peak_notes:
        print(note)
    print()
    print("Convolution GFLOP/s vs SGEMM")
    print_table(conv_header, conv_rows)
    for note in conv_notes:
        print(note)
    print()
    print("Int8 inference: int8 against our float32, and ONNX Runtime on the same quantised model")
    print_table(quantized_header, quantized_rows)
    print()
    print(rec_title)
    print_table(rec_header, rec_rows)
    print()
    print("Every recurrent ratio (ours at each thread setting against each anchor at each)")
    print_table(every_header, rec_every)
    print()
    print("overall: " + ("PASS" if all_ok else "FAIL (see targets)"))

    md = ["# Compiled.Nets benchmark comparison", "",
          "Ratios: how many times faster ours is (>1 = ours wins). Each anchor at its best setting "
          "(threads; for ONNX Runtime also IOBinding or Run), shown in brackets.", ""]
    if host:
        md[1:1] = ["", "Machine: " + host]
    md += markdown_table(header, rows)
    md += ["", "## Training steps against the FMA peak", "",
           "Flops per step = 3 × forward (backward ≈ 2 × forward), a multiply-add counted 2; "
           f"the peak is fma_peak.c's on {PEAK_THREADS} threads.", ""]
    md += markdown_table(peak_header, peak_rows)
    md += [""] + peak_notes + [""]
    md += ["## Convolution GFLOP/s vs SGEMM", "",
           "Forward + weight gradient + input gradient of one layer at batch 64 "
           "(3 × 2 × OutputSize × PatchLength × 64 flops), as a fraction of numpy/OpenBLAS SGEMM "
           f"(float32, n = 1024) at the .NET run's thread count; target ≥ {SGEMM_TARGET:.2f}.", ""]
    md += markdown_table(conv_header, conv_rows)
    md += [""] + conv_notes + ([""] if conv_notes else [])
    md += ["## Int8 inference", "",
           "Batch-1 latency of the int8 models (Quantize) against our float32 networks, and ONNX Runtime running the same "
           "quantised models as QDQ graphs (the same int8 weights, per-channel scales and activation scales).", ""]
    md += markdown_table(quantized_header, quantized_rows) + [""]
    md += rec_md
    md += ["Overall: **" + ("PASS" if all_ok else "FAIL") + "**", ""]
    os.makedirs(os.path.dirname(os.path.abspath(args.summary)), exist_ok=True)
    with open(args.summary, "w", encoding="utf-8") as f:
        f.write("\n".join(md))
    print(f"wrote {args.summary}")
    return 1 if (args.strict and not all_ok) else 0


if __name__ == "__main__":
    sys.exit(main())
