#!/usr/bin/env bash
# Memory of a big updating aggregate across checkpoints (issue #18 item 8): an impulse source
# keyed into K distinct keys (default 1 M), checkpointed every few seconds while it runs.
# Samples the process's RSS once a second, then stops it with SIGINT, then restores from the
# state dir and reports the restore's peak RSS. Prints one markdown table.
#   bench/state-memory.sh [KEYS] [SECONDS]     defaults: 1000000 keys, 60 s
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
keys="${1:-1000000}"
seconds="${2:-60}"
work="${BENCH_WORK:-$root/.build/bench}/state-memory"
rm -rf "$work" && mkdir -p "$work"
[ -x /usr/bin/time ] || { apt-get install -y time >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y time >/dev/null 2>&1); }
./arroyo --help >/dev/null   # build first

# All keys exist after about a second; from then on the state's size is steady, so a steady
# RSS is the expectation and a climbing one is retained checkpoint buffers.
cat > "$work/q.sql" <<SQL
CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '$(( keys * 2 ))');
CREATE TABLE out WITH (connector = 'blackhole', format = 'debezium_json');
INSERT INTO out SELECT counter % $keys AS k, count(*) AS c FROM impulse GROUP BY counter % $keys;
SQL

rss_mb() { awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$1/status" 2>/dev/null || echo 0; }

ARROYO__DEFAULT_CHECKPOINT_INTERVAL=5s ./arroyo run -s "$work/state" "$work/q.sql" >"$work/run.log" 2>&1 &
pid=$!
samples=()
for _ in $(seq "$seconds"); do
  sleep 1
  kill -0 "$pid" 2>/dev/null || break
  samples+=("$(rss_mb "$pid")")
done
kill -INT "$pid" 2>/dev/null || true
wait "$pid" || { echo "run failed:"; tail -5 "$work/run.log"; exit 1; }
checkpoints=$(grep -c 'checkpoint [0-9]* complete' "$work/run.log" || true)
last_bytes=$(grep -o 'complete in [0-9]* ms, [0-9]* bytes' "$work/run.log" | tail -1 | awk '{print $5}')

ARROYO__DEFAULT_CHECKPOINT_INTERVAL=1s ARROYO__DEBUG__STOP_AFTER_CHECKPOINTS=1 \
  /usr/bin/time -f "%M" -o "$work/restore-time.txt" ./arroyo run -s "$work/state" "$work/q.sql" >"$work/restore.log" 2>&1
restore_peak=$(( $(tail -1 "$work/restore-time.txt") / 1024 ))

python3 - "$keys" "$checkpoints" "${last_bytes:-0}" "$restore_peak" "${samples[@]}" <<'PY'
import sys
keys, cks, last, restore = (int(x) for x in sys.argv[1:5])
s = [int(x) for x in sys.argv[5:]]
third = max(1, len(s) // 3)
print("| keys | checkpoints | last checkpoint | run peak RSS | RSS, first third (min–max) | RSS, last third (min–max) | restore peak RSS |")
print("|---|---|---|---|---|---|---|")
print(f"| {keys/1e6:g} M | {cks} | {last/1e6:.0f} MB | {max(s)} MB | {min(s[:third])}–{max(s[:third])} MB | {min(s[-third:])}–{max(s[-third:])} MB | {restore} MB |")
PY
