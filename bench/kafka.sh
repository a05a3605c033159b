#!/usr/bin/env bash
# Kafka benchmark against librdkafka's mock cluster (tests/Arroyo.KafkaMockBroker) on loopback:
#   source: EVENTS JSON bids -> `arroyo run -p 1` kafka source -> projection -> blackhole, stopped
#           once its consumer group committed every offset; against a bare Confluent.Kafka
#           consumer reading the same topic (bench/KafkaBaseline consume), and beside it the same
#           bare read through librdkafka's batch consume (consume-batch, how the source reads).
#   sink:   impulse -> projection to a JSON bid -> kafka sink (at_least_once) for EVENTS rows;
#           against a bare producer writing as many bids (bench/KafkaBaseline produce), and beside
#           it the same bare write with a delivery handler per message (produce-reports, what the sink
#           paid through Confluent.Kafka) and through the sink's own producer over librdkafka's C API
#           (produce-native).
# The mock keeps at most 5 MiB of batches per partition and drops the oldest beyond that, so
# the input topic gets enough partitions for ~2 MiB each, and the bench fails unless the topic
# still starts at offset 0 and both readers got all EVENTS records. Both sides use the same
# client settings, librdkafka's defaults except: producers acks=all, idempotent, linger.ms=5,
# delivery reports carrying only the error; consumers read_uncommitted, no auto commit, consume
# results carrying only the timestamp (see bench/KafkaBaseline). The sink's query casts impulse's
# UNSIGNED counter to BIGINT first: BIGINT op UNSIGNED is DECIMAL arithmetic (as in DataFusion),
# and the bids are to be the bare producer's (integers, same text).
# Every measurement is also taken with 1 event and with EVENTS/10 (the same topic layout): the
# 1-event run is the fixed cost (process start, planning, metadata, for the source the wait for
# the checkpoint that commits the offsets); the steady cost per event is the slope between the
# two larger runs, (CPU(EVENTS) - CPU(EVENTS/10)) / (EVENTS - EVENTS/10), which leaves out the
# fixed cost and the JIT's recompiling of the hot code once it is hot (both runs pay that).
# Interleaved: each of RUNS rounds runs every measurement (3 sizes x source and sink x bare and
# pipeline); medians over the rounds. CPU is user+sys of the measured process (the broker's is
# not counted on either side).
#   bench/kafka.sh [EVENTS] [RUNS]   (defaults 1000000, 3; EVENTS at least 10)
# CHECKPOINT_INTERVAL (default 1s, so a source run ends soon after its last record) sets the
# pipelines' checkpoint interval.
# BEFORE=path/to/arroyo.dll (e.g. a copy of .build/cli taken before a change) also runs every
# pipeline measurement with that build, interleaved with this one's, as "pipeline (before)".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
events="${1:-1000000}"
runs="${2:-3}"
small=$(( events / 10 ))
partitions=$(( (events + 15999) / 16000 )); [ "$partitions" -ge 4 ] || partitions=4
work="${BENCH_WORK:-$root/.build/bench-kafka}"
rm -rf "$work"; mkdir -p "$work"
command -v /usr/bin/time >/dev/null || { apt-get install -y time >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y time >/dev/null); }
./arroyo --help >/dev/null
builds=(engine); [ -n "${BEFORE:-}" ] && builds+=(before)
# The built CLI itself, not ./arroyo, whose check for changed sources would rebuild in the middle
# of a measurement when something else builds the tree meanwhile.
cli() { if [ "$1" = before ]; then echo dotnet "$BEFORE"; else echo dotnet "$root/.build/cli/arroyo.dll"; fi; }
dotnet build bench/KafkaBaseline -c Release -o "$root/.build/kafkabaseline" --nologo -v quiet -clp:ErrorsOnly >/dev/null
dotnet build tests/Arroyo.KafkaMockBroker -c Release -o "$root/.build/kafkamock" --nologo -v quiet -clp:ErrorsOnly >/dev/null
baseline="$root/.build/kafkabaseline/KafkaBaseline"

# The broker lives as long as its stdin stays open.
mkfifo "$work/broker.in"
dotnet "$root/.build/kafkamock/Arroyo.KafkaMockBroker.dll" --topic "bids-$events:$partitions" --topic "bids-$small:$partitions" --topic "bids-1:$partitions" \
  < "$work/broker.in" > "$work/broker.out" 2>&1 &
