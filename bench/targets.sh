#!/usr/bin/env bash
# Every measure of issue #15's target table, one after the other, into bench/results/targets.md:
#   1. Nexmark per core at -p 1 (bench/run.sh --only: q0 q1 q2 q8 q3 q5 q7 q11 q12 q4 q16 q20 q21 q22)
#   2. -p 1 against -p 2 wall time, q0 q5 q7 and the JSON file hop (bench/scaling.sh)
#   3. JSON file queries against DuckDB and the decoder against a bare reader (bench/json.sh)
#   4. memory per key, checkpoint and restore times at 10 M and 1 M keys (bench/state-memory.sh)
#   5. filter pipeline latency p50/p99 and q0 into a file beside it (bench/latency.sh)
# Needs a quiet machine (about 40 minutes on 2 cores); each part can be left out:
#   bench/targets.sh [--repeat N] [--skip nexmark,scaling,json,state,latency]
# RESULTS.md's first section ("Where issue #15's targets stand") is written by hand from this file.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
repeat=3
skip=""
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) repeat="$2"; shift ;;
    --skip) skip="$2"; shift ;;
    *) echo "usage: bench/targets.sh [--repeat N] [--skip nexmark,scaling,json,state,latency]" >&2; exit 2 ;;
  esac
  shift
done
wanted() { [[ ",$skip," != *",$1,"* ]]; }
out="bench/results/targets.md"
mkdir -p bench/results
./arroyo --help >/dev/null

# part NAME TITLE COMMAND...: runs one script, its markdown output (or its failure) under a heading with the load average.
part() {
  local name="$1" title="$2"; shift 2
  wanted "$name" || return 0
  echo "== $title" >&2
  local before; before="$(cut -d' ' -f1-3 /proc/loadavg)"
  local body
  if body="$("$@")"; then :; else body="FAILED (exit $?): $*"; fi
  {
    echo "## $title"
    echo
    echo "\`$*\`, $(date -u '+%Y-%m-%d %H:%M UTC'), load average $before before, $(cut -d' ' -f1-3 /proc/loadavg) after."
    echo
    echo "$body"
    echo
  } >> "$out"
}

{
  echo "# Issue #15 targets, measured by bench/targets.sh"
  echo
  echo "Commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)'), $(nproc) cores, .NET $(dotnet --version)."
  echo
} > "$out"

nexmark() {
  bench/run.sh --only q0,q1,q2,q8,q3,q5,q7,q11,q12,q4,q16,q20,q21,q22 --repeat "$repeat" >&2
  # The Nexmark section of the run's tables: the lines after its heading, up to the next heading.
  awk '/^## / { inside = ($0 ~ /^## Nexmark/); next } inside' bench/results/latest.md
}
part nexmark "Nexmark per core at -p 1" nexmark
part scaling "-p 1 against -p 2" bench/scaling.sh "$repeat"
part json "JSON file queries against DuckDB" bench/json.sh --repeat "$repeat"
part state "Updating-aggregate state, 10 M keys" bench/state-memory.sh 10000000 60
part state "Updating-aggregate state, 1 M keys" bench/state-memory.sh 1000000 40
part latency "Latency" bench/latency.sh --repeat "$repeat"
echo "wrote $out" >&2
