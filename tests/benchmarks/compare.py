#!/usr/bin/python3
"""Compare Compiled.Nets BenchmarkDotNet results with the PyTorch and FANN references.

Usage (from the repository root; run-all.sh calls it last):

    /usr/bin/python3 tests/benchmarks/compare.py [--results PATH] [--bdn-dir DIR] [--summary PATH] [--strict]

Inputs:
  * tests/benchmarks/out/results.jsonl - JSON lines from fann_bench and pytorch_bench.py
    ({"suite": "fann"|"pytorch", "threads": N (pytorch only), "name", "unit", "value"}).
  * BenchmarkDotNet JSON reports (*.json) under tests/benchmarks/out/bdn/results/; each entry
    of "Benchmarks" has "Method", "FullName" and "Statistics": {"Mean": ns per op}.
    Methods used: ForwardXor, ForwardMlp (ns per single-sample forward), TrainXor
    (ns per batch-4 step), TrainMlpBatch64 (ns per batch-64 step). If a method appears
    more than once (several jobs/parameters/reports) the lowest mean is used.

Output: a table on stdout and the same table as markdown in tests/benchmarks/out/summary.md.
Ratios are "how many times faster ours is" (>1 means ours wins). For PyTorch the best
thread setting per metric is used and shown. --strict exits 1 if any target FAILs or is
missing.
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
]


def load_reference(path):
    """Return {(suite, name): (value, threads)} keeping the best value per metric."""
    higher = {m[0]: m[4] for m in METRICS}
    best = {}
    if not os.path.exists(path):
        print(f"warning: {path} not found", file=sys.stderr)
        return best
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
            if "suite" not in rec or "name" not in rec or "value" not in rec:
                continue
            key = (rec["suite"], rec["name"])
            val = float(rec["value"])
            hib = higher.get(rec["name"], False)
            cur = best.get(key)
            if cur is None or (val > cur[0] if hib else val < cur[0]):
                best[key] = (val, rec.get("threads"))
    return best


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

    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    print(line(header))
    print(line(["-" * w for w in widths]))
    for r in rows:
        print(line(r))
    print()
    print("overall: " + ("PASS" if all_ok else "FAIL (see targets)"))

    md = ["# Compiled.Nets benchmark comparison", "",
          "Ratios: how many times faster ours is (>1 = ours wins). PyTorch: best thread setting per metric.", "",
          "| " + " | ".join(header) + " |",
          "|" + "|".join("---" for _ in header) + "|"]
    md += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    md += ["", "Overall: **" + ("PASS" if all_ok else "FAIL") + "**", ""]
    os.makedirs(os.path.dirname(os.path.abspath(args.summary)), exist_ok=True)
    with open(args.summary, "w", encoding="utf-8") as f:
        f.write("\n".join(md))
    print(f"wrote {args.summary}")
    return 1 if (args.strict and not all_ok) else 0


if __name__ == "__main__":
    sys.exit(main())
