#!/usr/bin/env bash
# Run all Compiled.Nets benchmarks and their anchors, then compare them.
#
# Usage (from anywhere; works relative to the repository root):
#   tests/benchmarks/run-all.sh [--quick] [--skip-dotnet] [--skip-anchors] [--recurrent]
#     --quick         short runs everywhere: FANN, PyTorch and the FMA peak with fewer iterations, every
#                     BenchmarkDotNet suite with its short job (3 warm-ups, 3 iterations): 8-12 minutes
#                     on 2 cores, against 1-1.5 hours for the full run (the anchors capped at 30 iterations)
#     --skip-dotnet   run no BenchmarkDotNet suite (compare uses whatever reports exist)
#     --skip-anchors  run Compiled.Nets' suites but not the LibTorch and ONNX Runtime ones
#     --recurrent     only issue 13's recurrent benchmarks: PyTorch (pytorch_bench.py --recurrent-only), RecurrentComparison
#                     (COMPILED_NETS_THREADS=1 and 2) and LibTorch's *Lstm* methods, then compare.py --recurrent-only
#                     (about 15 minutes on 2 cores; with --quick about 5)
#   THREADS="1 2"     PyTorch/SGEMM thread settings to try (env var, default "1 2"); this machine's
#                     core count is added if missing (compare.py rates the convolutions against the
#                     SGEMM at that thread count, as the .NET kernels use all cores)
#
# What runs, in order: FANN 2.2 (gcc -O3 -march=native), the FMA peak (fma_peak.c, clang-19 -O3
# -march=native, 1 and 2 threads), PyTorch 1.13 and numpy's SGEMM per thread setting, the ONNX export
# (export_onnx.py, Debian's PyTorch; the int8 models from the quantised networks that Compiled.Nets writes with
# --export-int8), the BenchmarkDotNet suites of Compiled.Nets (ReferenceComparison, CnnComparison,
# QuantizedInference; RecurrentComparison once per COMPILED_NETS_THREADS setting 1 and 2), ONNX Runtime 1.31 (tests/Compiled.Nets.Benchmarks.OnnxRuntime) and LibTorch 2.10
# (tests/Compiled.Nets.Benchmarks.TorchSharp; its build marks libLibTorchSharp.so's GLIBCXX_3.4.32 need weak,
# see docs/benchmarks.md), then compare.py.
#
# Needs numpy on OpenBLAS (the SGEMM reference); exits 2 with a hint otherwise.
#
# Outputs under tests/benchmarks/out/: fann_bench and fma_peak (binaries), results.jsonl (FANN, FMA peak and
# PyTorch JSON lines, incl. sgemm_gflops), onnx/ (the exported networks), bdn/ (BenchmarkDotNet artifacts of
# the three .NET projects; reports in bdn/results/, RecurrentComparison's in bdn/results/ours-threads-N/), summary.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BENCH=tests/benchmarks
phase() { echo "== $* (at ${SECONDS}s)" >&2; }
OUT=$BENCH/out
PY=/usr/bin/python3
QUICK=()
BDN_JOB=()
ANCHOR_JOB=()
SKIP_DOTNET=0
SKIP_ANCHORS=0
RECURRENT=0
for arg in "$@"; do
  case "$arg" in
    # Compiled.Nets' suites keep their own process even when quick: in-process, BenchmarkDotNet's allocation count
    # takes in the host's own (a few bytes per call), and zero bytes per call is a target.
    --quick) QUICK=(--quick); BDN_JOB=(--job short); ANCHOR_JOB=(--quick) ;;
    --skip-dotnet) SKIP_DOTNET=1 ;;
    --skip-anchors) SKIP_ANCHORS=1 ;;
    --recurrent) RECURRENT=1 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done
THREADS="${THREADS:-1 2}"
CORES="$("$PY" -c 'import os; print(os.cpu_count() or 1)')"
case " $THREADS " in
  *" $CORES "*) ;;
  *) THREADS="$THREADS $CORES"; echo "note: adding threads=$CORES (core count) to THREADS for the SGEMM reference" >&2 ;;
esac

phase "Checking numpy's BLAS"
if ! "$PY" "$BENCH/pytorch_bench.py" --check-blas >&2; then
  echo "error: the SGEMM reference needs numpy on OpenBLAS; fix (Debian/Ubuntu):" >&2
  echo "    sudo apt-get install libopenblas0-pthread   # switches the libblas.so.3 alternative to OpenBLAS" >&2
  echo "then rerun $0." >&2
  exit 2
fi

mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: > "$RESULTS"
lscpu | sed -n 's/^Model name: *//p' | head -1 | sed 's/^/CPU: /' >&2

# RecurrentComparison once per thread setting of ours (COMPILED_NETS_THREADS, read when the library loads; BenchmarkDotNet's
# child processes inherit it), each into its own folder under bdn/results: compare.py reads the setting from the name. The
# child project's build gets 15 minutes: BenchmarkDotNet's default 2 minutes ran out on a loaded 2-core machine.
run_recurrent_suite() {
  for n in 1 2; do
    phase "Compiled.Nets RecurrentComparison, COMPILED_NETS_THREADS=$n (BenchmarkDotNet${BDN_JOB:+, short job})"
    COMPILED_NETS_THREADS="$n" dotnet run -c Release "$@" --project tests/Compiled.Nets.Benchmarks -- \
      --filter '*RecurrentComparison*' --exporters json --artifacts "$OUT/bdn/results/ours-threads-$n" --buildTimeout 900 "${BDN_JOB[@]}"
  done
}

