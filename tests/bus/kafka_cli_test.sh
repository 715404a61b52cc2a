#!/usr/bin/env bash
# The Kafka path end to end, through the CLI (issue 7):
#   1. `globalmart dev-broker` runs as its own process (bootstrap servers via a file);
#   2. two group_reader processes (our consumer, OpenKafkaSource) join one consumer group;
#   3. `globalmart generate --to kafka` writes 100,000 events; kcat, an independent
#      client, reads every topic back: exactly 100,000 messages, contiguous offsets from 0
#      in every partition (nothing dropped), no duplicate positions or event ids, and
#      every key in the partition Kafka's murmur2 assigns it;
#   4. the two group members have together read exactly kcat's set of positions, each
#      position once.
# Volumes stay below the mock cluster's per-partition limit (DESIGN.md §9).
#
# Usage: kafka_cli_test.sh GLOBALMART PARTITION_OF GROUP_READER
set -euo pipefail

gm=$1
partition_of=$2
group_reader=$3
partitions=6
count=100000
topics=(transactions product_views cart_events inventory_updates)
tab=$'\t'

work=$(mktemp -d /tmp/gm-kafka-cli.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -n ${KEEP_WORK:-} ]] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "kafka_cli_test: FAIL: $*" >&2
  exit 1
}
note() { echo "kafka_cli_test: $*"; }

command -v kcat >/dev/null || fail "kcat is not installed (scripts/install-deps.sh installs it)"

# --- dev-broker's help must say what it is.
help=$("$gm" dev-broker --help)
for phrase in "mock cluster" "DEVELOPMENT AND TESTS ONLY" "5 MiB" "SILENTLY DROPS" \
    "all data is lost"; do
  grep -qF "$phrase" <<<"$help" || fail "dev-broker --help does not mention '$phrase'"
done

# --- 1. The broker, as a separate process.
"$gm" dev-broker --partitions "$partitions" --bootstrap-file "$work/bootstrap" \
  >"$work/broker.log" 2>&1 &
broker_pid=$!
pids+=("$broker_pid")
for _ in $(seq 300); do
  [[ -s $work/bootstrap ]] && break
  kill -0 "$broker_pid" 2>/dev/null || fail "dev-broker exited: $(cat "$work/broker.log")"
  sleep 0.1
done
[[ -s $work/bootstrap ]] || fail "dev-broker wrote no bootstrap file within 30 s"
bootstrap=$(cat "$work/bootstrap")
grep -q "dev-broker: Kafka protocol on 127.0.0.1:" "$work/broker.log" ||
  fail "dev-broker did not announce itself: $(cat "$work/broker.log")"
note "dev-broker at $bootstrap (pid $broker_pid)"

# --- 2. Our consumer: two group_reader processes (OpenKafkaSource) in one consumer
# group. They join before anything is produced and read live: once both have their
# partitions, no rebalance happens while messages flow. (The mock cluster refuses offset
# commits while a rebalance is in progress, which real Kafka accepts, so a rebalance in
# the middle of the data could make the next owner re-read a few messages.)
member_args=(--brokers "$bootstrap" --group kafka-cli-test
  --topics "$(IFS=,; echo "${topics[*]}")" --idle-ms 3000 --max-seconds 240
  --done-file "$work/produced" --property session.timeout.ms=6000
  --property heartbeat.interval.ms=500)
"$group_reader" "${member_args[@]}" --ready-file "$work/ready1" >"$work/member1" \
  2>"$work/member1.log" &
m1=$!
"$group_reader" "${member_args[@]}" --ready-file "$work/ready2" >"$work/member2" \
  2>"$work/member2.log" &
m2=$!
pids+=("$m1" "$m2")
for _ in $(seq 600); do
  [[ -e $work/ready1 && -e $work/ready2 ]] && break
  kill -0 "$m1" 2>/dev/null || fail "group member 1 exited: $(tail -5 "$work/member1.log")"
  kill -0 "$m2" 2>/dev/null || fail "group member 2 exited: $(tail -5 "$work/member2.log")"
  sleep 0.1
done
[[ -e $work/ready1 && -e $work/ready2 ]] || fail "the group members did not get partitions within 60 s"
note "consumer group of two members is ready"

# --- 3. Generate into it.
start=$(date +%s.%N)
"$gm" generate --to kafka --rate max --count "$count" --seed 7 --customers 10000 \
  --set kafka.brokers="$bootstrap" >"$work/generate.log" 2>&1 ||
  fail "generate --to kafka failed: $(tail -20 "$work/generate.log")"
