#!/usr/bin/env bash
# What watching a pipeline costs: Nexmark q0 and q5 through ./arroyo run, events per CPU-second
#   off:    api.enabled = false (no HTTP server; the subtasks' per-batch counters and the
#           host's once-a-second sampling remain, as they are part of the engine)
#   idle:   the HTTP server on, never requested (its start-up and idle cost alone)
#   on:     the HTTP server, scraped like a Prometheus server and an open dashboard would:
#           /metrics and the dashboard's API calls once a second for the whole run
#   before: (with --before REF) the CLI built from git REF, e.g. the commit before the server
# Runs are interleaved (off, on, before, off, on, …) so the drift of a shared machine hits
# every mode alike; the median of each is reported.
# Whole-process figures include fixed costs (the server's start, the first scrape's JIT: about
# 0.2-0.5 CPU-s); --marginal also runs each mode at twice the events and reports the cost of
# the extra events alone (the steady-state rate, where only per-batch counting can differ).
#   bench/metrics-overhead.sh [--repeat N] [--events N] [--before REF] [--queries "q0 q5"] [--marginal]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
repeat=5
events=30000000
before=""
queries="q0 q5"
marginal=0
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) repeat="$2"; shift ;;
    --events) events="$2"; shift ;;
    --before) before="$2"; shift ;;
    --queries) queries="$2"; shift ;;
    --marginal) marginal=1 ;;
    *) echo "usage: bench/metrics-overhead.sh [--repeat N] [--events N] [--before REF]" >&2; exit 2 ;;
  esac
  shift
done
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
work="$root/.build/bench-metrics"
mkdir -p "$work"
./arroyo --help >/dev/null
modes=(off idle on)
if [ -n "$before" ]; then
  # The other build's sources from git, published as ./arroyo publishes (Release, ReadyToRun).
  commit="$(git rev-parse "$before")"
  if [ "$(cat "$work/before/commit" 2>/dev/null)" != "$commit" ]; then
    rm -rf "$work/before" && mkdir -p "$work/before/src"
    git archive "$commit" | tar -x -C "$work/before/src"
    dotnet publish "$work/before/src/src/Arroyo.Cli/Arroyo.Cli.csproj" -c Release --use-current-runtime --self-contained false \
      -p:PublishReadyToRun=true -o "$work/before/cli" --nologo -v quiet -clp:ErrorsOnly >/dev/null
    echo "$commit" > "$work/before/commit"
  fi
  modes+=(before)
fi

# scrape LOG: once the log names the server, GETs what Prometheus and an open dashboard would,
# each second, from one process with one kept-alive connection (so the scraper's own start-ups
# do not compete with the pipeline for the machine's two cores).
scrape() {
  python3 - "$1" <<'PY'
import http.client, re, sys, time
log, deadline = sys.argv[1], time.time() + 60
match = None
while match is None and time.time() < deadline:
    try:
        match = re.search(r"dashboard at http://([^/\s]+)/pipelines/(pl_[0-9a-f]+)", open(log).read())
    except OSError:
        pass
    time.sleep(0.05)
if match is None:
    sys.exit(0)
host, pid = match.group(1), match.group(2)
job = "job_" + pid[3:]
paths = ["/metrics", f"/api/v1/pipelines/{pid}"] + [f"/api/v1/pipelines/{pid}/jobs/{job}/{p}" for p in
         ["operator_metrics", "checkpoints", "errors", "operator_metric_groups"]]
connection = http.client.HTTPConnection(host, timeout=10)
while True:
    try:
        for path in paths:
            connection.request("GET", path)
            connection.getresponse().read()
    except (OSError, http.client.HTTPException):
        break  # the run ended and its server with it
    time.sleep(1)
PY
}

results="$work/results.txt"
: > "$results"
sizes=("$events")
[ $marginal -eq 1 ] && sizes+=($((events * 2)))
for q in $queries; do
  for n in "${sizes[@]}"; do
    sed "s/message_count = '[0-9]*'/message_count = '$n'/" "bench/nexmark/$q.sql" > "$work/$q-$n.sql"
  done
  for ((i = 0; i < repeat; i++)); do
    for n in "${sizes[@]}"; do
    sql="$work/$q-$n.sql"
    for mode in "${modes[@]}"; do
      log="$work/$q-$mode.log"; state="$work/state-$q-$mode"; rm -rf "$state"
      case "$mode" in
        off) cli=(./arroyo); env=(ARROYO__API__ENABLED=false) ;;
        idle|on) cli=(./arroyo); env=(ARROYO__API__ENABLED=true) ;;
        before) cli=(dotnet "$work/before/cli/arroyo.dll"); env=() ;;
      esac
      [ "$mode" = on ] && { scrape "$log" & scraper=$!; }
      env "${env[@]}" /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "${cli[@]}" run -s "$state" "$sql" >"$log" 2>&1 ||
        { echo "FAILED: $q $mode (see $log)" >&2; tail -5 "$log" >&2; exit 1; }
      if [ "$mode" = on ]; then wait "$scraper" || true; fi
      read -r wall user sys rss < "$work/time.txt"
      echo "$q $mode $wall $user $sys $rss $n" >> "$results"
      echo "$q $mode $n events run $((i + 1)): wall $wall s, CPU $(python3 -c "print(round($user + $sys, 2))") s" >&2
    done
    done
  done
done

python3 - "$results" "$events" <<'PY'
import sys, statistics
all_rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
events = int(sys.argv[2])
rows = [r for r in all_rows if int(r[6]) == events]
print(f"| query | mode | runs | median CPU s | events per CPU-s (median) | min-max events per CPU-s | median wall s |")
print("|---|---|---|---|---|---|---|")
for q in sorted({r[0] for r in rows}):
    base = None
    for mode in ["off", "idle", "on", "before"]:
        runs = [r for r in rows if r[0] == q and r[1] == mode]
        if not runs: continue
        cpu = [float(r[3]) + float(r[4]) for r in runs]
        eps = [events / c for c in cpu]
        med = statistics.median(eps)
        note = "" if base is None else f" ({(med / base - 1) * 100:+.1f} % vs off)"
        if mode == "off": base = med
        print(f"| {q} | {mode} | {len(runs)} | {statistics.median(cpu):.2f} | {med / 1e6:.2f} M{note} | {min(eps) / 1e6:.2f}-{max(eps) / 1e6:.2f} M | {statistics.median(float(r[2]) for r in runs):.2f} |")
double = [r for r in all_rows if int(r[6]) == 2 * events]
if double:
    print()
    print(f"Marginal: the CPU of {events / 1e6:g} M more events ({2 * events / 1e6:g} M minus {events / 1e6:g} M, medians), fixed costs cancelled.")
    print()
    print("| query | mode | extra CPU s | events per CPU-s |")
    print("|---|---|---|---|")
    for q in sorted({r[0] for r in double}):
        base = None
        for mode in ["off", "idle", "on", "before"]:
            small = [float(r[3]) + float(r[4]) for r in rows if r[0] == q and r[1] == mode]
            large = [float(r[3]) + float(r[4]) for r in double if r[0] == q and r[1] == mode]
            if not small or not large: continue
            extra = statistics.median(large) - statistics.median(small)
            rate = events / extra
            note = "" if base is None else f" ({(rate / base - 1) * 100:+.1f} % vs off)"
            if mode == "off": base = rate
            print(f"| {q} | {mode} | {extra:.2f} | {rate / 1e6:.2f} M{note} |")
PY
