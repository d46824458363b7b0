#!/usr/bin/env bash
# Run all Compiled.Nets benchmarks (FANN, PyTorch, BenchmarkDotNet) and compare them.
#
# Usage (from anywhere; works relative to the repository root):
#   tests/benchmarks/run-all.sh [--quick] [--skip-dotnet]
#     --quick        short FANN/PyTorch runs (smoke test; BenchmarkDotNet is unaffected)
#     --skip-dotnet  do not run the BenchmarkDotNet suite (compare uses whatever reports exist)
#   THREADS="1 2"    PyTorch thread settings to try (env var, default "1 2")
#
# Outputs under tests/benchmarks/out/: fann_bench (binary), results.jsonl (FANN + PyTorch
# JSON lines), bdn/ (BenchmarkDotNet artifacts; reports in bdn/results/), summary.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BENCH=tests/benchmarks
OUT=$BENCH/out
PY=/usr/bin/python3
QUICK=()
SKIP_DOTNET=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=(--quick) ;;
    --skip-dotnet) SKIP_DOTNET=1 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done
THREADS="${THREADS:-1 2}"

mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: > "$RESULTS"

echo "== FANN (float, gcc -O3 -march=native)" >&2
gcc -O3 -march=native -o "$OUT/fann_bench" "$BENCH/fann_bench.c" -lfloatfann -lm
"$OUT/fann_bench" "${QUICK[@]}" | tee -a "$RESULTS"

for n in $THREADS; do
  echo "== PyTorch, threads=$n" >&2
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS="$n" MKL_NUM_THREADS="$n" \
    "$PY" "$BENCH/pytorch_bench.py" --threads "$n" "${QUICK[@]}" | tee -a "$RESULTS"
done

if [[ $SKIP_DOTNET -eq 0 ]]; then
  echo "== Compiled.Nets (BenchmarkDotNet)" >&2
  rm -rf "$OUT/bdn/results"
  dotnet run -c Release --project tests/Compiled.Nets.Benchmarks -- \
    --filter '*ReferenceComparison*' --exporters json --artifacts "$OUT/bdn"
fi

echo "== Comparison" >&2
"$PY" "$BENCH/compare.py" --results "$RESULTS" --bdn-dir "$OUT/bdn/results" --summary "$OUT/summary.md"
