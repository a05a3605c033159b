#!/usr/bin/env bash
# Filesystem sink benchmark: Nexmark bids -> filesystem parquet (zstd) on local disk and on a
# local s3rver, each a whole `./arroyo run -p 1` timed by /usr/bin/time (events per CPU-second,
# peak RSS), against writing the same rows with ParquetSharp alone (bench/ParquetWrite, CPU
# of the write only). Prints a markdown table.
#   bench/filesystem.sh [EVENTS]   (default 2000000)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
events="${1:-2000000}"
work="${BENCH_WORK:-$root/.build/bench-fs}"
rm -rf "$work"; mkdir -p "$work"
command -v /usr/bin/time >/dev/null || { apt-get install -y time >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y time >/dev/null); }
./arroyo --help >/dev/null
dotnet build bench/ParquetWrite -c Release -o "$root/.build/parquetwrite" --nologo -v quiet -clp:ErrorsOnly >/dev/null

query() { cat <<SQL
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '$events');
CREATE TABLE out WITH (connector = 'filesystem', type = 'sink', format = 'parquet', path = '$1', 'parquet.compression' = 'zstd');
INSERT INTO out SELECT bid.auction AS auction, bid.bidder AS bidder, bid.price AS price, bid.channel AS channel,
  bid.url AS url, bid.datetime AS datetime, bid.extra AS extra FROM nexmark WHERE bid IS NOT NULL;
SQL
}

# One run: prints "wall cpu rss_kb"
timed() {
  local log="$1"; shift
  /usr/bin/time -f "%e %U %S %M" -o "$log.time" "$@" > "$log" 2>&1 || { cat "$log" >&2; exit 1; }
  awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$log.time"
}

row() { # name rows wall cpu rss
  awk -v n="$1" -v r="$2" -v w="$3" -v c="$4" -v m="$5" 'BEGIN { printf "| %s | %d | %.2f | %.2f | %.0f | %.0f MB |\n", n, r, w, c, r / c, m / 1024 }'
}

query "$work/local" > "$work/local.sql"
read -r wall cpu rss < <(timed "$work/local.log" ./arroyo run -s "$work/state-local" "$work/local.sql")
rows=$(.build/parquetwrite/ParquetWrite "$work/local" "$work/alone.parquet" | tee "$work/alone.log" | sed -E 's/.*rows=([0-9]+).*/\1/')
alone_cpu=$(sed -E 's/.* cpu_s=([0-9.]+).*/\1/' "$work/alone.log")
alone_wall=$(sed -E 's/.*wall_s=([0-9.]+).*/\1/' "$work/alone.log")

echo "| run | bids written | wall s | CPU s | bids per CPU-s | peak RSS |"
echo "|---|---|---|---|---|---|"
row "engine -> local disk" "$rows" "$wall" "$cpu" "$rss"

s3rver="$root/.tools/node_modules/s3rver/bin/s3rver.js"
if command -v node >/dev/null && [ -f "$s3rver" ]; then
  port=$((20000 + RANDOM % 20000))
  mkdir -p "$work/s3rver"
  node "$s3rver" --address 127.0.0.1 --port "$port" --directory "$work/s3rver" --configure-bucket bench --silent &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  sleep 2
  query "s3::http://127.0.0.1:$port/bench/bids" > "$work/s3.sql"
  read -r wall cpu rss < <(AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 timed "$work/s3.log" ./arroyo run -s "$work/state-s3" "$work/s3.sql")
  row "engine -> s3rver (CPU of arroyo only)" "$rows" "$wall" "$cpu" "$rss"
else
  echo "| engine -> s3rver | skipped: run scripts/install-test-deps.sh for node and s3rver | | | | |"
fi
row "ParquetSharp alone (write only)" "$rows" "$alone_wall" "$alone_cpu" 0