note "generated $count events in $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}') s"

# --- Read everything back with kcat: TOPIC \t PARTITION \t OFFSET \t KEY \t PAYLOAD.
: >"$work/kcat.tsv"
for t in "${topics[@]}"; do
  kcat -C -b "$bootstrap" -t "$t" -e -q -f '%t\t%p\t%o\t%k\t%s\n' >>"$work/kcat.tsv" ||
    fail "kcat could not read $t"
  note "  $t: $(grep -c "^$t$tab" "$work/kcat.tsv" || true) messages"
done

total=$(wc -l <"$work/kcat.tsv")
[[ $total -eq $count ]] || fail "kcat read $total messages, expected $count"
for t in transactions product_views cart_events; do
  grep -q "^$t$tab" "$work/kcat.tsv" || fail "topic $t is empty"
done

cut -f1-3 "$work/kcat.tsv" | tr '\t' ' ' | sort >"$work/positions.kcat"
dups=$(uniq -d "$work/positions.kcat" | head -3)
[[ -z $dups ]] || fail "duplicate positions: $dups"

# Offsets of every partition are 0, 1, 2, ...: nothing lost or dropped by the mock.
sort -k1,1 -k2,2n -k3,3n "$work/positions.kcat" | awk '
  { tp = $1 " " $2; if ($3 != next_offset[tp] + 0) { print tp " expected offset " next_offset[tp] + 0 " got " $3; bad = 1; exit }
    next_offset[tp] = $3 + 1 }
  END { exit bad }' || fail "offsets are not contiguous from 0"

# Every event id (transaction_id or event_id) once per topic.
awk -F'\t' '{
    if (!match($5, /"(transaction_id|event_id)" *: *"[^"]*"/)) { print "no id: " $0; exit 1 }
    id = substr($5, RSTART, RLENGTH); sub(/^"[a-z_]+" *: *"/, "", id); sub(/"$/, "", id)
    print $1 " " id
  }' "$work/kcat.tsv" | sort >"$work/ids" || fail "a message without transaction_id/event_id"
dups=$(uniq -d "$work/ids" | head -3)
[[ -z $dups ]] || fail "duplicate event ids: $dups"

# Every key non-empty and in the partition murmur2 gives it.
cut -f4 "$work/kcat.tsv" >"$work/keys"
if grep -qx '' "$work/keys"; then fail "messages without a key"; fi
"$partition_of" "$partitions" <"$work/keys" >"$work/expected_partitions"
misplaced=$(cut -f1,2,4 "$work/kcat.tsv" | paste - "$work/expected_partitions" |
  awk -F'\t' '$2 != $4 { print; n++ } n >= 3 { exit }')
[[ -z $misplaced ]] || fail "keys in the wrong partition (topic partition key expected): $misplaced"
note "kcat: $total messages, no duplicates, contiguous offsets, every key in its murmur2 partition"

# --- 4. The group members read exactly kcat's set of positions, each once.
touch "$work/produced"
wait "$m1" || fail "group member 1 failed: $(tail -5 "$work/member1.log")"
wait "$m2" || fail "group member 2 failed: $(tail -5 "$work/member2.log")"
n1=$(wc -l <"$work/member1")
n2=$(wc -l <"$work/member2")
note "group members read $n1 + $n2 messages"
[[ $n1 -gt 0 && $n2 -gt 0 ]] || fail "one member read nothing: the group did not share the work"
sort "$work/member1" >"$work/member1.sorted"
sort "$work/member2" >"$work/member2.sorted"
dups=$(cat "$work/member1.sorted" "$work/member2.sorted" | sort | uniq -d | head -3)
[[ -z $dups ]] || fail "positions read twice by the group: $dups"
sort -m "$work/member1.sorted" "$work/member2.sorted" >"$work/positions.group"
cmp -s "$work/positions.group" "$work/positions.kcat" ||
  fail "the group read a different set than kcat: $(diff "$work/positions.group" "$work/positions.kcat" | head -5)"
note "consumer group: every position exactly once, the same set as kcat"

# --- The broker stops cleanly on SIGTERM and removes its bootstrap file.
kill -TERM "$broker_pid"
status=0
wait "$broker_pid" || status=$?
[[ $status -eq 0 ]] || fail "dev-broker exited with $status on SIGTERM"
[[ ! -e $work/bootstrap ]] || fail "dev-broker left its bootstrap file behind"
note "PASS"
