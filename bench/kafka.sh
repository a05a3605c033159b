#!/usr/bin/env bash
# Kafka benchmark against librdkafka's mock cluster (tests/Arroyo.KafkaMockBroker) on loopback:
#   source: EVENTS JSON bids in a 4-partition topic -> `arroyo run` kafka source -> projection
#           -> blackhole, stopped once its consumer group committed every offset; against a bare
#           Confluent.Kafka consumer reading the same topic (bench/KafkaBaseline consume).
#   sink:   impulse -> projection to a JSON bid -> kafka sink (at_least_once) for EVENTS rows;
#           against a bare producer writing as many bids (bench/KafkaBaseline produce).
# Each is run RUNS times; prints the medians as events per CPU-second (the process's user+sys;
# the broker's CPU is not counted on either side). The pipeline's CPU includes its start-up
# and, for the source, the wait for the last checkpoint: a fixed cost per run.
#   bench/kafka.sh [EVENTS] [RUNS]   (defaults 1000000, 3)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
events="${1:-1000000}"
runs="${2:-3}"
work="${BENCH_WORK:-$root/.build/bench-kafka}"
rm -rf "$work"; mkdir -p "$work"
command -v /usr/bin/time >/dev/null || { apt-get install -y time >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y time >/dev/null); }
./arroyo --help >/dev/null
dotnet build bench/KafkaBaseline -c Release -o "$root/.build/kafkabaseline" --nologo -v quiet -clp:ErrorsOnly >/dev/null
dotnet build tests/Arroyo.KafkaMockBroker -c Release -o "$root/.build/kafkamock" --nologo -v quiet -clp:ErrorsOnly >/dev/null
baseline="$root/.build/kafkabaseline/KafkaBaseline"

# The broker lives as long as its stdin stays open.
mkfifo "$work/broker.in"
dotnet "$root/.build/kafkamock/Arroyo.KafkaMockBroker.dll" < "$work/broker.in" > "$work/broker.out" 2>&1 &
broker_pid=$!
exec 3> "$work/broker.in"
trap 'exec 3>&-; kill $broker_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do grep -q '^bootstrap=' "$work/broker.out" && break; sleep 0.2; done
bootstrap=$(sed -n 's/^bootstrap=//p' "$work/broker.out")
[ -n "$bootstrap" ] || { cat "$work/broker.out" >&2; exit 1; }

field() { sed -E "s/.*$1=([0-9.]+).*/\1/" "$2"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
cpu_of() { awk '{ printf "%.2f\n", $2 + $3 }' "$1"; }

"$baseline" produce "$bootstrap" bids "$events" > "$work/fill.log"
export ARROYO__DEFAULT_CHECKPOINT_INTERVAL=1s
: > "$work/src.engine"; : > "$work/src.bare"; : > "$work/sink.engine"; : > "$work/sink.bare"
for run in $(seq 1 "$runs"); do
  "$baseline" consume "$bootstrap" bids "$events" > "$work/bare-consume-$run.log"
  field cpu_s "$work/bare-consume-$run.log" >> "$work/src.bare"

  cat > "$work/source-$run.sql" <<SQL
CREATE TABLE bids (auction BIGINT, bidder BIGINT, price BIGINT, channel TEXT, url TEXT, extra TEXT) WITH (
  connector = 'kafka', bootstrap_servers = '$bootstrap', topic = 'bids', type = 'source',
  source.offset = 'earliest', source.group_id = 'bench-$run', format = 'json');
CREATE TABLE out WITH (connector = 'blackhole');
INSERT INTO out SELECT auction, bidder, price * 100 / 89 AS euros, channel FROM bids;
SQL
  /usr/bin/time -f "%e %U %S" -o "$work/source-$run.time" ./arroyo run -s "$work/state-source-$run" "$work/source-$run.sql" > "$work/source-$run.log" 2>&1 &
  pid=$!
  # Done when the group committed every offset (the source commits after each checkpoint).
  until [ "$("$baseline" committed "$bootstrap" bids "bench-$run")" -ge "$events" ]; do
    kill -0 $pid 2>/dev/null || { cat "$work/source-$run.log" >&2; exit 1; }
    sleep 0.5
  done
  # /usr/bin/time's child is the arroyo process: SIGINT it for a clean stop.
  kill -INT $(pgrep -P $pid) 2>/dev/null || true
  wait $pid || true
  cpu_of "$work/source-$run.time" >> "$work/src.engine"

  "$baseline" produce "$bootstrap" "bare-out-$run" "$events" > "$work/bare-produce-$run.log"
  field cpu_s "$work/bare-produce-$run.log" >> "$work/sink.bare"

  cat > "$work/sink-$run.sql" <<SQL
CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '100000000', message_count = '$events');
CREATE TABLE out WITH (
  connector = 'kafka', bootstrap_servers = '$bootstrap', topic = 'engine-out-$run', type = 'sink', format = 'json');
INSERT INTO out SELECT 1000 + counter % 997 AS auction, 2000 + counter % 10007 AS bidder, counter % 100000 AS price,
  concat('channel-', CAST(counter % 13 AS TEXT)) AS channel, concat('https://example.com/', CAST(counter % 101 AS TEXT)) AS url, 'x' AS extra
FROM impulse;
SQL
  /usr/bin/time -f "%e %U %S" -o "$work/sink-$run.time" ./arroyo run -s "$work/state-sink-$run" "$work/sink-$run.sql" > "$work/sink-$run.log" 2>&1 \
    || { cat "$work/sink-$run.log" >&2; exit 1; }
  cpu_of "$work/sink-$run.time" >> "$work/sink.engine"
done

rate() { awk -v e="$events" -v c="$1" 'BEGIN { printf "%.0f", e / c }'; }
echo "| path | events | median CPU s (pipeline) | events/CPU-s (pipeline) | median CPU s (bare client) | events/CPU-s (bare) | pipeline / bare |"
echo "|---|---|---|---|---|---|---|"
for side in src sink; do
  engine=$(median < "$work/$side.engine"); bare=$(median < "$work/$side.bare")
  name=$([ $side = src ] && echo "kafka source -> projection -> blackhole" || echo "impulse -> kafka sink")
  awk -v n="$name" -v e="$events" -v a="$engine" -v b="$bare" 'BEGIN { printf "| %s | %d | %.2f | %.0f | %.2f | %.0f | %.0f %% |\n", n, e, a, e / a, b, e / b, 100 * b / a }'
done
