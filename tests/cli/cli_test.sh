#!/usr/bin/env bash
# End-to-end checks of the `globalmart` command line: help on every command, exit codes,
# config precedence, and `up` running the pipeline into its embedded PostgreSQL.
# Usage: cli_test.sh PATH_TO_GLOBALMART
set -uo pipefail
test_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)
bin=$1
work=$(mktemp -d /tmp/gm-cli-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"  # no ./config/globalmart.toml here: defaults apply unless a test says otherwise
# shellcheck source=../lib/check.sh
source "$test_lib/check.sh"
# shellcheck source=../lib/ports.sh
source "$test_lib/ports.sh"

# --help works on the program and every command, with exit code 0.
for cmd in "" version "config" "config show" generate "catalog" "catalog export" "catalog load" db "db psql" dev-broker stream up; do
  # shellcheck disable=SC2086
  out=$("$bin" $cmd --help 2>&1)
  rc=$?
  check "'$cmd --help' exits 0" test $rc -eq 0
  check "'$cmd --help' prints usage" contains "$out" "Usage"
done

out=$("$bin" version)
check "version prints the version" contains "$out" "globalmart 0."

# Usage errors: exit code 2 and a message naming the offending key or value.
out=$("$bin" no-such-command 2>&1); rc=$?
check "unknown command exits 2" test $rc -eq 2
out=$("$bin" generate --rate fast --count 1 --to null 2>&1); rc=$?
check "bad --rate exits 2" test $rc -eq 2
check "bad --rate names the key" contains "$out" "generator.rate"
out=$("$bin" generate --profile fancy --to null 2>&1); rc=$?
check "bad --profile exits 2" test $rc -eq 2
check "bad --profile names the value" contains "$out" "fancy"
out=$(GLOBALMART_GENERATOR_SEEDS=3 "$bin" config show 2>&1); rc=$?
check "unknown env var exits 2" test $rc -eq 2
check "unknown env var is named" contains "$out" "GLOBALMART_GENERATOR_SEEDS"
printf '[generator]\nrate = "slow"\n' >bad.toml
out=$("$bin" --config bad.toml config show 2>&1); rc=$?
check "bad file value exits 2" test $rc -eq 2
check "bad file value names the key" contains "$out" "generator.rate"
out=$("$bin" --config missing.toml config show 2>&1); rc=$?
check "missing config file exits 2" test $rc -eq 2
out=$("$bin" generate --to carrier-pigeon --count 1 2>&1); rc=$?
check "bad --to exits 2" test $rc -eq 2
check "bad --to names the value" contains "$out" "carrier-pigeon"
out=$("$bin" stream --from file:none.jsonl --processors inventory 2>&1); rc=$?
check "inventory without sessions exits 2" test $rc -eq 2
check "inventory without sessions says why" contains "$out" "inventory needs sessions"
out=$("$bin" stream --from file:none.jsonl --processors sales,refunds 2>&1); rc=$?
check "unknown processor exits 2" test $rc -eq 2
check "unknown processor is named" contains "$out" "'refunds'"

# Precedence: flag > env > file > default, as `config show` reports it.
printf '[generator]\nrate = 100\nseed = 5\ncustomers = 2000\n' >gm.toml
out=$(GLOBALMART_GENERATOR_RATE=200 GLOBALMART_GENERATOR_SEED=6 "$bin" --config gm.toml \
  --set generator.rate=300 config show)
check "flag wins" contains "$out" "rate = 300"
check "env beats file" contains "$out" "seed = 6"
check "file beats default" contains "$out" "customers = 2000"
check "origins are shown" contains "$out" "# flag"

# The database commands against an embedded cluster in the test folder.
for cmd in db "db migrate" "db status" "db psql" "db start" "db stop" "catalog load"; do
  # shellcheck disable=SC2086
  out=$("$bin" $cmd --help 2>&1)
  check "'$cmd --help' exits 0" test $? -eq 0
done
chmod 755 "$work"  # when root, the server runs as the postgres user and must reach its folder
port=$(free_port) || exit 1
out=$("$bin" db migrate --data-dir "$work/pg" --port "$port" 2>&1); rc=$?
check "db migrate exits 0" test $rc -eq 0
check "db migrate applies 0001" contains "$out" "applied 0001_core"
out=$("$bin" db status --data-dir "$work/pg" --port "$port" 2>&1)
check "db status lists 0001" contains "$out" "0001_core  applied"
out=$("$bin" db migrate --pg bogus 2>&1); rc=$?
check "bad --pg exits 2" test $rc -eq 2

# `up` runs generator → memory bus → stream engine → PostgreSQL (a private cluster here).
pg_port=$(free_port) || exit 1
up_flags=(--customers 5000 --set up.report_interval=1s --set log.dir="$work/log"
          --set store.data_dir="$work/var/pg" --set store.port=$pg_port)
out=$(timeout 120 "$bin" up --run-for 4s "${up_flags[@]}" 2>&1)
rc=$?
check "up --run-for exits 0" test $rc -eq 0
check "up says where the database is" contains "$out" "database: postgresql://"
check "up says how to open psql" contains "$out" "open it with: psql"
check "up loads the catalog" contains "$out" "catalog loaded: 250000 products, 5000 customers"
check "up prints progress" contains "$out" "events/s · received"
total_line=$(grep "total: received" <<<"$out")
check "up consumed events" test -n "$total_line"
check "up reports no dead letters" contains "$total_line" "dead letters 0"
check "up writes a log file" test -s "$work/log/globalmart.log"
# A second start reuses the cluster and the loaded catalog.
out=$(timeout 120 "$bin" up --run-for 2s "${up_flags[@]}" 2>&1)
check "up starts again" test $? -eq 0
check "up keeps the loaded catalog" contains "$out" "already loaded"
rows=$(timeout 60 "$bin" db psql --set store.data_dir="$work/var/pg" --set store.port=$pg_port \
       -- -Atc "SELECT count(*) > 0 FROM transactions" 2>/dev/null)
check "up archived transactions" test "$rows" = "t"
"$bin" db stop --set store.data_dir="$work/var/pg" >/dev/null 2>&1

echo "$pass passed, $failures failed"
test $failures -eq 0
