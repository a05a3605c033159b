#!/usr/bin/env bash
# JSON file queries, the engine against DuckDB: the same NDJSON file of Nexmark bids, the same
# query (projection, filter, tumbling and hopping windows, an updating GROUP BY), the answers
# compared row for row; whole processes timed by /usr/bin/time (CPU = user+sys), the engine at
# -p 1 and DuckDB with one thread (DuckDB.NET, bench/DuckDbPeer), runs interleaved, medians.
# Then the json decoder against a bare Utf8JsonReader pass (bench/JsonScan --compare, same
# process, interleaved) and the hop query's wall time at -p 1 and -p 2.
# Prints a markdown section on stdout; bench/run.sh puts it into bench/results/latest.md.
#   bench/json.sh [--events N] [--repeat N] [--queries "tumble hop"]   (--queries: a subset of
#     projection filter tumble hop updating; the hop -p 1 / -p 2 runs only when hop is in it)
#   bench/json.sh --events N --generate-only   just make the NDJSON file (bench/run.sh's JSON ingest reads it too)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

events=3000000
repeat=3
generate_only=0
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --events) events="$2"; shift ;;
    --repeat) repeat="$2"; shift ;;
    --generate-only) generate_only=1 ;;
    --queries) only="$2"; shift ;;
    *) echo "usage: bench/json.sh [--events N] [--repeat N] [--queries LIST] [--generate-only]" >&2; exit 2 ;;
  esac
  shift
done
[ -x /usr/bin/time ] || { apt-get install -y time >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y time >/dev/null 2>&1); }

work="${BENCH_WORK:-$root/.build/bench}"
mkdir -p "$work"
./arroyo --help >/dev/null
# Runs start the built CLI directly: ./arroyo would look for changed sources before each one.
# ARROYO_CLI=DIR runs another build (e.g. main's, published into a worktree of its own) for a before/after.
arroyo=(dotnet "${ARROYO_CLI:-$root/.build/cli}/arroyo.dll")
json="$work/bids-$events.ndjson"
if [ ! -s "$json" ]; then
  echo "generating $json..." >&2
  cat > "$work/jsongen.sql" <<SQL
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '$events');
CREATE TABLE bids (auction BIGINT, bidder BIGINT, price BIGINT, channel TEXT, url TEXT, datetime TIMESTAMP, extra TEXT)
  WITH (connector = 'single_file', path = '$json.tmp', format = 'json', type = 'sink');
INSERT INTO bids SELECT bid.auction, bid.bidder, bid.price, bid.channel, bid.url, bid.datetime, bid.extra
FROM nexmark WHERE bid IS NOT NULL;
SQL
  rm -rf "$json.tmp" "$work/state-jsongen"
  "${arroyo[@]}" run -q -s "$work/state-jsongen" "$work/jsongen.sql" >"$work/jsongen.log" 2>&1
  mv "$json.tmp" "$json"
fi
[ $generate_only -eq 1 ] && exit 0
for project in JsonScan DuckDbPeer; do
  out="$root/.build/$(echo "$project" | tr 'A-Z' 'a-z')"
  dotnet build "bench/$project" -c Release -o "$out" --nologo -v quiet -clp:ErrorsOnly >/dev/null
done
cat "$json" > /dev/null # page cache warm for every reader alike

# Event time of the file: 100 M events/s, so a few dozen milliseconds; windows are 1 ms wide.
engine_table="CREATE TABLE bids (auction BIGINT, bidder BIGINT, price BIGINT, channel TEXT, url TEXT, datetime TIMESTAMP NOT NULL, extra TEXT,
  WATERMARK FOR datetime AS datetime - INTERVAL '1 millisecond')
  WITH (connector = 'single_file', path = '$json', format = 'json', type = 'source');"
duck_table="CREATE VIEW bids AS SELECT * FROM read_json('$json', format = 'newline_delimited',
  columns = {auction: 'BIGINT', bidder: 'BIGINT', price: 'BIGINT', channel: 'VARCHAR', url: 'VARCHAR', datetime: 'TIMESTAMP', extra: 'VARCHAR'});"
