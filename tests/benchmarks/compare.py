#!/usr/bin/python3
"""Compare Compiled.Nets BenchmarkDotNet results with the PyTorch and FANN references.

Usage (from the repository root; run-all.sh calls it last):

    /usr/bin/python3 tests/benchmarks/compare.py [--results PATH] [--bdn-dir DIR] [--summary PATH] [--strict]

Inputs:
  * tests/benchmarks/out/results.jsonl - JSON lines from fann_bench and pytorch_bench.py
    ({"suite": "fann"|"pytorch", "threads": N (pytorch only), "name", "unit", "value"};
    sgemm_gflops lines also carry "blas", the BLAS numpy used).
  * BenchmarkDotNet JSON reports (*.json) under tests/benchmarks/out/bdn/results/; each entry
    of "Benchmarks" has "Method", "FullName" and "Statistics": {"Mean": ns per op}.
    Methods used: ForwardXor, ForwardMlp (ns per single-sample forward), TrainXor
    (ns per batch-4 step), TrainMlpBatch64, TrainMlpBatch64Adam, TrainLeNet5Batch64 (ns per
    batch-64 step) from ReferenceComparison / CnnComparison, and ConvLeNetC1, ConvLeNetC3,
    Conv3x3Wide (CnnComparison: ns per forward + weight gradient + input gradient of one
    convolution layer at batch 64). If a method appears more than once (several
    jobs/parameters/reports) the lowest mean is used.

Output: two tables on stdout and the same tables as markdown in tests/benchmarks/out/summary.md.
  1. Throughput vs PyTorch/FANN. Ratios are "how many times faster ours is" (>1 means ours
     wins). For PyTorch the best thread setting per metric is used and shown.
  2. Convolution GFLOP/s vs SGEMM: each convolution's rate, 3 * 2 * OutputSize * PatchLength
     * 64 flops / mean ns, as a fraction of numpy/OpenBLAS SGEMM (pytorch_bench.py's
     sgemm_gflops) measured with threads = os.cpu_count() (the .NET kernels split a batch across
     all cores); the 1-thread SGEMM is shown for reference. Target: fraction >= 0.40. The
     LeNet-layer average (mean of the C1 and C3 rates) is shown for information only.
--strict exits 1 if any target (in either table) FAILs or is missing.
"""
import argparse
import glob
import json
import os
import sys

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(REPO_ROOT, "tests", "benchmarks", "out")

