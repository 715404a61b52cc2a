#!/usr/bin/env bash
# sqlmap against a real `globalmart serve`: starts a throw-away embedded cluster, fills
# transactions with a few rows, creates an admin key exempt from the rate limit, serves the API
# on a free port and runs explorer_sqlmap_test.sh against POST /api/v1/explorer/query.
# Usage: explorer_sqlmap_e2e.sh PATH_TO_GLOBALMART
# GM_TEST_KEEP=1 keeps the work folder (server log, sqlmap log).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=$1
if ! command -v sqlmap >/dev/null; then
  echo "SKIP: sqlmap is not installed (scripts/install-deps.sh installs it)" >&2
  exit 77
fi
work=$(mktemp -d /tmp/gm-sqlmap-test.XXXXXX)
chmod 755 "$work"  # when root, the server runs as the postgres user and must reach its folder
cd "$work" || exit 1
# shellcheck source=../lib/ports.sh
source "$here/../lib/ports.sh"
pg_port=$(free_port) || exit 1
http_port=$(free_port) || exit 1
while [[ $http_port == "$pg_port" ]]; do http_port=$(free_port) || exit 1; done
store=(--set store.data_dir="$work/pg" --set store.port="$pg_port" --set log.dir="$work/log")
serve_pid=""
cleanup() {
  if [[ -n $serve_pid ]]; then kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; fi
  "$bin" db stop "${store[@]}" >/dev/null 2>&1
  cd /
  if [[ -n ${GM_TEST_KEEP:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

out=$("$bin" db start "${store[@]}" 2>&1) || fail "db start: $out"
url=$(sed -n 's/^url: //p' <<<"$out")
[[ -n $url ]] || fail "db start printed no url: $out"
key=$("$bin" apikey create --name sqlmap --scope admin "${store[@]}" 2>apikey.err) ||
  fail "apikey create: $(cat apikey.err)"
"$bin" db psql "${store[@]}" -- -X -q -v ON_ERROR_STOP=1 -c "
  INSERT INTO transactions
  SELECT 't' || i, 'u' || (i % 10), NULL, now() - i * interval '1 minute', i * 100, i * 100,
         'card', (ARRAY['DE', 'FR', 'US'])[i % 3 + 1], NULL, 'EUR', 'web', false
  FROM generate_series(1, 50) i" >psql.out 2>&1 || fail "filling transactions: $(cat psql.out)"

"$bin" serve "${store[@]}" --port "$http_port" --set auth.rate_limit_exempt=sqlmap \
  >serve.log 2>&1 &
serve_pid=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$http_port/health" && break
  kill -0 "$serve_pid" 2>/dev/null || fail "serve exited: $(tail -5 serve.log)"
  sleep 0.2
done

SQLMAP_LOG="$work/sqlmap.log" "$here/explorer_sqlmap_test.sh" "http://127.0.0.1:$http_port" "$key"