broker_pid=$!
exec 3> "$work/broker.in"
trap 'exec 3>&-; kill $broker_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do grep -q '^bootstrap=' "$work/broker.out" && break; sleep 0.2; done
bootstrap=$(sed -n 's/^bootstrap=//p' "$work/broker.out")
[ -n "$bootstrap" ] || { cat "$work/broker.out" >&2; exit 1; }

fail() { echo "bench/kafka.sh: $*" >&2; exit 1; }
field() { sed -E "s/.*$1=([0-9.]+).*/\1/" "$2"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
cpu_of() { awk '{ printf "%.2f\n", $2 + $3 }' "$1"; }
# The topic holds exactly COUNT records from offset 0 on (nothing dropped by the mock's retention).
expect_offsets() {
  local got; got=$("$baseline" offsets "$bootstrap" "$1" -)
  [ "$got" = "low=0 high=$2" ] || fail "topic $1: expected low=0 high=$2, the broker has $got"
}

# An output topic (auto-created with 4 partitions on first write, so the mock may have dropped
# its oldest records) received COUNT records: its partitions' next offsets sum to COUNT.
expect_written() {
  local got; got=$("$baseline" offsets "$bootstrap" "$1" - | sed 's/.*high=//')
  [ "$got" = "$2" ] || fail "topic $1: expected $2 records written, the broker has $got"
}

for size in "$events" "$small" 1; do
  "$baseline" produce "$bootstrap" "bids-$size" "$size" > "$work/fill-$size.log"
  expect_offsets "bids-$size" "$size"
done
export ARROYO__DEFAULT_CHECKPOINT_INTERVAL="${CHECKPOINT_INTERVAL:-1s}"
for run in $(seq 1 "$runs"); do
  for size in "$events" "$small" 1; do
    "$baseline" consume "$bootstrap" "bids-$size" "$size" > "$work/bare-consume-$size-$run.log"
    [ "$(field records "$work/bare-consume-$size-$run.log")" = "$size" ] || fail "the bare consumer read $(cat "$work/bare-consume-$size-$run.log")"
    field cpu_s "$work/bare-consume-$size-$run.log" >> "$work/src.bare.$size"
    # The same bare read through librdkafka's batch consume (as the source reads): what
    # Confluent.Kafka's per-message Consume costs. Shown beside, not the target's baseline.
    "$baseline" consume-batch "$bootstrap" "bids-$size" "$size" > "$work/bare-batch-$size-$run.log"
    [ "$(field records "$work/bare-batch-$size-$run.log")" = "$size" ] || fail "the bare batch consumer read $(cat "$work/bare-batch-$size-$run.log")"
    field cpu_s "$work/bare-batch-$size-$run.log" >> "$work/src.batch.$size"

    for build in "${builds[@]}"; do
      group="bench-$build-$size-$run"
      cat > "$work/source-$build-$size-$run.sql" <<SQL
CREATE TABLE bids (auction BIGINT, bidder BIGINT, price BIGINT, channel TEXT, url TEXT, extra TEXT) WITH (
  connector = 'kafka', bootstrap_servers = '$bootstrap', topic = 'bids-$size', type = 'source',
  source.offset = 'earliest', source.group_id = '$group', format = 'json');
CREATE TABLE out WITH (connector = 'blackhole');
INSERT INTO out SELECT auction, bidder, price * 100 / 89 AS euros, channel FROM bids;
SQL
      /usr/bin/time -f "%e %U %S" -o "$work/source-$build-$size-$run.time" $(cli $build) run -p 1 -s "$work/state-source-$build-$size-$run" "$work/source-$build-$size-$run.sql" > "$work/source-$build-$size-$run.log" 2>&1 &
      pid=$!
      # Done when the group committed every offset (the source commits after each checkpoint).
      until [ "$("$baseline" committed "$bootstrap" "bids-$size" "$group")" -ge "$size" ]; do
        kill -0 $pid 2>/dev/null || { cat "$work/source-$build-$size-$run.log" >&2; fail "the source pipeline ended early"; }
        sleep 0.5
      done
      # /usr/bin/time's child is the arroyo process: SIGINT it for a clean stop.
      kill -INT $(pgrep -P $pid) 2>/dev/null || true
      wait $pid || true
      # Offsets committed up to the end of a topic that still starts at 0: the source read every record.
      expect_offsets "bids-$size" "$size"
      cpu_of "$work/source-$build-$size-$run.time" >> "$work/src.$build.$size"
    done

    "$baseline" produce "$bootstrap" "bare-out-$size-$run" "$size" > "$work/bare-produce-$size-$run.log"
    expect_written "bare-out-$size-$run" "$size"
    field cpu_s "$work/bare-produce-$size-$run.log" >> "$work/sink.bare.$size"
    # The same bare write with a delivery handler on every message (as the at-least-once sink has,
    # to see failed deliveries): what Confluent.Kafka's per-message report costs on its own.
    # Shown beside, not the target's baseline.
    "$baseline" produce-reports "$bootstrap" "bare-reports-out-$size-$run" "$size" > "$work/bare-reports-$size-$run.log"
    expect_written "bare-reports-out-$size-$run" "$size"
    field cpu_s "$work/bare-reports-$size-$run.log" >> "$work/sink.reports.$size"
    # The same bare write through the sink's own producer (NativeProducer): its floor. Shown beside.
    "$baseline" produce-native "$bootstrap" "bare-native-out-$size-$run" "$size" > "$work/bare-native-$size-$run.log"
    expect_written "bare-native-out-$size-$run" "$size"
    field cpu_s "$work/bare-native-$size-$run.log" >> "$work/sink.native.$size"

    for build in "${builds[@]}"; do
      cat > "$work/sink-$build-$size-$run.sql" <<SQL
CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '100000000', message_count = '$size');
CREATE TABLE out WITH (
  connector = 'kafka', bootstrap_servers = '$bootstrap', topic = '$build-out-$size-$run', type = 'sink', format = 'json');
