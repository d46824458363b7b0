#!/usr/bin/env bash
# Run all Compiled.Nets benchmarks (FANN, PyTorch, BenchmarkDotNet) and compare them.
#
# Usage (from anywhere; works relative to the repository root):
#   tests/benchmarks/run-all.sh [--quick] [--skip-dotnet]
#     --quick        short FANN/PyTorch runs (smoke test; BenchmarkDotNet is unaffected)
#     --skip-dotnet  do not run the BenchmarkDotNet suite (compare uses whatever reports exist)
#   THREADS="1 2"    PyTorch/SGEMM thread settings to try (env var, default "1 2"); this machine's
#                    core count is added if missing (compare.py rates the convolutions against the
#                    SGEMM at that thread count, as the .NET kernels use all cores)
#
# Needs numpy on OpenBLAS (the SGEMM reference); exits 2 with a hint otherwise.
#
# Outputs under tests/benchmarks/out/: fann_bench (binary), results.jsonl (FANN + PyTorch
# JSON lines, incl. sgemm_gflops), bdn/ (BenchmarkDotNet artifacts: ReferenceComparison and
# CnnComparison; reports in bdn/results/), summary.md.
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
CORES="$("$PY" -c 'import os; print(os.cpu_count() or 1)')"
case " $THREADS " in
  *" $CORES "*) ;;
  *) THREADS="$THREADS $CORES"; echo "note: adding threads=$CORES (core count) to THREADS for the SGEMM reference" >&2 ;;
esac

echo "== Checking numpy's BLAS" >&2
if ! "$PY" "$BENCH/pytorch_bench.py" --check-blas >&2; then
  echo "error: the SGEMM reference needs numpy on OpenBLAS; fix (Debian/Ubuntu):" >&2
  echo "    sudo apt-get install libopenblas0-pthread   # switches the libblas.so.3 alternative to OpenBLAS" >&2
  echo "then rerun $0." >&2
  exit 2
fi

mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: > "$RESULTS"

echo "== FANN (float, gcc -O3 -march=native)" >&2
gcc -O3 -march=native -o "$OUT/fann_bench" "$BENCH/fann_bench.c" -lfloatfann -lm
"$OUT/fann_bench" "${QUICK[@]}" | tee -a "$RESULTS"

for n in $THREADS; do
  echo "== PyTorch, threads=$n" >&2
  # OPENBLAS_NUM_THREADS follows n: it sets the threads of the SGEMM reference (numpy/OpenBLAS).
  OPENBLAS_NUM_THREADS="$n" OMP_NUM_THREADS="$n" MKL_NUM_THREADS="$n" \
    "$PY" "$BENCH/pytorch_bench.py" --threads "$n" "${QUICK[@]}" | tee -a "$RESULTS"
done

if [[ $SKIP_DOTNET -eq 0 ]]; then
  echo "== Compiled.Nets (BenchmarkDotNet)" >&2
  rm -rf "$OUT/bdn/results"
  dotnet run -c Release --project tests/Compiled.Nets.Benchmarks -- \
    --filter '*ReferenceComparison*' '*CnnComparison*' --exporters json --artifacts "$OUT/bdn"
fi

echo "== Comparison" >&2
"$PY" "$BENCH/compare.py" --results "$RESULTS" --bdn-dir "$OUT/bdn/results" --summary "$OUT/summary.md"
