#!/usr/bin/env bash
# Filesystem sink benchmark: Nexmark bids -> filesystem parquet (zstd) on local disk and on a
# local s3rver, each a whole `./arroyo run` timed by /usr/bin/time (events per CPU-second,
# peak RSS), against writing the same rows with ParquetSharp alone (bench/ParquetWrite, CPU
# of the write only). The same query into a blackhole sink gives what the engine spends before
# the sink (start-up, JIT, generating and projecting the bids); the parquet run less that is
# the sink's own cost, the figure to hold against ParquetSharp alone. For s3rver the library
# alone also streams its file to the same server (32 MiB parts through the AWS SDK, the client's
# creation included), as the sink must. Every run is repeated
# RUNS times (default 3), the kinds interleaved so that the machine's load hits them alike;
# the table shows medians. Prints a markdown table.
#   bench/filesystem.sh [EVENTS]   (default 2000000)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
events="${1:-2000000}"
runs="${RUNS:-3}"
work="${BENCH_WORK:-$root/.build/bench-fs}"
rm -rf "$work"; mkdir -p "$work"
command -v /usr/bin/time >/dev/null || { apt-get install -y time >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y time >/dev/null); }
./arroyo --help >/dev/null
# Built as ./arroyo builds the engine (ReadyToRun, the same runtime settings), so neither side pays
# more JIT for the same library code (the AWS SDK's above all).
dotnet publish bench/ParquetWrite/ParquetWrite.csproj -c Release --use-current-runtime --self-contained false \
  -p:PublishReadyToRun=true -o "$root/.build/parquetwrite" --nologo -v quiet -clp:ErrorsOnly >/dev/null

bids="SELECT bid.auction AS auction, bid.bidder AS bidder, bid.price AS price, bid.channel AS channel,
  bid.url AS url, bid.datetime AS datetime, bid.extra AS extra FROM nexmark WHERE bid IS NOT NULL"
source="CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '$events');"
query() {
  printf '%s\n' "$source" \
    "CREATE TABLE out WITH (connector = 'filesystem', type = 'sink', format = 'parquet', path = '$1', 'parquet.compression' = 'zstd');" \
    "INSERT INTO out $bids;"
}
printf '%s\n' "$source" \
  "CREATE TABLE out (auction BIGINT, bidder BIGINT, price BIGINT, channel TEXT, url TEXT, datetime TIMESTAMP, extra TEXT) WITH (connector = 'blackhole');" \
  "INSERT INTO out $bids;" > "$work/blackhole.sql"

# One run, appended to $work/NAME.runs as "cpu rss_kb".
timed() {
  local name="$1"; shift
  /usr/bin/time -f "%U %S %M" -o "$work/$name.time" "$@" > "$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; exit 1; }
  awk '{printf "%.2f %s\n", $1 + $2, $3}' "$work/$name.time" >> "$work/$name.runs"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

s3rver="$root/.tools/node_modules/s3rver/bin/s3rver.js"
s3=false
if command -v node >/dev/null && [ -f "$s3rver" ]; then
  port=$((20000 + RANDOM % 20000))
  mkdir -p "$work/s3rver"
  node "$s3rver" --address 127.0.0.1 --port "$port" --directory "$work/s3rver" --configure-bucket bench --silent &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  sleep 2
  s3=true
fi

for i in $(seq "$runs"); do
  rm -rf "$work/local" "$work/state-local" "$work/state-blackhole"
  query "$work/local" > "$work/local.sql"
  timed local ./arroyo run -s "$work/state-local" "$work/local.sql"
  timed blackhole ./arroyo run -s "$work/state-blackhole" "$work/blackhole.sql"
  if $s3; then
    rm -rf "$work/state-s3"
    query "s3::http://127.0.0.1:$port/bench/bids-$i" > "$work/s3.sql"
    AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 timed s3 ./arroyo run -s "$work/state-s3" "$work/s3.sql"
  fi
  .build/parquetwrite/ParquetWrite "$work/local" "$work/alone.parquet" > "$work/alone.log"
  sed -E 's/.* cpu_s=([0-9.]+).*/\1 0/' "$work/alone.log" >> "$work/alone.runs"
  if $s3; then
    S3_ENDPOINT="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
      .build/parquetwrite/ParquetWrite "$work/local" "s3://bench/alone-$i.parquet" > "$work/alone-s3.log"
    sed -E 's/.* cpu_s=([0-9.]+).*/\1 0/' "$work/alone-s3.log" >> "$work/alone-s3.runs"
  fi
done
rows=$(sed -E 's/.*rows=([0-9]+).*/\1/' "$work/alone.log")

cpu() { cut -d' ' -f1 "$work/$1.runs" | median; }
rss() { cut -d' ' -f2 "$work/$1.runs" | median; }
alone=$(cpu alone)
$s3 && alone_s3=$(cpu alone-s3)
blackhole=$(cpu blackhole)
row() { # name cpu rss_kb [baseline cpu, default ParquetSharp alone to local disk]
  awk -v n="$1" -v r="$rows" -v c="$2" -v m="$3" -v a="${4:-$alone}" \
    'BEGIN { printf "| %s | %d | %.2f | %.0f | %.0f %% | %s |\n", n, r, c, r / c, 100 * a / c, (m > 0 ? sprintf("%.0f MB", m / 1024) : "") }'
}

echo "| run ($runs runs each, medians) | bids written | CPU s | bids per CPU-s | of ParquetSharp alone (to the same place) | peak RSS |"
echo "|---|---|---|---|---|---|"
row "engine -> local disk" "$(cpu local)" "$(rss local)"
$s3 && row "engine -> s3rver (CPU of arroyo only)" "$(cpu s3)" "$(rss s3)" "$alone_s3"
$s3 || echo "| engine -> s3rver | skipped: run scripts/install-test-deps.sh for node and s3rver | | | | |"
row "engine -> blackhole (the same query, no sink)" "$blackhole" "$(rss blackhole)"
row "the sink alone: engine -> local disk less blackhole" "$(awk -v a="$(cpu local)" -v b="$blackhole" 'BEGIN { print a - b }')" 0
$s3 && row "the sink alone: engine -> s3rver less blackhole" "$(awk -v a="$(cpu s3)" -v b="$blackhole" 'BEGIN { print a - b }')" 0 "$alone_s3"
row "ParquetSharp alone (write only)" "$alone" 0
if $s3; then row "ParquetSharp alone -> s3rver (write and upload)" "$alone_s3" 0 "$alone_s3"; fi