INSERT INTO out SELECT 1000 + n % 997 AS auction, 2000 + n % 10007 AS bidder, n % 100000 AS price,
  concat('channel-', CAST(n % 13 AS TEXT)) AS channel, concat('https://example.com/', CAST(n % 101 AS TEXT)) AS url, 'x' AS extra
FROM (SELECT CAST(counter AS BIGINT) AS n FROM impulse);
SQL
      /usr/bin/time -f "%e %U %S" -o "$work/sink-$build-$size-$run.time" $(cli $build) run -p 1 -s "$work/state-sink-$build-$size-$run" "$work/sink-$build-$size-$run.sql" > "$work/sink-$build-$size-$run.log" 2>&1 \
        || { cat "$work/sink-$build-$size-$run.log" >&2; fail "the sink pipeline failed"; }
      expect_written "$build-out-$size-$run" "$size"
      cpu_of "$work/sink-$build-$size-$run.time" >> "$work/sink.$build.$size"
    done
  done
done

echo "partitions of the input topic: $partitions; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| path | side | CPU s, $events events (each run) | CPU s, $small | CPU s, 1 event (fixed) | events/CPU-s (whole run) | steady µs/event | steady events/CPU-s |"
echo "|---|---|---|---|---|---|---|---|"
for side in src sink; do
  name=$([ $side = src ] && echo "kafka source → projection → blackhole" || echo "impulse → kafka sink")
  whos=("${builds[@]}" bare); if [ $side = src ]; then whos+=(batch); else whos+=(reports native); fi
  for who in "${whos[@]}"; do
    big=$(median < "$work/$side.$who.$events"); mid=$(median < "$work/$side.$who.$small"); one=$(median < "$work/$side.$who.1")
    each=$(paste -sd' ' "$work/$side.$who.$events")
    awk -v n="$name" -v w="$(case $who in engine) echo pipeline ;; before) echo 'pipeline (before)' ;; batch) echo 'bare client, batch consume' ;; reports) echo 'bare client, a delivery handler per message' ;; native) echo "bare loop, the sink's own producer" ;; *) echo 'bare client' ;; esac)" -v e="$events" -v m="$small" -v b="$big" -v h="$mid" -v o="$one" -v each="$each" \
      'BEGIN { s = (b - h) / (e - m); printf "| %s | %s | %.2f (%s) | %.2f | %.2f | %.0f | %.2f | %.0f |\n", n, w, b, each, h, o, e / b, s * 1e6, (s > 0 ? 1 / s : 0) }'
  done
done
# pipeline / bare, whole runs and steady per-event cost.
for side in src sink; do
  for build in "${builds[@]}"; do
    eb=$(median < "$work/$side.$build.$events"); em=$(median < "$work/$side.$build.$small")
    bb=$(median < "$work/$side.bare.$events"); bm=$(median < "$work/$side.bare.$small")
    awk -v s="$side" -v b="$([ $build = engine ] && echo pipeline || echo 'pipeline (before)')" -v eb="$eb" -v em="$em" -v bb="$bb" -v bm="$bm" \
      'BEGIN { printf "%s: %s/bare events per CPU-s: whole runs %.0f %%, steady %.0f %%\n", s, b, 100 * bb / eb, 100 * (bb - bm) / (eb - em) }'
  done
done