declare -A engine_query duck_query sink_format
engine_query[projection]="SELECT auction, bidder, price, datetime FROM bids"
duck_query[projection]="SELECT auction, bidder, price, epoch_ms(datetime) FROM bids"
engine_query[filter]="SELECT auction, price FROM bids WHERE auction % 100 = 0"
duck_query[filter]="SELECT auction, price FROM bids WHERE auction % 100 = 0"
engine_query[tumble]="SELECT tumble(interval '1 millisecond') AS w, count(*) AS c, max(price) AS m FROM bids GROUP BY 1"
duck_query[tumble]="SELECT epoch_ms(datetime), count(*), max(price) FROM bids GROUP BY 1"
engine_query[hop]="SELECT hop(interval '1 millisecond', interval '5 millisecond') AS w, count(*) AS c, max(price) AS m FROM bids GROUP BY 1"
duck_query[hop]="SELECT epoch_ms(datetime) - k, count(*), max(price) FROM bids, range(0, 5) r(k) GROUP BY 1"
engine_query[updating]="SELECT bidder % 10000 AS k, count(*) AS c, sum(price) AS s FROM bids GROUP BY 1"
duck_query[updating]="SELECT bidder % 10000, count(*), sum(price) FROM bids GROUP BY 1"
sink_format[updating]="debezium_json"
queries=(projection filter tumble hop updating)
if [ -n "$only" ]; then
  for name in $only; do
    [ -n "${engine_query[$name]:-}" ] || { echo "unknown query '$name' (one of: ${queries[*]})" >&2; exit 2; }
  done
  read -r -a queries <<< "$only"
fi

# timed LOG CMD... : leaves "wall user sys maxrss_kb" in $timing.
timed() {
  local log="$1"; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >"$log" 2>&1 ||
    { echo "FAILED: $* (see $log)" >&2; tail -5 "$log" >&2; exit 1; }
  timing="$(tail -1 "$work/time.txt")"
}

# Timed runs write into blackhole: the single_file sink's own cost (encoding, staging, appending
# at each checkpoint) is not the reading and querying compared here. One more run into a file
# gives the answer that is compared with DuckDB's.
engine_run() { # NAME PARALLELISM blackhole|file
  local name="$1" p="$2" format="${sink_format[$1]:-json}" sink
  if [ "$3" = file ]; then
    sink="connector = 'single_file', path = '$work/json-$name.engine.out', type = 'sink', 'json.timestamp_format' = 'unix_millis'"
  else
    sink="connector = 'blackhole'"
  fi
  cat > "$work/json-$name.sql" <<SQL
$engine_table
CREATE TABLE out WITH ($sink, format = '$format');
INSERT INTO out ${engine_query[$name]};
SQL
  rm -rf "$work/json-$name.engine.out" "$work/state-json-$name"
  timed "$work/json-$name.engine.log" "${arroyo[@]}" run -q -p "$p" -s "$work/state-json-$name" "$work/json-$name.sql"
}

duck_run() { # NAME
  local name="$1"
  cat > "$work/json-$name.duck.sql" <<SQL
$duck_table
COPY (${duck_query[$name]}) TO '$work/json-$name.duck.out' (FORMAT csv, HEADER false);
SQL
  timed "$work/json-$name.duck.log" dotnet "$root/.build/duckdbpeer/DuckDbPeer.dll" "$work/json-$name.duck.sql"
}

results="$work/json-results.txt"
: > "$results"
for name in "${queries[@]}"; do
  echo "json $name..." >&2
  for ((i = 0; i < repeat; i++)); do
    engine_run "$name" 1 blackhole; echo "$name engine $timing" >> "$results"
    duck_run "$name"; echo "$name duckdb $timing" >> "$results"
  done
  engine_run "$name" 1 file
  python3 "$root/bench/json_answers.py" "$name" "$work/json-$name.engine.out" "$work/json-$name.duck.out" >> "$results"
