#!/usr/bin/env bash
# -p 1 against -p 2 (issue #15's scaling target: wall-time speed-up >= 1.8x on 2 cores) for
# Nexmark q0, q5, q7 and the JSON file hop query of bench/json.sh (its single_file source split
# into byte ranges, so both subtasks read). Each case runs at -p 1 and -p 2 alternately, RUNS
# times; the table shows medians of wall time and CPU (user+sys), the speed-up (median wall at
# -p 1 / median wall at -p 2) and every run's wall time. Whole processes, start-up included:
# with a fixed cost of ~0.5 CPU-s (start-up and the final checkpoint, mostly one thread) a short
# run cannot reach 1.8x, so the event counts are set large enough for the queries' own work to
# dominate; the fixed cost is shown (a 1-event q0 run) to read the speed-ups against.
# Needs a quiet machine: with other work on the 2 cores the wall times say nothing.
#   bench/scaling.sh [RUNS]          (default 3)
# NEXMARK_EVENTS (default 30000000, for q7 too since it keeps only the rows at its window's
# maximum; it ran a sixth while it kept every bid of the window)
# and JSON_EVENTS (default 3000000, ~1 GB) set the sizes; ARROYO_CMD picks the CLI (default the
# built .build/cli/arroyo.dll, after ./arroyo has built it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
runs="${1:-3}"
nexmark_events="${NEXMARK_EVENTS:-30000000}"
json_events="${JSON_EVENTS:-3000000}"
work="${BENCH_WORK:-$root/.build/bench}/scaling"
rm -rf "$work" && mkdir -p "$work"
[ -x /usr/bin/time ] || { apt-get install -y time >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y time >/dev/null 2>&1); }
./arroyo --help >/dev/null
read -r -a cli <<< "${ARROYO_CMD:-dotnet $root/.build/cli/arroyo.dll}"

# The JSON file (made once by bench/json.sh, shared with it) and the hop query over it.
BENCH_WORK="$(dirname "$work")" bench/json.sh --events "$json_events" --generate-only
json="$(dirname "$work")/bids-$json_events.ndjson"
cat > "$work/hop.sql" <<SQL
CREATE TABLE bids (auction BIGINT, bidder BIGINT, price BIGINT, channel TEXT, url TEXT, datetime TIMESTAMP NOT NULL, extra TEXT,
  WATERMARK FOR datetime AS datetime - INTERVAL '1 millisecond')
  WITH (connector = 'single_file', path = '$json', format = 'json', type = 'source');
CREATE TABLE out WITH (connector = 'blackhole', format = 'json');
INSERT INTO out SELECT hop(interval '1 millisecond', interval '5 millisecond') AS w, count(*) AS c, max(price) AS m FROM bids GROUP BY 1;
SQL
with_count() { sed "s/message_count = '[0-9]*'/message_count = '$2'/" "bench/nexmark/$1.sql" > "$work/$1.sql"; }
with_count q0 "$nexmark_events"
with_count q5 "$nexmark_events"
with_count q7 "$nexmark_events"
sed "s/message_count = '[0-9]*'/message_count = '1'/" bench/nexmark/q0.sql > "$work/fixed.sql"
export ARROYO__DEBUG__SPLIT_SINGLE_FILE=true

results="$work/results.txt"
: > "$results"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 0; i < runs; i++)); do
  for case in fixed q0 q5 q7 hop; do
    for p in 1 2; do
      [ "$case" = fixed ] && [ "$p" = 2 ] && continue
      echo "run $((i + 1))/$runs: $case -p $p" >&2
      rm -rf "$work/state"
      # q7's one window must stay open for the whole run, and q5's first window closes at the same
      # point of every run (see bench/align-window.py).
      [ "$case" = q7 ] && bench/align-window.py 10
      [ "$case" = q5 ] && bench/align-window.py 2
      /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "${cli[@]}" run -q -p "$p" -s "$work/state" "$work/$case.sql" > "$work/$case-$p.log" 2>&1 ||
        { echo "FAILED: $case -p $p (see $work/$case-$p.log)" >&2; tail -5 "$work/$case-$p.log" >&2; exit 1; }
      echo "$case $p $(tail -1 "$work/time.txt")" >> "$results"
    done
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$results" "$runs" "$nexmark_events" "$json_events" "$load_before" "$load_after" <<'PY'
import sys
from collections import defaultdict
path, runs, nexmark_events, json_events, load_before, load_after = sys.argv[1:7]
nexmark_events, json_events = int(nexmark_events), int(json_events)
times = defaultdict(list)
for line in open(path):
    case, p, wall, user, sys_, rss = line.split()
    times[(case, int(p))].append((float(wall), float(user) + float(sys_), int(rss) / 1024))
med = lambda xs: sorted(xs)[len(xs) // 2]
print(f"{runs} interleaved runs per case; medians; load average {load_before} before, {load_after} after.\n")
fixed = times[("fixed", 1)]
print(f"Fixed cost (q0 with one event, -p 1): {med([t[1] for t in fixed]):.2f} CPU-s, {med([t[0] for t in fixed]):.2f} s wall.\n")
print("| case | events | wall s -p 1 | wall s -p 2 | speed-up (target ≥ 1.8×) | CPU s -p 1 | CPU s -p 2 | peak RSS -p 1 / -p 2 | wall s of each run (-p 1; -p 2) |")
print("|---|---|---|---|---|---|---|---|---|")
sizes = {"q0": nexmark_events, "q5": nexmark_events, "q7": nexmark_events, "hop": json_events}
names = {"q0": "q0", "q5": "q5", "q7": "q7", "hop": "JSON file hop"}
for case in ["q0", "q5", "q7", "hop"]:
    one, two = times[(case, 1)], times[(case, 2)]
    w1, w2 = med([t[0] for t in one]), med([t[0] for t in two])
    c1, c2 = med([t[1] for t in one]), med([t[1] for t in two])
    r1, r2 = med([t[2] for t in one]), med([t[2] for t in two])
    each = " ".join(f"{t[0]:.2f}" for t in one) + "; " + " ".join(f"{t[0]:.2f}" for t in two)
    print(f"| {names[case]} | {sizes[case] / 1e6:.1f} M | {w1:.2f} | {w2:.2f} | **{w1 / w2:.2f}×** | {c1:.2f} | {c2:.2f} | {r1:.0f} / {r2:.0f} MB | {each} |")
PY