# metric, unit, BDN method, ns-per-op -> unit converter, higher_is_better,
# target multiple vs PyTorch, target multiple vs FANN (None = no target)
METRICS = [
    ("forward_xor_b1", "ns", "ForwardXor", lambda ns: ns, False, 100.0, 1.0),
    ("forward_mlp_b1", "ns", "ForwardMlp", lambda ns: ns, False, 5.0, 5.0),
    ("train_xor_b4", "steps/s", "TrainXor", lambda ns: 1e9 / ns, True, None, 1.0),
    ("train_mlp_b64", "samples/s", "TrainMlpBatch64", lambda ns: 64e9 / ns, True, 1.0, None),
    ("train_mlp_b64_adam", "samples/s", "TrainMlpBatch64Adam", lambda ns: 64e9 / ns, True, 1.0, None),
    ("train_lenet5_b64", "samples/s", "TrainLeNet5Batch64", lambda ns: 64e9 / ns, True, 1.0, None),
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
    higher = {m[0]: m[4] for m in METRICS}
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


def load_bdn(bdn_dir):
    """Return {Method: mean_ns} (lowest mean per method) from all BDN JSON reports."""
    means = {}
    files = sorted(glob.glob(os.path.join(bdn_dir, "*.json")))
    if not files:
        print(f"warning: no BenchmarkDotNet JSON reports under {bdn_dir}", file=sys.stderr)
    for path in files:
        try:
            with open(path, encoding="utf-8-sig") as f:
                doc = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            print(f"warning: cannot read {path}: {e}", file=sys.stderr)
            continue
        for b in doc.get("Benchmarks", []) if isinstance(doc, dict) else []:
            method = b.get("Method") or (b.get("FullName") or "").rsplit(".", 1)[-1].split("(")[0]
            stats = b.get("Statistics") or {}
            mean = stats.get("Mean")
            if not method or mean is None:
                print(f"warning: {os.path.basename(path)}: {b.get('FullName', method)} has no statistics",
                      file=sys.stderr)
                continue
            mean = float(mean)
            if method not in means or mean < means[method]:
                means[method] = mean
    return means


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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", default=os.path.join(OUT_DIR, "results.jsonl"))
    ap.add_argument("--bdn-dir", default=os.path.join(OUT_DIR, "bdn", "results"))
    ap.add_argument("--summary", default=os.path.join(OUT_DIR, "summary.md"))
    ap.add_argument("--strict", action="store_true", help="exit 1 if any target fails or is missing")
    args = ap.parse_args()

    ref = load_reference(args.results)
    ours_ns = load_bdn(args.bdn_dir)

    header = ["metric", "ours", "PyTorch (threads)", "FANN", "x vs PyTorch", "x vs FANN", "targets"]
    rows = []
    all_ok = True
    for name, unit, method, conv, hib, t_pt, t_fann in METRICS:
        ours = conv(ours_ns[method]) if method in ours_ns and ours_ns[method] > 0 else None
        pt, pt_threads = ref.get(("pytorch", name), (None, None))
        fa, _ = ref.get(("fann", name), (None, None))
        r_pt = speedup(ours, pt, hib)
        r_fa = speedup(ours, fa, hib)
        targets = []
        for label, ratio, target in (("PyTorch", r_pt, t_pt), ("FANN", r_fa, t_fann)):
            v = verdict(ratio, target)
            if v is None:
                continue
            all_ok &= v == "PASS"
            targets.append(f">={target:g}x {label}: {v}")
        pt_cell = fmt(pt, unit) + (f" ({pt_threads}t)" if pt is not None and pt_threads is not None else "")
        rows.append([
            name,
            fmt(ours, unit),
            pt_cell,
            fmt(fa, unit),
            f"{r_pt:.2f}x" if r_pt is not None else "n/a",
            f"{r_fa:.2f}x" if r_fa is not None else "n/a",
            "; ".join(targets) if targets else "-",
        ])

    conv_header, conv_rows, conv_ok, conv_notes = conv_table(ours_ns, load_sgemm(args.results), os.cpu_count() or 1)
    all_ok &= conv_ok

    print_table(header, rows)
    print()
    print("Convolution GFLOP/s vs SGEMM")
    print_table(conv_header, conv_rows)
    for note in conv_notes:
        print(note)
    print()
    print("overall: " + ("PASS" if all_ok else "FAIL (see targets)"))

    md = ["# Compiled.Nets benchmark comparison", "",
          "Ratios: how many times faster ours is (>1 = ours wins). PyTorch: best thread setting per metric.", ""]
    md += markdown_table(header, rows)
    md += ["", "## Convolution GFLOP/s vs SGEMM", "",
           "Forward + weight gradient + input gradient of one layer at batch 64 "
           "(3 × 2 × OutputSize × PatchLength × 64 flops), as a fraction of numpy/OpenBLAS SGEMM "
           f"(float32, n = 1024) at the .NET run's thread count; target ≥ {SGEMM_TARGET:.2f}.", ""]
    md += markdown_table(conv_header, conv_rows)
    md += [""] + conv_notes + ([""] if conv_notes else [])
    md += ["Overall: **" + ("PASS" if all_ok else "FAIL") + "**", ""]
    os.makedirs(os.path.dirname(os.path.abspath(args.summary)), exist_ok=True)
    with open(args.summary, "w", encoding="utf-8") as f:
        f.write("\n".join(md))
    print(f"wrote {args.summary}")
    return 1 if (args.strict and not all_ok) else 0


if __name__ == "__main__":
    sys.exit(main())
