#!/usr/bin/env bash
# The fixed cost of a run (issue #15): what every `arroyo run` process pays before and around
# its first record, measured on runs that do almost nothing else. Each case is run N times,
# interleaved; the median by CPU (user+sys) is printed with its wall time, peak RSS, every run's
# CPU and the load average around the runs (the machine is shared: CPU seconds, not wall time,
# are the figure to compare).
#   bench/startup.sh [--repeat N] [--cli PATH]   PATH: another build's .build/cli (a "before")
# Cases:
#   nexmark-1   one nexmark event into blackhole (planning, state dir, HTTP server, final checkpoint)
#   json-1      a one-line NDJSON file through a projection into blackhole
#   nexmark-1-noapi  nexmark-1 with api.enabled = false (the HTTP server's share)
# Prints a markdown table on stdout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

repeat=7
cli=""
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) repeat="$2"; shift ;;
    --cli) cli="$2"; shift ;;
    *) echo "usage: bench/startup.sh [--repeat N] [--cli PATH]" >&2; exit 2 ;;
  esac
  shift
done
[ -x /usr/bin/time ] || { apt-get install -y time >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y time >/dev/null 2>&1); }

if [ -z "$cli" ]; then
  ./arroyo --help >/dev/null
  cli="$root/.build/cli"
fi
# Runs start the built CLI directly: ./arroyo would look for changed sources before each one.
if [ -x "$cli/arroyo" ]; then arroyo=("$cli/arroyo"); else arroyo=(dotnet "$cli/arroyo.dll"); fi

work="${BENCH_WORK:-$root/.build/bench}/startup"
mkdir -p "$work"
cat > "$work/nexmark-1.sql" <<'SQL'
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '1');
CREATE TABLE out WITH (connector = 'blackhole');
INSERT INTO out SELECT bid.auction, bid.price FROM nexmark WHERE bid IS NOT NULL;
SQL
echo '{"auction":1000,"bidder":2001,"price":123,"channel":"Google","url":"https://x/y","datetime":"2015-07-15T00:00:00.000Z","extra":""}' > "$work/one.ndjson"
cat > "$work/json-1.sql" <<SQL
CREATE TABLE bids (auction BIGINT, bidder BIGINT, price BIGINT, channel TEXT, url TEXT, datetime TIMESTAMP NOT NULL, extra TEXT,
  WATERMARK FOR datetime AS datetime - INTERVAL '1 millisecond')
  WITH (connector = 'single_file', path = '$work/one.ndjson', format = 'json', type = 'source');
CREATE TABLE out WITH (connector = 'blackhole', format = 'json');
INSERT INTO out SELECT auction, bidder, price, datetime FROM bids;
SQL

cases=(nexmark-1 json-1 nexmark-1-noapi)
results="$work/results.txt"
: > "$results"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 0; i < repeat; i++)); do
  for name in "${cases[@]}"; do
    sql="$work/${name%-noapi}.sql"
    extra=()
    [ "$name" = nexmark-1-noapi ] && extra=(env ARROYO__API__ENABLED=false)
    rm -rf "$work/state"
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "${extra[@]}" "${arroyo[@]}" run -q -p 1 -s "$work/state" "$sql" >"$work/$name.log" 2>&1 ||
      { echo "FAILED: $name (see $work/$name.log)" >&2; tail -5 "$work/$name.log" >&2; exit 1; }
    echo "$name $(tail -1 "$work/time.txt")" >> "$results"
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$results" "$repeat" "$cli" "$load_before" "$load_after" <<'PY'
import sys
from collections import defaultdict
path, repeat, cli, load_before, load_after = sys.argv[1:6]
runs = defaultdict(list)
for line in open(path):
    f = line.split()
    runs[f[0]].append([float(x) for x in f[1:5]])
cpu = lambda r: r[1] + r[2]
print(f"Fixed cost of a run ({cli}), {repeat} interleaved runs per case, the median by CPU (user+sys); "
      f"load average {load_before} before, {load_after} after.\n")
print("| case | CPU s | wall s | peak RSS | CPU s of each run |")
print("|---|---|---|---|---|")
for name, rs in runs.items():
    m = sorted(rs, key=cpu)[len(rs) // 2]
    print(f"| {name} | {cpu(m):.2f} | {m[0]:.2f} | {m[3] / 1024:.0f} MB | {', '.join(f'{cpu(r):.2f}' for r in rs)} |")
PY
