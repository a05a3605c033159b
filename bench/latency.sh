#!/usr/bin/env bash
# End-to-end latency of a filter pipeline, and the throughput of a file sink beside it.
#   1. impulse at 10 000 events/s → filter → stdout: each row carries its event time
#      (impulse stamps a row when it emits it); a reader on the other end of the pipe takes
#      wall clock minus that time for every line it reads: p50 / p99 / max.
#   2. Nexmark q0 into a single_file JSON sink: wall and CPU seconds (medians), so a change
#      that lowers latency is seen not to cost throughput into files.
# With --baseline DLL both are also run with another build (e.g. one of main), interleaved
# run by run, so machine load hits both alike.
#   bench/latency.sh [--seconds 10] [--rate 10000] [--q0-events 5000000] [--repeat 3] [--baseline path/arroyo.dll]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

seconds=10
rate=10000
q0_events=5000000
repeat=3
baseline=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift ;;
    --rate) rate="$2"; shift ;;
    --q0-events) q0_events="$2"; shift ;;
    --repeat) repeat="$2"; shift ;;
    --baseline) baseline="$2"; shift ;;
    *) echo "usage: bench/latency.sh [--seconds N] [--rate R] [--q0-events N] [--repeat N] [--baseline path/arroyo.dll]" >&2; exit 2 ;;
  esac
  shift
done
[ -x /usr/bin/time ] || { echo "bench/latency.sh needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

work="${BENCH_WORK:-$root/.build/bench}/latency"
mkdir -p "$work"
./arroyo --help >/dev/null   # builds the CLI first, so no figure includes a build
builds=("this:$root/.build/cli/arroyo.dll")
[ -n "$baseline" ] && builds+=("baseline:$baseline")

cat > "$work/filter.sql" <<SQL
CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '$rate');
SELECT counter, CAST(_timestamp AS BIGINT) AS event_nanos FROM impulse WHERE counter % 2 = 0;
SQL

# latency DLL: runs the filter pipeline for $seconds, prints "p50_ms p99_ms max_ms rows".
latency() {
  python3 - "$1" "$work/filter.sql" "$seconds" "$work/state-latency" <<'PY'
import json, os, shutil, signal, subprocess, sys, time
dll, query, seconds, state = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
shutil.rmtree(state, ignore_errors=True)
proc = subprocess.Popen(["dotnet", dll, "run", "-s", state, query], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
lat, first = [], None
# A buffered reader's readline returns as soon as a whole line has arrived (it does not wait
# to fill its buffer); an unbuffered one would read byte by byte and fall behind.
with proc.stdout as out:
    for line in iter(out.readline, b""):
        now = time.time_ns()
        row = json.loads(line)
        if first is None:
            first = now
        # The first second is start-up (JIT, the first checkpoint's files): not steady state.
        if now - first > 1e9:
            lat.append((now - row["event_nanos"]) / 1e6)
        if now - first > (seconds + 1) * 1e9:
            proc.send_signal(signal.SIGINT)
            break
    for _ in out:
        pass
proc.wait()
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"{q(0.5):.2f} {q(0.99):.2f} {lat[-1]:.2f} {len(lat)}")
PY
}

cat > "$work/q0-file.sql" <<SQL
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '$q0_events');
CREATE TABLE out (auction BIGINT, bidder BIGINT, price BIGINT, datetime TIMESTAMP, extra TEXT)
  WITH (connector = 'single_file', path = '$work/q0-out.json', format = 'json', type = 'sink');
INSERT INTO out SELECT bid.auction, bid.bidder, bid.price, bid.datetime, bid.extra FROM nexmark WHERE bid IS NOT NULL;
SQL

# q0_file DLL: prints "wall user sys".
q0_file() {
  rm -rf "$work/state-q0" "$work/q0-out.json"
  /usr/bin/time -f "%e %U %S" -o "$work/time.txt" dotnet "$1" run -s "$work/state-q0" "$work/q0-file.sql" >"$work/q0.log" 2>&1 ||
    { echo "q0 into a file failed (see $work/q0.log)" >&2; tail -5 "$work/q0.log" >&2; exit 1; }
  tail -1 "$work/time.txt"
}

declare -A lat_runs q0_runs
for ((i = 0; i < repeat; i++)); do
  for b in "${builds[@]}"; do
    name="${b%%:*}"; dll="${b#*:}"
    echo "run $((i + 1))/$repeat, $name: latency..." >&2
    lat_runs[$name]+="$(latency "$dll")"$'\n'
    echo "run $((i + 1))/$repeat, $name: q0 into a file..." >&2
    q0_runs[$name]+="$(q0_file "$dll")"$'\n'
  done
done

echo "## Latency and file throughput ($(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "impulse $rate/s → filter (half the rows) → stdout, ${seconds} s after a 1 s warm-up, read by a pipe; medians of $repeat runs (each run's p99 in brackets)."
echo
echo "| build | p50 ms | p99 ms | max ms | rows | q0 → single_file: wall s | CPU s | q0 CPU s of each run |"
echo "|---|---|---|---|---|---|---|---|"
for b in "${builds[@]}"; do
  name="${b%%:*}"
  python3 - "$name" "$q0_events" "${lat_runs[$name]}" "${q0_runs[$name]}" <<'PY'
import statistics, sys
name, n, lat, q0 = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
lat = [list(map(float, l.split())) for l in lat.splitlines() if l.strip()]
q0 = [list(map(float, l.split())) for l in q0.splitlines() if l.strip()]
med = lambda xs: statistics.median(xs)
cpu = [u + s for _, u, s in q0]
print(f"| {name} | {med([l[0] for l in lat]):.2f} | {med([l[1] for l in lat]):.2f} ({' / '.join(f'{l[1]:.1f}' for l in lat)}) | "
      f"{med([l[2] for l in lat]):.1f} | {int(med([l[3] for l in lat]))} | {med([w for w, _, _ in q0]):.2f} | {med(cpu):.2f} | "
      f"{' / '.join(f'{c:.2f}' for c in cpu)} ({n/1e6:.0f} M events) |")
PY
done