if [[ $RECURRENT -eq 1 ]]; then
  for n in $THREADS; do
    phase "PyTorch recurrent, threads=$n"
    OPENBLAS_NUM_THREADS="$n" OMP_NUM_THREADS="$n" MKL_NUM_THREADS="$n" \
      "$PY" "$BENCH/pytorch_bench.py" --threads "$n" --recurrent-only "${QUICK[@]}" | tee -a "$RESULTS"
  done
  rm -rf "$OUT/bdn/results"
  dotnet build -c Release tests/Compiled.Nets.Benchmarks -v quiet -nologo
  run_recurrent_suite --no-build
  phase "LibTorch 2.10 via TorchSharp 0.107, the *Lstm* methods (BenchmarkDotNet, in-process)"
  dotnet build -c Release tests/Compiled.Nets.Benchmarks.TorchSharp -v quiet -nologo
  dotnet run -c Release --no-build --project tests/Compiled.Nets.Benchmarks.TorchSharp -- --check
  dotnet run -c Release --no-build --project tests/Compiled.Nets.Benchmarks.TorchSharp -- \
    --filter '*LibTorchAnchors.*Lstm*' --exporters json --artifacts "$OUT/bdn" "${ANCHOR_JOB[@]}" \
    || echo "warning: the LibTorch suite failed (exit $?); its ratios will be missing" >&2
  phase "Comparison (recurrent)"
  "$PY" "$BENCH/compare.py" --recurrent-only --results "$RESULTS" --bdn-dir "$OUT/bdn/results" --summary "$OUT/summary.md"
  exit $?
fi

phase "FANN (float, gcc -O3 -march=native)"
gcc -O3 -march=native -o "$OUT/fann_bench" "$BENCH/fann_bench.c" -lfloatfann -lm
"$OUT/fann_bench" "${QUICK[@]}" | tee -a "$RESULTS"

phase "FMA peak (clang-19 -O3 -march=native)"
CC_FMA=clang-19
command -v "$CC_FMA" >/dev/null || { CC_FMA=cc; echo "note: clang-19 not found, building fma_peak with cc" >&2; }
"$CC_FMA" -O3 -march=native -pthread -o "$OUT/fma_peak" "$BENCH/fma_peak.c"
"$OUT/fma_peak" "${QUICK[@]}" 1 2 | tee -a "$RESULTS"

for n in $THREADS; do
  phase "PyTorch, threads=$n"
  # OPENBLAS_NUM_THREADS follows n: it sets the threads of the SGEMM reference (numpy/OpenBLAS).
  OPENBLAS_NUM_THREADS="$n" OMP_NUM_THREADS="$n" MKL_NUM_THREADS="$n" \
    "$PY" "$BENCH/pytorch_bench.py" --threads "$n" "${QUICK[@]}" | tee -a "$RESULTS"
done

if [[ $SKIP_DOTNET -eq 0 ]]; then
  rm -rf "$OUT/bdn/results"
  phase "Compiled.Nets (BenchmarkDotNet${BDN_JOB:+, short job})"
  dotnet run -c Release --project tests/Compiled.Nets.Benchmarks -- \
    --filter '*ReferenceComparison*' '*CnnComparison*' '*QuantizedInference*' --exporters json --artifacts "$OUT/bdn" "${BDN_JOB[@]}"
  run_recurrent_suite --no-build

  if [[ $SKIP_ANCHORS -eq 0 ]]; then
    phase "ONNX export (PyTorch 1.13, opset 17; the int8 models from Compiled.Nets' quantised networks)"
    dotnet run -c Release --no-build --project tests/Compiled.Nets.Benchmarks -- --export-int8 "$OUT/onnx"
    "$PY" "$BENCH/export_onnx.py" "$OUT/onnx"

    # The anchors run in their own process (BenchmarkDotNet's in-process toolchain): they are built here once.
    # An anchor that fails (a library that will not load, a benchmark stalled by other load) is reported and
    # left out: compare.py marks its ratios n/a and the targets that need them MISSING.
    phase "ONNX Runtime 1.31 (BenchmarkDotNet, in-process)"
    dotnet build -c Release tests/Compiled.Nets.Benchmarks.OnnxRuntime -v quiet -nologo
    COMPILED_NETS_ONNX_DIR="$OUT/onnx" dotnet run -c Release --no-build --project tests/Compiled.Nets.Benchmarks.OnnxRuntime -- --check
    COMPILED_NETS_ONNX_DIR="$OUT/onnx" dotnet run -c Release --no-build --project tests/Compiled.Nets.Benchmarks.OnnxRuntime -- \
      --filter '*OnnxRuntimeAnchors*' --exporters json --artifacts "$OUT/bdn" "${ANCHOR_JOB[@]}" \
      || echo "warning: the ONNX Runtime suite failed (exit $?); its ratios will be missing" >&2

    phase "LibTorch 2.10 via TorchSharp 0.107 (BenchmarkDotNet, in-process)"
    dotnet build -c Release tests/Compiled.Nets.Benchmarks.TorchSharp -v quiet -nologo
    dotnet run -c Release --no-build --project tests/Compiled.Nets.Benchmarks.TorchSharp -- --check
    dotnet run -c Release --no-build --project tests/Compiled.Nets.Benchmarks.TorchSharp -- \
      --filter '*LibTorchAnchors*' --exporters json --artifacts "$OUT/bdn" "${ANCHOR_JOB[@]}" \
      || echo "warning: the LibTorch suite failed (exit $?); its ratios will be missing" >&2
  fi
fi

phase "Comparison"
"$PY" "$BENCH/compare.py" --results "$RESULTS" --bdn-dir "$OUT/bdn/results" --summary "$OUT/summary.md"
