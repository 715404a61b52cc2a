#!/usr/bin/env bash
# End-to-end checks of `globalmart stream --from kafka` against PostgreSQL (DESIGN.md §6
# Exactly once, Scale-out), with `globalmart dev-broker` (librdkafka's mock cluster) as its
# own process:
#   (0) a clean Kafka run ends in the tables of a file run of the same events;
#   (b) kill -9 at random points and restart (resuming from the offsets and task state in
#       PostgreSQL) ends in the tables of the clean Kafka run;
#   (d) two processes in one consumer group, started together, end in those tables too;
#   (e) the same with the second process joining while the first runs (tasks move in a
#       rebalance mid-run).
# "Tables" are the columns derived from events (wall-clock columns left out), sorted:
# transactions, transaction_items, sales_metrics (and sales_metrics_by_task),
# transaction_anomalies, dead_letter_events, session_metrics, cart_abandonment, and
# inventory_status and low_stock_alerts — the product-keyed work that moves between tasks
# (and processes) through each group's internal GROUP-stock_changes topic, whose records a
# restarted task sends again and its reader must drop. Bad messages (kcat) are on the Kafka side only,
# so dead letters are compared among the Kafka runs; stream_offsets is not compared with the
# file run (its topic names differ) but checked to cover every message on the broker.
# Usage: kafka_exactly_once_test.sh PATH_TO_GLOBALMART
# GM_TEST_SEED=N repeats the random kill points of an earlier run (the seed is printed);
# GM_TEST_EVENTS=N changes the event count (keep every partition under the mock's 5 MiB);
# KEEP_WORK=1 keeps the work folder (logs, dumps).
set -uo pipefail
test_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)
bin=$1
work=$(mktemp -d /tmp/gm-kafka-eo-test.XXXXXX)
chmod 755 "$work"  # when root, the server runs as the postgres user and must reach its folder
cd "$work" || exit 1
# shellcheck source=../lib/ports.sh
source "$test_lib/ports.sh"
port=$(free_port) || exit 1
store=(--set store.data_dir="$work/pg" --set store.port="$port" --set log.dir="$work/log")
partitions=6
events_count=${GM_TEST_EVENTS:-150000}
broker_pid=""
bg_pids=()
cleanup() {
  # Background streams, some behind `timeout` (which passes SIGTERM on): stop, then kill.
  local pid
  for pid in "${bg_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${bg_pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  "$bin" db stop "${store[@]}" >/dev/null 2>&1
  if [[ -n $broker_pid ]]; then
    kill -TERM "$broker_pid" 2>/dev/null
    wait "$broker_pid" 2>/dev/null
  fi
  cd /
  if [[ -n ${KEEP_WORK:-} ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM  # so the EXIT trap stops the broker, the streams and PostgreSQL
# shellcheck source=../lib/check.sh
source "$test_lib/check.sh"
# shellcheck source=../lib/stream_tables.sh
source "$test_lib/stream_tables.sh"
finish() {
  echo "total $(elapsed)"
  echo "$pass passed, $failures failed"
  test $failures -eq 0
  exit
}
elapsed() { echo "$((SECONDS - t0)) s"; }
lacks() { ! contains "$@"; }  # lacks TEXT NEEDLE: a condition for check
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
t0=$SECONDS

# --- The broker, as its own process ------------------------------------------------------------
# Each scenario's consumer group has its own internal re-partition topic, which the mock
# cannot create on demand.
groups=(eo-clean eo-killed eo-pair eo-late)
"$bin" dev-broker --partitions "$partitions" --bootstrap-file "$work/bootstrap" \
  "${groups[@]/#/--group=}" --set log.dir="$work/log" >broker.out 2>&1 &
broker_pid=$!
for _ in $(seq 300); do
  [[ -s $work/bootstrap ]] && break
  kill -0 "$broker_pid" 2>/dev/null || break
  sleep 0.1
done
check "dev-broker writes its bootstrap file" test -s "$work/bootstrap"
[[ -s $work/bootstrap ]] || { cat broker.out >&2; finish; }
brokers=$(cat "$work/bootstrap")

# --- One embedded cluster, one database per scenario ---------------------------------------------
out=$("$bin" db start "${store[@]}" 2>&1)
rc=$?
check "db start exits 0" test $rc -eq 0
[[ $rc -eq 0 ]] || { echo "$out" >&2; finish; }
# The cluster may have moved to the next free port.
port=$(sed -n 's/^embedded cluster: .*port \([0-9]*\).*/\1/p' <<<"$out")
store=(--set store.data_dir="$work/pg" --set store.port="$port" --set log.dir="$work/log")
url_of() { echo "postgresql:///$1?host=$work/pg&port=$port&user=globalmart"; }
psql_on() {  # psql_on DB PSQL_ARGS...
  local db=$1
  shift
  "$bin" db psql --pg "$(url_of "$db")" --set log.dir="$work/log" -- -X -v ON_ERROR_STOP=1 "$@" \
    2>/dev/null
}
# ref: the file run; clean: the clean Kafka run; killed: (b); pair: (d); late: (e).
for db in ref clean killed pair late; do
  "$bin" db psql "${store[@]}" -- -X -qc "CREATE DATABASE $db OWNER globalmart" >/dev/null 2>&1
  check "create database $db" test $? -eq 0
done

# The tables compared (tests/lib/stream_tables.sh). sales_metrics_by_task is compared too: a
# file run shards events into the tasks by the same partitioner as the producer, so even the
# per-task rows agree; so do inventory_status and low_stock_alerts (a product's task is
# PartitionForKey(product_id) in both).
dump() {  # dump DB FILE
  dump_tables "$1" "$2" transactions transaction_items sales_metrics sales_metrics_by_task \
    transaction_anomalies dead_letter_events session_metrics cart_abandonment \
    inventory_status low_stock_alerts
}
without_section() {  # without_section DUMP TABLE → the dump without TABLE's rows
  awk -v t="== $2" '/^== /{on = ($0 == t)} !on' "$1"
}
# The shop topics' offsets only: the group's internal topic has offsets of its own.
committed() {  # committed DB GROUP → the offsets committed by GROUP, summed over partitions
  psql_on "$1" -Atc "SELECT coalesce(sum(next_offset), 0) FROM stream_offsets
                     WHERE consumer_group = '$2' AND source_topic NOT LIKE '%-stock_changes'"
}
internal_committed() {  # internal_committed DB GROUP → partitions of GROUP's internal topic
  psql_on "$1" -Atc "SELECT count(*) FROM stream_offsets WHERE consumer_group = '$2'
                     AND source_topic = '$2-stock_changes' AND next_offset > 0"
}
tasks_of() {  # tasks_of LOG → the tasks the process behind LOG was assigned, e.g. "0,1,2"
  sed -n 's/.*\[stream\] tasks \([0-9,]*\) assigned.*/\1/p' "$1" | tr ',' '\n' | sort -nu |
    paste -sd, -
}
assignments_of() {  # assignments_of LOG → "3,4,5(gen 2, 0/12 resumed) ..."
  sed -n 's/.*\[stream\] tasks \([0-9,]*\) assigned (generation \([0-9]*\)); \([0-9]*\) of \([0-9]*\) partitions.*/\1(gen \2, \3\/\4 resumed)/p' \
    "$1" | paste -sd' ' -
}
wait_for_assignment() {  # wait_for_assignment LOG PID: until LOG shows tasks assigned or PID ends
  for _ in $(seq 1200); do
    grep -qs '\[stream\] tasks .* assigned' "$1" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

wait_for_progress() {  # wait_for_progress DB GROUP BEFORE: until more than BEFORE is committed
  # Polls inside PostgreSQL (each statement of a DO block sees the latest commits), so it
  # returns within ~10 ms of the commit even on a busy machine; gives up after 60 s.
  psql_on "$1" -qc "DO \$\$ BEGIN
    FOR i IN 1..6000 LOOP
      EXIT WHEN (SELECT coalesce(sum(next_offset), 0) FROM stream_offsets
                 WHERE consumer_group = '$2' AND source_topic NOT LIKE '%-stock_changes') > $3;
      PERFORM pg_sleep(0.01);
    END LOOP;
  END \$\$" >/dev/null
}

# --- Input: the same events into Kafka and into a file ------------------------------------------
# Plus, with kcat, bad messages on the Kafka side only (dead letters): one not-JSON message at
# offset 0 and one invalid event at the end of every partition of two topics.
topics=(transactions product_views cart_events inventory_updates)
bad_topics=(transactions cart_events)
bad=0
have_kcat=false
command -v kcat >/dev/null && have_kcat=true
produce_bad() {  # produce_bad TOPIC PARTITION LINE
  printf '%s\n' "$3" | kcat -P -b "$brokers" -t "$1" -p "$2" 2>>kcat.err && bad=$((bad + 1))
}
if $have_kcat; then
  for t in "${bad_topics[@]}"; do
    for ((p = 0; p < partitions; p++)); do produce_bad "$t" "$p" "not JSON: $t $p, before the events"; done
  done
fi
gen=(generate --profile seed --rate max --count "$events_count" --start 2026-01-01T00:00:00Z -q)
"$bin" "${gen[@]}" --to kafka --brokers "$brokers" 2>generate-kafka.err
check "generate --to kafka exits 0" test $? -eq 0
"$bin" "${gen[@]}" --to "file:$work/events.jsonl" 2>generate-file.err
check "generate --to file exits 0" test $? -eq 0
lines=$(wc -l <"$work/events.jsonl")
check "the file holds $events_count events" test "$lines" -eq "$events_count"
if $have_kcat; then
  tx=$(grep -m1 '"event_type":"transactions"' "$work/events.jsonl")
  cart=$(grep -m1 '"event_type":"cart_events".*"action":"add"' "$work/events.jsonl")
  for ((p = 0; p < partitions; p++)); do
    produce_bad transactions "$p" "$(sed 's/"quantity":[0-9]*/"quantity":"abc"/' <<<"$tx")"
    produce_bad cart_events "$p" "$(sed 's/"action":"add"/"action":"steal"/' <<<"$cart")"
  done
  check "kcat produced the $((4 * partitions)) bad messages" test "$bad" -eq $((4 * partitions))
  # Every message is on the broker, from offset 0 (the mock silently drops the oldest data of a
  # partition past 5 MiB): kcat, an independent client, counts them.
  on_broker=0
  for t in "${topics[@]}"; do
    n=$(kcat -C -b "$brokers" -t "$t" -e -q -f '%o\n' | awk '$1 == 0 {z++} END {print NR " " z + 0}')
    check "$t: every partition still starts at offset 0 (messages, partitions at 0: $n)" \
      test "${n#* }" -eq "$partitions"
    on_broker=$((on_broker + ${n% *}))
  done
  check "the broker holds the $events_count events and $bad bad messages ($on_broker)" \
    test "$on_broker" -eq $((events_count + bad))
else
  echo "kcat is not installed: no bad messages, and the broker's content is not counted"
  on_broker=$events_count
fi
echo "input: $events_count events on the broker ($brokers, $partitions partitions per topic)" \
  "with $bad bad messages, and in a file ($(du -h "$work/events.jsonl" | cut -f1));" \
  "setup took $(elapsed)"

kafka_flags=(--from kafka --brokers "$brokers" --until-eof --checkpoint-interval 200ms
  --set kafka.properties.session.timeout.ms=6000 --set kafka.properties.heartbeat.interval.ms=500)
stream_kafka() {  # stream_kafka DB GROUP: runs `stream --from kafka` in the foreground
  timeout 240 "$bin" stream "${kafka_flags[@]}" --group "$2" --pg "$(url_of "$1")" \
    --set log.dir="$work/log"
}

# --- (0) The reference: a file run and a clean Kafka run ----------------------------------------
t=$SECONDS
timeout 240 "$bin" stream --from "file:$work/events.jsonl" --until-eof --checkpoint-interval 200ms \
  --pg "$(url_of ref)" --set log.dir="$work/log" >ref.out 2>&1
rc=$?
check "(0) file run exits 0" test $rc -eq 0
[[ $rc -eq 0 ]] || tail -5 ref.out >&2
echo "(0) file run: $((SECONDS - t)) s: $(grep -m1 '^received' ref.out)"
t=$SECONDS
stream_kafka clean eo-clean >clean.out 2>&1
rc=$?
check "(0) clean Kafka run exits 0" test $rc -eq 0
[[ $rc -eq 0 ]] || tail -5 clean.out >&2
echo "(0) clean Kafka run: $((SECONDS - t)) s: $(grep -m1 '^received' clean.out)"
echo "    assignments: $(assignments_of clean.out)"
check "(0) the Kafka run read every message" contains "$(grep -m1 '^received' clean.out)" \
  "received $on_broker "
dump ref ref.dump
dump clean clean.dump
for table in transactions transaction_items sales_metrics sales_metrics_by_task transaction_anomalies \
  session_metrics cart_abandonment inventory_status low_stock_alerts; do
  check "(0) the clean Kafka run wrote $table" test "$(section_rows clean.dump $table)" -gt 0
done
check "(0) the file run wrote low_stock_alerts" test "$(section_rows ref.dump low_stock_alerts)" -gt 0
check "(0) the internal topic's offsets are committed for every partition" \
  test "$(internal_committed clean eo-clean)" -eq "$partitions"
check "(0) no warning that inventory is off" lacks "$(cat clean.out)" "inventory tracking is off"
echo "    rows: $(for table in transactions transaction_items sales_metrics transaction_anomalies \
  dead_letter_events; do printf '%s %s · ' $table "$(section_rows clean.dump $table)"; done)"
sales=$(psql_on clean -Atc "SELECT count(*) > 0 AND bool_and(is_final) FROM sales_metrics")
check "(0) sales_metrics: every window final after --until-eof" test "$sales" = t
check "(0) committed offsets = every message on the broker" \
  test "$(committed clean eo-clean)" -eq "$on_broker"
check "(0) file run: no dead letters" test "$(section_rows ref.dump dead_letter_events)" -eq 0
check "(0) Kafka run: one dead letter per bad message ($bad)" \
  test "$(section_rows clean.dump dead_letter_events)" -eq "$bad"
without_section ref.dump dead_letter_events >ref.cmp
without_section clean.dump dead_letter_events >clean.cmp
check "(0) Kafka run = file run (derived columns of all tables but the dead letters)" \
  same_tables ref.cmp clean.cmp

# --- (b) kill -9 at random points, restart, and finish --------------------------------------------
# Kill points: run 1, 0.5–2 s after the start (as a rule while the process joins the group,
# which takes about 3 s with the mock cluster); runs 2 and 4, 0–0.1 s and 0–0.4 s after the
# restarted process's first commit is visible (mid-run); run 3, 0.05–0.6 s after the restarted
# process got its tasks (as a rule after it claimed them, before its first commit, which lands
# about 0.5 s after the assignment; reading everything takes 1–2 s from there). A killed
# process stays in the group until the session timeout (6 s), so each restart waits for that
# before it gets its tasks.
seed=${GM_TEST_SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$seed
kills=4
echo "(b) kill -9 at random points: seed $seed (GM_TEST_SEED=$seed repeats them)"
t=$SECONDS
mid_run=0
for ((i = 1; i <= kills; i++)); do
  log=killed.$i.out
  "$bin" stream "${kafka_flags[@]}" --group eo-killed --pg "$(url_of killed)" \
    --set log.dir="$work/log" >"$log" 2>&1 &
  pid=$!
  bg_pids=("$pid")
  started=$SECONDS
  if ((i == 1)); then
    ms=$((500 + RANDOM % 1501))
    point="$ms ms after the start"
  else
    wait_for_assignment "$log" "$pid"
    if ((i % 2 == 0)); then
      # Run 2 surely mid-run: 0–100 ms after this run's first commit is visible (its next
      # commit waits for that one and takes a few hundred ms); run 4 0–400 ms after it.
      before=$(committed killed eo-killed)
      ((before < on_broker)) && wait_for_progress killed eo-killed "$before"
      if ((i == 2)); then ms=$((RANDOM % 101)); else ms=$((RANDOM % 401)); fi
      point="$ms ms after its first commit ($((SECONDS - started)) s after the start)"
    else
      # As a rule after the tasks were claimed and before the first commit.
      ms=$((50 + RANDOM % 551))
      point="$ms ms after its first assignment ($((SECONDS - started)) s after the start)"
    fi
  fi
  sleep_ms "$ms"
  if kill -9 "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null
    what="killed $point"
  else
    wait "$pid"
    rc=$?
    what="had finished with exit code $rc before the kill ($point)"
    check "(b) run $i, finished before its kill, exited 0" test $rc -eq 0
    [[ $rc -eq 0 ]] || tail -5 "$log" >&2
  fi
  bg_pids=()
  done_offsets=$(committed killed eo-killed)
  ((done_offsets > 0 && done_offsets < on_broker)) && mid_run=$((mid_run + 1))
  echo "  run $i: $what; assignments: $(assignments_of "$log")"
  echo "         committed $done_offsets of $on_broker messages"
done
stream_kafka killed eo-killed >killed.last.out 2>&1
rc=$?
echo "  last run: exit $rc; assignments: $(assignments_of killed.last.out);" \
  "$((SECONDS - t)) s in all"
check "(b) the run after $kills kills exits 0" test $rc -eq 0
[[ $rc -eq 0 ]] || tail -5 killed.last.out >&2
# Progress is resumed: some restart found offsets stored for its partitions.
resumed=$(cat killed.*.out | grep -c '\[stream\] tasks .* assigned .*; [1-9][0-9]* of [0-9]* partitions resume from stored offsets')
echo "  $resumed assignments resumed from stored offsets; $mid_run of $kills kills left a" \
  "partly committed run"
# Information, not a check (it depends on where the kills landed): changes that a restarted
# task sent again and their readers dropped.
echo "  re-sent stock changes dropped: $(sed -n 's/.*stock re-partition topic: \([0-9]*\) re-sent.*/\1/p' \
  killed.*.out | awk '{n += $1} END {print n + 0}') (logged by processes that were not killed)"
check "(b) restarts log 'tasks ... assigned ...; N of M partitions resume from stored offsets'" \
  test "$resumed" -ge 1
check "(b) at least one kill landed mid-run (some but not all offsets committed)" \
  test "$mid_run" -ge 1
check "(b) committed offsets = every message on the broker" \
  test "$(committed killed eo-killed)" -eq "$on_broker"
dump killed killed.dump
check "(b) kill -9 and restart: tables identical to the clean run" same_tables clean.dump killed.dump

# --- (d) two processes in one consumer group, started together ---------------------------------
# (e) the same, but the second process joins once the first one has its tasks and is reading
# them; the first runs one consumer thread (--workers 1), so it is still busy when the group
# rebalances and tasks move to the newcomer mid-run, their state restored from PostgreSQL.
two_processes() {  # two_processes NAME DB GROUP MODE (together|joins-later)
  local name=$1 db=$2 group=$3 mode=$4
  local first=()
  [[ $mode == joins-later ]] && first=(--workers 1)
  t=$SECONDS
  timeout 240 "$bin" stream "${kafka_flags[@]}" --group "$group" --pg "$(url_of "$db")" \
    --set log.dir="$work/log" "${first[@]}" >"$db.1.out" 2>&1 &
  local p1=$!
  bg_pids=("$p1")
  if [[ $mode == joins-later ]]; then
    wait_for_assignment "$db.1.out" "$p1"
    echo "  process 1 got tasks {$(tasks_of "$db.1.out")} after $((SECONDS - t)) s; process 2 starts"
  fi
  timeout 240 "$bin" stream "${kafka_flags[@]}" --group "$group" --pg "$(url_of "$db")" \
    --set log.dir="$work/log" >"$db.2.out" 2>&1 &
  local p2=$!
  bg_pids=("$p1" "$p2")
  wait "$p1"
  local rc1=$?
  wait "$p2"
  local rc2=$?
  bg_pids=()
  echo "  $((SECONDS - t)) s; exit codes $rc1 and $rc2"
  check "$name process 1 exits 0" test $rc1 -eq 0
  check "$name process 2 exits 0" test $rc2 -eq 0
  [[ $rc1 -eq 0 ]] || tail -5 "$db.1.out" >&2
  [[ $rc2 -eq 0 ]] || tail -5 "$db.2.out" >&2
  local k
  for k in 1 2; do
    echo "  process $k: tasks {$(tasks_of "$db.$k.out")}; assignments: $(assignments_of "$db.$k.out")"
    echo "             $(grep -m1 '^received' "$db.$k.out")"
  done
  local t1 t2 moved
  t1=$(tasks_of "$db.1.out")
  t2=$(tasks_of "$db.2.out")
  if [[ -z $t1 || -z $t2 ]]; then
    echo "  NOTE: the group gave one process every task (the broker's choice), so this run did" \
      "not share the work"
  fi
  moved=$(comm -12 <(tr ',' '\n' <<<"$t1" | sort) <(tr ',' '\n' <<<"$t2" | sort) | paste -sd, -)
  if [[ -n $moved ]]; then
    echo "  tasks {$moved} were hosted by both processes (a rebalance moved them)"
  elif [[ $mode == joins-later ]]; then
    echo "  NOTE: no task moved between the processes (process 1 finished its tasks before the" \
      "rebalance, or the group kept them): this run did not exercise a move mid-run"
  fi
  local resumed
  resumed=$(cat "$db.1.out" "$db.2.out" |
    grep -c '\[stream\] tasks .* assigned .*; [1-9][0-9]* of [0-9]* partitions resume from stored offsets')
  echo "  $resumed assignments resumed from stored offsets"
  check "$name the two processes together received every message" \
    test "$(($(sed -n 's/^received \([0-9]*\) .*/\1/p' "$db.1.out") + \
      $(sed -n 's/^received \([0-9]*\) .*/\1/p' "$db.2.out")))" -ge "$on_broker"
  check "$name committed offsets = every message on the broker" \
    test "$(committed "$db" "$group")" -eq "$on_broker"
  dump "$db" "$db.dump"
  check "$name two processes in one group: tables identical to the clean run" \
    same_tables clean.dump "$db.dump"
}
echo "(d) two processes in one consumer group, started together"
two_processes "(d)" pair eo-pair together
echo "(e) two processes in one consumer group, the second joining while the first runs"
two_processes "(e)" late eo-late joins-later

# --- The internal topics stayed whole ---------------------------------------------------------------
# The mock silently drops a partition's oldest data past 5 MiB: every partition of every
# group's internal topic must still start at offset 0 (re-sent records included).
if $have_kcat; then
  for g in "${groups[@]}"; do
    n=$(kcat -C -b "$brokers" -t "$g-stock_changes" -e -q -f '%p %o %S\n' |
      awk '$2 == 0 {z++} {b[$1] += $3} END {m = 0; for (p in b) if (b[p] > m) m = b[p];
           print z + 0, NR, m}')
    read -r zeros records largest <<<"$n"
    echo "  $g-stock_changes: $records records, largest partition $((largest / 1024)) KiB of payload"
    check "$g-stock_changes: every partition still starts at offset 0" test "$zeros" -eq "$partitions"
  done
fi

finish
