#!/usr/bin/env bash
# The main job (samples/Mnist: LeNet-5, 20 epochs on the bundled MNIST subset) at every instruction-set level that matters
# for issue 12's "every CPU" targets, in one run: the JIT with everything (AVX2/AVX-512 where present), the JIT with AVX
# switched off (128-bit SSE code: target within 3× of the first), and a NativeAOT build with its default instruction set
# (target within 1.5× of the JIT), and NativeAOT for x86-64-v3. Prints each wall time, the ratios, and the accuracy each
# reached (they must agree).
#
# Usage: tests/benchmarks/main-job-isa.sh [--epochs N]   (default 20, as the README's main job)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
EPOCHS=20
if [[ "${1:-}" == "--epochs" ]]; then EPOCHS="$2"; fi
OUT=tests/benchmarks/out/main-job
mkdir -p "$OUT"
lscpu | sed -n 's/^Model name: *//p' | head -1 | sed 's/^/CPU: /'

dotnet build -c Release samples/Mnist -v quiet -nologo
JIT=samples/Mnist/bin/Release/net10.0/Mnist
echo "== NativeAOT publish (default instruction set)"
dotnet publish -c Release samples/Mnist -r linux-x64 -p:MnistNativeAot=true -o "$OUT/aot" -v quiet -nologo
AOT="$OUT/aot/Mnist"
echo "== NativeAOT publish for x86-64-v3 (AVX2, FMA), what docs/performance.md recommends for AVX2 servers"
dotnet publish -c Release samples/Mnist -r linux-x64 -p:MnistNativeAot=true -p:IlcInstructionSet=x86-64-v3 -o "$OUT/aot-v3" -v quiet -nologo
AOT_V3="$OUT/aot-v3/Mnist"

# One timed run: its wall seconds, and the last accuracy line it printed.
run() {  # label, command...
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  "$@" --epochs "$EPOCHS" --out "$OUT/$label" > "$OUT/$label.log" 2>&1
  end=$(date +%s.%N)
  local seconds accuracy
  seconds=$(echo "$end - $start" | bc)
  accuracy=$(sed 's/\x1b\[[0-9;]*m//g' "$OUT/$label.log" | grep -o 'test accuracy: [0-9.]* %' | tail -1)
  printf '%-34s %8.1f s   %s\n' "$label" "$seconds" "$accuracy" >&2
  echo "$seconds"
}
t_jit=$(run jit "$JIT")
t_noavx=$(DOTNET_EnableAVX=0 run jit-no-avx "$JIT")
t_aot=$(run nativeaot-default-isa "$AOT")
t_aot_v3=$(run nativeaot-x86-64-v3 "$AOT_V3")
echo "AVX off / JIT:          $(echo "scale=2; $t_noavx / $t_jit" | bc)× (target ≤ 3)"
echo "NativeAOT default / JIT: $(echo "scale=2; $t_aot / $t_jit" | bc)× (target ≤ 1.5)"
echo "NativeAOT x86-64-v3 / JIT: $(echo "scale=2; $t_aot_v3 / $t_jit" | bc)×"
