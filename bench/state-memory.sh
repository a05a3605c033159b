#!/usr/bin/env bash
# Memory per key, checkpoint and restore times of a big updating aggregate (issue #15 item 1).
# Three runs of an impulse source keyed by `counter`, checkpointed every 5 s, stopped with SIGINT:
#   base   1 000 keys                    the process without state (subtracted from the others)
#   full   KEYS keys, all changing        steady and checkpointing RSS, full checkpoint time
#   delta  KEYS keys, then 1 % changing   incremental checkpoint time
# then restores of the `full` state dir (read + verify, then the operator's restore): at -p 1,
# then at -p RESTORE_PARALLELISM (default 2; each subtask reads only its key range).
# Memory per key = (RSS − the base run's RSS) / KEYS, RSS sampled every 0.5 s; "steady" is the
# median of the samples outside checkpoints, "checkpointing" the highest sample during one.
#   bench/state-memory.sh [KEYS] [SECONDS]     defaults: 1000000 keys, 40 s per run
# ARROYO_CMD picks the CLI (default ./arroyo), e.g. ARROYO_CMD="dotnet /other/build/arroyo.dll"
# to measure another build on the same machine in the same session.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
keys="${1:-1000000}"
seconds="${2:-40}"
read -r -a cli <<< "${ARROYO_CMD:-./arroyo}"
work="${BENCH_WORK:-$root/.build/bench}/state-memory"
rm -rf "$work" && mkdir -p "$work"
[ -x /usr/bin/time ] || { apt-get install -y time >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y time >/dev/null 2>&1); }
"${cli[@]}" --help >/dev/null   # build first

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# Events per second: enough to create every key within a few seconds.
rate=$(( keys * 2 > 4000000 ? 4000000 : keys * 2 ))
[ "$rate" -lt 200000 ] && rate=200000

# run NAME KEY-EXPRESSION SECONDS: samples "<ms since start> <rss kB>" into NAME.rss
run() {
  local name="$1" key="$2" secs="$3"
  cat > "$work/$name.sql" <<SQL
CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '$rate');
CREATE TABLE out WITH (connector = 'blackhole', format = 'debezium_json');
INSERT INTO out SELECT $key AS k, count(*) AS c FROM impulse GROUP BY $key;
SQL
  ARROYO__DEFAULT_CHECKPOINT_INTERVAL=5s "${cli[@]}" run -s "$work/$name-state" "$work/$name.sql" >"$work/$name.log" 2>&1 &
  local pid=$! start
  start=$(date +%s%3N)
  : > "$work/$name.rss"
  for _ in $(seq $(( secs * 2 ))); do
    sleep 0.5
    kill -0 "$pid" 2>/dev/null || break
    echo "$(( $(date +%s%3N) - start )) $(rss_kb "$pid")" >> "$work/$name.rss"
  done
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" || { echo "run $name failed:"; tail -5 "$work/$name.log"; exit 1; }
  echo "$start" > "$work/$name.start"
}

# The keys are BIGINT, as the issue's target says ("int keys"): `counter` is an unsigned BIGINT, and
# `counter % 1000` alone is DECIMAL(20, 0) (the common type of unsigned and signed 64-bit integers),
# a 17-byte key where a BIGINT is 9.
run base "CAST(counter % 1000 AS BIGINT)" 20
run full "CAST(counter % $keys AS BIGINT)" "$seconds"
run delta "CAST(CASE WHEN counter < $keys THEN counter ELSE counter % $(( keys / 100 )) END AS BIGINT)" "$seconds"

# restore NAME PARALLELISM: a run restoring the `full` state dir until its first checkpoint
restore() {
  ARROYO__DEFAULT_CHECKPOINT_INTERVAL=1s ARROYO__DEBUG__STOP_AFTER_CHECKPOINTS=1 \
    /usr/bin/time -f "%e %U %S %M" -o "$work/$1-time.txt" "${cli[@]}" run -p "$2" -s "$work/full-state" "$work/full.sql" >"$work/$1.log" 2>&1
}
restore restore 1
restore restore-p "${RESTORE_PARALLELISM:-2}"

python3 - "$work" "$keys" <<'PY'
import re, statistics, sys, datetime
work, keys = sys.argv[1], int(sys.argv[2])

def stamp(line):
    return datetime.datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc).timestamp() * 1000

def load(name):
    start = int(open(f"{work}/{name}.start").read())
    samples = [tuple(int(x) for x in l.split()) for l in open(f"{work}/{name}.rss") if l.strip()]
    cks = []  # (start ms, end ms, duration ms, bytes) relative to the process start
    for l in open(f"{work}/{name}.log"):
        m = re.search(r"checkpoint (\d+) complete in (\d+) ms, (\d+) bytes", l)
        if m:
            end = stamp(l) - start
            cks.append((end - int(m.group(2)), end, int(m.group(2)), int(m.group(3))))
    return samples, cks

def during(t, cks):
    return any(s - 250 <= t <= e + 250 for s, e, _, _ in cks)

base_s, _ = load("base")
base = statistics.median(r for _, r in base_s[len(base_s) // 3:])
full_s, full_c = load("full")
delta_s, delta_c = load("delta")
later = full_s[len(full_s) // 3:]
steady = statistics.median([r for t, r in later if not during(t, full_c)] or [r for _, r in later])
peak_ck = max([r for t, r in full_s if during(t, full_c) and t > full_s[len(full_s) // 3][0]] or [0])
per_key = lambda kb: (kb - base) * 1024 / keys
# With 1 % of the keys changing, a flush emits little: RSS is mostly the state itself.
quiet = [r for t, r in delta_s[len(delta_s) // 2:] if not during(t, delta_c)]
quiet_steady = statistics.median(quiet) if quiet else 0
full_times = [d for _, _, d, _ in full_c[1:]] or [d for _, _, d, _ in full_c]
# Delta checkpoints: those after every key exists (the first two or three are full ones).
delta_times = [d for _, _, d, _ in delta_c[2:]]
def restored(name):
    log = open(f"{work}/{name}.log").read()
    read = re.search(r"read and verified in (\d+) ms", log)
    # The subtasks' opening (where operators rebuild their tables), as the runtime logs it: the slowest.
    opened = [int(x) for x in re.findall(r"restored state of checkpoint \d+ in (\d+) ms", log)]
    wall, user, system, peak = open(f"{work}/{name}-time.txt").read().split()[-4:]
    return f"{read.group(1) if read else '?'}, {max(opened) if opened else '?'} | {wall} ({float(user) + float(system):.1f} CPU) | {int(peak)/1024:.0f} MB"
print("| keys | base RSS | steady B/key, all keys changing | steady B/key, 1 % changing | checkpointing B/key (peak) | full checkpoint ms (median, n) | 1 %-changed checkpoint ms (median, n) | restore -p 1: read+verify ms, operator ms | its run s (incl. start, 1 s, a checkpoint) | its peak RSS | restore -p N: read+verify ms, slowest subtask ms | its run s | its peak RSS |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
med = lambda xs: f"{statistics.median(xs):.0f}" if xs else "–"
print(f"| {keys/1e6:g} M | {base/1024:.0f} MB | {per_key(steady):.0f} | {per_key(quiet_steady):.0f} | {per_key(peak_ck):.0f} | {med(full_times)} ({len(full_times)}) | "
      f"{med(delta_times)} ({len(delta_times)}) | {restored('restore')} | {restored('restore-p')} |")
PY
