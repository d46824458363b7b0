#!/usr/bin/env bash
# Issue 13's recurrent benchmarks by stopwatch, ours and both anchors in turn, ROUNDS times (default 3), in one window:
# on a shared machine BenchmarkDotNet's means (run-all.sh --recurrent) move with the other load, and the fastest of many
# short runs, taken round after round from every side, is the fairer comparison. Prints every figure and, per metric,
# each side's best (over rounds and thread settings) and the ratios.
#
#   tests/benchmarks/quick-recurrent.sh            (about 3 minutes a round on 2 cores)
#   ROUNDS=5 tests/benchmarks/quick-recurrent.sh
#
# Ours: tests/Compiled.Nets.Benchmarks -- --quick-lstm totals with COMPILED_NETS_THREADS=1 and 2; LibTorch 2.10:
# tests/Compiled.Nets.Benchmarks.TorchSharp -- --quick-lstm (torch.set_num_threads 1 and 2); PyTorch 1.13:
# pytorch_bench.py --recurrent-only --quick at threads 1 and 2. Output: tests/benchmarks/out/quick-recurrent.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
OUT=tests/benchmarks/out
LOG=$OUT/quick-recurrent.txt
ROUNDS="${ROUNDS:-3}"
mkdir -p "$OUT"
: > "$LOG"
lscpu | sed -n 's/^Model name: *//p' | head -1 | sed 's/^/CPU: /' | tee -a "$LOG"
dotnet build -c Release tests/Compiled.Nets.Benchmarks -v quiet -nologo >/dev/null
dotnet build -c Release tests/Compiled.Nets.Benchmarks.TorchSharp -v quiet -nologo >/dev/null
for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r (load: $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$LOG"
  for n in 1 2; do
    COMPILED_NETS_THREADS=$n dotnet run -c Release --no-build --project tests/Compiled.Nets.Benchmarks -- --quick-lstm totals \
      | sed 's/^/ours     /' | tee -a "$LOG"
  done
  dotnet run -c Release --no-build --project tests/Compiled.Nets.Benchmarks.TorchSharp -- --quick-lstm | sed 's/^/libtorch /' | tee -a "$LOG"
  for n in 1 2; do
    OPENBLAS_NUM_THREADS=$n OMP_NUM_THREADS=$n MKL_NUM_THREADS=$n \
      /usr/bin/python3 tests/benchmarks/pytorch_bench.py --threads "$n" --recurrent-only --quick | sed 's/^/pytorch  /' | tee -a "$LOG"
  done
done
/usr/bin/python3 - "$LOG" <<'EOF'
import json, re, sys
best = {}  # (metric, side) -> (µs, setting)
names = {"train_lstm_b64": "Train step, SeqMNIST LSTM 128, batch 64", "forward_lstm_b1": "Forward, batch 1, SeqMNIST LSTM 128",
         "train_char_lstm_b16": "Train step, character model, batch 16"}
samples = {"train_lstm_b64": 64, "forward_lstm_b1": 1, "train_char_lstm_b16": 16}
for line in open(sys.argv[1], encoding="utf-8"):
    side, _, rest = line.partition(" ")
    rest = rest.strip()
    if side == "pytorch" and rest.startswith("{"):
        rec = json.loads(rest)
        v = rec["value"]
        us = v / 1e3 if rec["unit"] == "ns" else samples[rec["name"]] / v * 1e6
        key, setting = (names[rec["name"]], side), f"{rec['threads']}t"
    elif side in ("ours", "libtorch"):
        m = re.match(r"(.*) \((\d+t)\)\s+([\d,.]+) µs", rest)
        if not m:
            continue
        key, setting, us = (m.group(1), side), m.group(2), float(m.group(3).replace(",", ""))
    else:
        continue
    if key not in best or us < best[key][0]:
        best[key] = (us, setting)
print("\nBest of every round and thread setting (µs per call; x = how many times faster ours is):")
for metric in names.values():
    o = best.get((metric, "ours"))
    cells = [f"{metric}: ours {o[0]:,.1f} ({o[1]})" if o else f"{metric}: ours n/a"]
    anchors = [(side, best.get((metric, side))) for side in ("libtorch", "pytorch")]
    for side, a in anchors:
        cells.append(f"{side} {a[0]:,.1f} ({a[1]}), x {a[0] / o[0]:.2f}" if a and o else f"{side} n/a")
    present = [a for _, a in anchors if a]
    if o and present:
        cells.append(f"x faster anchor {min(a[0] for a in present) / o[0]:.2f}")
    print("  " + "; ".join(cells))
EOF
