#!/usr/bin/env bash
# Verifies the CUDA building blocks without a GPU (see kernels/README.md):
#   1. all_kernels.cu → PTX with clang's CUDA front end for sm_80 and sm_86 (-Werror), and no
#      unresolved `.extern .func` other than vprintf in the PTX;
#   2. the same translation unit on the CPU through cn_emulation.h, compared with reference loops;
#   3. the same test under ThreadSanitizer, then under AddressSanitizer + UBSan: no reports.
# Exits non-zero on any failure. Needs clang-19 and g++ ≥ 12 (C++20).
# Environment: CN_BUILD_DIR (default kernels/tests/build), CLANG (default clang-19),
#              CN_SKIP_SANITIZERS=1 to run only steps 1 and 2.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
kernels="$(dirname "$here")"
build="${CN_BUILD_DIR:-$here/build}"
clang="${CLANG:-clang-19}"
mkdir -p "$build"

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo; echo "== $*"; }
millis() { echo $(( $(date +%s%N) / 1000000 )); }
elapsed() { local ms=$(( $(millis) - $1 )); printf '%d.%03d s' $((ms / 1000)) $((ms % 1000)); }

# ---- 1. PTX ----
command -v "$clang" >/dev/null || fail "$clang not found (apt-get install -y --no-install-recommends clang-19)"
# Wrappers: lines that start with CN_ENTRY( or with a use of one of the file's wrapper macros.
wrappers=$(grep -cE '^(CN_ENTRY|CN_DENSE_FORWARD_A|CN_DENSE_INPUT_GRADIENT_A)\(' "$here/all_kernels.cu")
for arch in sm_80 sm_86; do
    step "PTX $arch"
    ptx="$build/all_kernels.$arch.ptx"
    start=$(millis)
    "$clang" -x cuda --cuda-device-only --cuda-gpu-arch="$arch" -nocudainc -nocudalib \
        -std=c++17 -O2 -Wall -Werror -Xclang -target-feature -Xclang +ptx75 \
        -include "$kernels/cn_prelude.h" -S -o "$ptx" "$here/all_kernels.cu"
    echo "clang $arch: $(elapsed "$start"), $(wc -l <"$ptx") lines of PTX"
    if grep -E '^\s*\.extern\s+\.func' "$ptx" | grep -v vprintf; then
        fail "unresolved functions in $ptx (above): a device function declared but not defined"
    fi
    kernels_in_ptx=$(grep -cE '^\.visible \.entry' "$ptx")
    [ "$kernels_in_ptx" -eq "$wrappers" ] || fail "$kernels_in_ptx kernels in the PTX, $wrappers wrappers in all_kernels.cu"
    echo "$kernels_in_ptx kernels (.entry), no unresolved .extern .func"
done

# ---- 2. CPU emulation ----
# The kernels' TU and the test are separate translation units that meet only through the C launch
# API, as the .NET runtime will meet the emulation's shared library.
build_test() {  # name, extra flags...
    local name=$1; shift
    g++ -std=c++20 -O2 -pthread -Wall -Wextra -Werror "$@" -x c++ -include "$kernels/cn_emulation.h" \
        -c "$here/all_kernels.cu" -o "$build/all_kernels.$name.o"
    g++ -std=c++20 -O2 -pthread -Wall -Wextra -Werror "$@" -c "$here/emulated_test.cpp" -o "$build/emulated_test.$name.o"
    g++ -pthread "$@" "$build/all_kernels.$name.o" "$build/emulated_test.$name.o" -o "$build/emulated_test.$name"
}

step "emulation (g++ -O2)"
start=$(millis)
build_test plain
echo "built in $(elapsed "$start")"
timeout 600 "$build/emulated_test.plain" || fail "emulated test"

[ "${CN_SKIP_SANITIZERS:-0}" = 1 ] && { echo; echo "sanitizers skipped"; exit 0; }

# ---- 3. Sanitizers ----
step "ThreadSanitizer"
build_test tsan -fsanitize=thread -g
TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" timeout 1200 "$build/emulated_test.tsan" >"$build/tsan.log" 2>&1 \
    || { tail -n 60 "$build/tsan.log"; fail "ThreadSanitizer (log: $build/tsan.log)"; }
grep -q 'WARNING: ThreadSanitizer' "$build/tsan.log" && { cat "$build/tsan.log"; fail "ThreadSanitizer reported"; }
tail -n 1 "$build/tsan.log"; echo "ThreadSanitizer: no reports"

step "AddressSanitizer + UndefinedBehaviorSanitizer"
build_test asan -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g
ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    timeout 1200 "$build/emulated_test.asan" >"$build/asan.log" 2>&1 \
    || { tail -n 60 "$build/asan.log"; fail "AddressSanitizer/UBSan (log: $build/asan.log)"; }
grep -qE 'ERROR: AddressSanitizer|runtime error:' "$build/asan.log" && { cat "$build/asan.log"; fail "ASan/UBSan reported"; }
tail -n 1 "$build/asan.log"; echo "AddressSanitizer + UBSan: no reports"

echo; echo "all checks passed"
