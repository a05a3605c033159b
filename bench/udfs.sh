#!/usr/bin/env bash
# C# UDF benchmark: a scalar UDF against the same expression written in SQL, over Nexmark bids
# into blackhole (`./arroyo run -p 1`, each timed by /usr/bin/time, median of 3), and the start
# of a tiny pipeline without UDFs, with a cold UDF compile (empty cache) and a warm one.
#   bench/udfs.sh [EVENTS]   (default 10000000 nexmark events, of which 92 % are bids)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
events="${1:-10000000}"
work="${BENCH_WORK:-$root/.build/bench-udfs}"
rm -rf "$work"; mkdir -p "$work"
command -v /usr/bin/time >/dev/null || { apt-get install -y time >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y time >/dev/null); }
./arroyo --help >/dev/null
udfs="$root/bench/udfs/negate.cs"
export ARROYO__RUN__UDF_CACHE_DIR="$work/cache"

bids() { cat <<SQL
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '$events');
CREATE TABLE out WITH (connector = 'blackhole');
INSERT INTO out SELECT bid.auction AS auction, $1 AS computed FROM nexmark WHERE bid IS NOT NULL;
SQL
}

# One run: prints "wall cpu rss_kb"
timed() {
  local log="$1"; shift
  /usr/bin/time -f "%e %U %S %M" -o "$log.time" "$@" > "$log" 2>&1 || { cat "$log" >&2; exit 1; }
  awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$log.time"
}

# name, SQL expression, then "udf" to pass the UDF file: median wall and CPU of 3 runs.
case_row() {
  local name="$1" expr="$2" extra=()
  [ "${3:-}" = udf ] && extra=(--udf "$udfs")
  bids "$expr" > "$work/$name.sql"
  local walls=() cpus=()
  for i in 1 2 3; do
    read -r wall cpu _ < <(timed "$work/$name.$i.log" ./arroyo run -q "${extra[@]}" -s "$work/state-$name-$i" "$work/$name.sql")
    walls+=("$wall"); cpus+=("$cpu")
  done
  local mwall mcpu
  mwall=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n 2p)
  mcpu=$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n 2p)
  echo "| $name | \`$expr\` | $mwall | $mcpu | ${cpus[*]} |"
}

echo "Nexmark events: $events; $(nproc) cores; $(date -u +%Y-%m-%d)"
echo
echo "| case | computed column | wall s (median) | CPU s (median) | CPU s of the 3 runs |"
echo "|---|---|---|---|---|"
# Warm the UDF cache first so the UDF rows measure running, not compiling.
bids "double_negative(bid.price)" > "$work/warm.sql"
./arroyo run -q --udf "$udfs" -s "$work/state-warm" "$work/warm.sql" >/dev/null 2>&1 || true
case_row "sql-arithmetic" "-2 * bid.price"
case_row "udf-arithmetic" "double_negative(bid.price)" udf
case_row "sql-text" "bid.channel || '!'"
case_row "udf-text" "exclaim(bid.channel)" udf

tiny() { cat <<SQL
CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '1000000', message_count = '1');
CREATE TABLE out WITH (connector = 'blackhole');
INSERT INTO out SELECT $1 AS n FROM impulse;
SQL
}
echo
echo "| start of a 1-row pipeline | wall s | CPU s | UDF step (from the log) |"
echo "|---|---|---|---|"
tiny "counter" > "$work/tiny-sql.sql"
tiny "double_negative(CAST(counter AS BIGINT))" > "$work/tiny-udf.sql"
for i in 1 2; do
  read -r wall cpu _ < <(timed "$work/tiny-sql.$i.log" ./arroyo run -q -s "$work/tiny-state-sql-$i" "$work/tiny-sql.sql")
  echo "| no UDF (run $i) | $wall | $cpu | |"
done
for i in 1 2; do
  rm -rf "$work/cache"
  read -r wall cpu _ < <(timed "$work/tiny-cold.$i.log" ./arroyo run -q --udf "$udfs" -s "$work/tiny-state-cold-$i" "$work/tiny-udf.sql")
  echo "| cold: compile (run $i) | $wall | $cpu | $(grep -o 'compiled in [0-9]* ms' "$work/tiny-cold.$i.log") |"
done
for i in 1 2; do
  read -r wall cpu _ < <(timed "$work/tiny-warm.$i.log" ./arroyo run -q --udf "$udfs" -s "$work/tiny-state-warm-$i" "$work/tiny-udf.sql")
  echo "| warm: from the cache (run $i) | $wall | $cpu | $(grep -o 'loaded from the cache in [0-9]* ms' "$work/tiny-warm.$i.log") |"
done