done
if [[ " ${queries[*]} " == *" hop "* ]]; then
  echo "json hop -p 1 / -p 2..." >&2
  # single_file is read by one subtask unless splitting into byte ranges is turned on.
  export ARROYO__DEBUG__SPLIT_SINGLE_FILE=true
  for ((i = 0; i < repeat; i++)); do
    engine_run hop 1 blackhole; echo "hop p1 $timing" >> "$results"
    engine_run hop 2 blackhole; echo "hop p2 $timing" >> "$results"
  done
  engine_run hop 2 file
  python3 "$root/bench/json_answers.py" hop-p2 "$work/json-hop.engine.out" "$work/json-hop.duck.out" >> "$results"
  unset ARROYO__DEBUG__SPLIT_SINGLE_FILE
fi
echo "json decode vs bare reader..." >&2
echo "decode $(dotnet "$root/.build/jsonscan/JsonScan.dll" "$json" --compare "$repeat")" >> "$results"

python3 - "$results" "$json" "$repeat" <<'PY'
import os, sys
from collections import defaultdict
path, json_path, repeat = sys.argv[1], sys.argv[2], sys.argv[3]
runs = defaultdict(list); checks = {}; decode = None
for line in open(path):
    f = line.split()
    if f[0] == "decode": decode = [float(x) for x in f[1:4]]
    elif f[1] == "answer": checks[f[0]] = " ".join(f[2:])
    else: runs[(f[0], f[1])].append([float(x) for x in f[2:6]])
cpu = lambda r: r[1] + r[2]
def median(rs, key): return sorted(rs, key=key)[len(rs) // 2]
size = os.path.getsize(json_path)
lines = sum(1 for _ in open(json_path, "rb"))
print(f"File: {size/1e9:.2f} GB, {lines/1e6:.2f} M Nexmark bids (NDJSON). Engine at -p 1, DuckDB {''}with one thread (`SET threads = 1`), whole processes, "
      f"{repeat} interleaved runs each, the median by CPU; the engine writes into `blackhole`, DuckDB COPYs to a CSV file; "
      f"answers compared row for row (one more engine run into a `single_file` sink).\n")
print("| query | engine CPU s | DuckDB CPU s | ratio (target ≤ 1.0) | engine peak RSS | DuckDB peak RSS | answers | CPU s of each run (engine; DuckDB) |")
print("|---|---|---|---|---|---|---|---|")
for q in ["projection", "filter", "tumble", "hop", "updating"]:
    e, d = runs[(q, "engine")], runs[(q, "duckdb")]
    if not e or not d: continue
    me, md = median(e, cpu), median(d, cpu)
    each = ", ".join(f"{cpu(r):.2f}" for r in e) + "; " + ", ".join(f"{cpu(r):.2f}" for r in d)
    print(f"| {q} | {cpu(me):.2f} | {cpu(md):.2f} | **{cpu(me)/cpu(md):.2f}** | {me[3]/1024:.0f} MB | {md[3]/1024:.0f} MB | {checks.get(q, '?')} | {each} |")
p1, p2 = runs[("hop", "p1")], runs[("hop", "p2")]
if p1 and p2:
    w1, w2 = median(p1, lambda r: r[0]), median(p2, lambda r: r[0])
    print(f"\nHop at -p 1 vs -p 2 (wall s, medians of {repeat}, interleaved): {w1[0]:.2f} vs {w2[0]:.2f}, "
          f"speed-up **{w1[0]/w2[0]:.2f}×** (target ≥ 1.8×); CPU s {cpu(w1):.2f} vs {cpu(w2):.2f}; answers at -p 2 {checks.get('hop-p2', '?')}.")
if decode:
    print(f"\nDecoder against a bare `Utf8JsonReader` pass over the same file, same process, interleaved (bench/JsonScan --compare, "
          f"every column of the bid schema decoded into column batches): {decode[1]:.2f} vs {decode[0]:.2f} CPU s, **{decode[2]:.2f}×** (target ≤ 1.2×).")
PY
