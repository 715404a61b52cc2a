#!/usr/bin/env bash
# sqlmap (Debian package `sqlmap`) against the data explorer, bounded: it must find nothing
# injectable in any field of POST /api/v1/explorer/query (table, columns, filters' column, op
# and value, order, limit — sqlmap tries every JSON value of the body).
#
# usage: explorer_sqlmap_test.sh SERVER_URL API_KEY
#   SERVER_URL  e.g. http://127.0.0.1:8000 (a running `globalmart serve` with data)
#   API_KEY     a key whose scope the explorer route needs (`globalmart apikey create`),
#               exempt from the rate limit (auth.rate_limit_exempt): sqlmap answered by 429s
#               would prove nothing, so those make the test fail
# Environment: SQLMAP_TIMEOUT (seconds, default 900) bounds the whole run; SQLMAP_LOG names a
# file to keep sqlmap's output in.
#
# Exit: 0 when sqlmap ran to the end and reported no injection point; 1 otherwise (the
# report is printed); 77 (skipped) when sqlmap is not installed.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 SERVER_URL API_KEY" >&2
  exit 2
fi
url="${1%/}/api/v1/explorer/query"
key="$2"
if ! command -v sqlmap >/dev/null; then
  echo "SKIP: sqlmap is not installed (scripts/install-deps.sh installs it)" >&2
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A query that returns rows, so boolean- and union-based checks have a baseline to compare.
body='{"table":"transactions","columns":["transaction_id","country"],"filters":[{"column":"country","op":"=","value":"DE"},{"column":"total_amount_cents","op":">=","value":0}],"order":[{"column":"transaction_id","dir":"asc"}],"limit":5}'

# The key must work, else sqlmap would only ever see 401s and prove nothing.
status=$(curl -s -o "$work/probe.json" -w '%{http_code}' -X POST -H "X-API-Key: $key" \
  -H 'Content-Type: application/json' --data "$body" "$url" || true)
if [[ "$status" != 200 ]]; then
  echo "FAIL: the explorer answered $status to a valid query (want 200):" >&2
  cat "$work/probe.json" >&2 || true
  exit 1
fi

set +e
timeout "${SQLMAP_TIMEOUT:-900}" sqlmap -u "$url" --method POST --data "$body" \
  -H "X-API-Key: $key" -H 'Content-Type: application/json' \
  --batch --level 2 --risk 1 --technique=BEUST --time-sec 1 --flush-session \
  --disable-coloring --output-dir "$work/out" >"$work/sqlmap.log" 2>&1
rc=$?
set -e
if [[ -n "${SQLMAP_LOG:-}" ]]; then cp "$work/sqlmap.log" "$SQLMAP_LOG"; fi

# sqlmap sums up the HTTP errors it met: refusals by the gate mean the payloads never reached
# the explorer.
if grep -qE '(401|403|429) \(' "$work/sqlmap.log"; then
  echo "FAIL: the server refused sqlmap's requests (key not valid, or not exempt from the rate" \
    "limit: auth.rate_limit_exempt):" >&2
  grep -E 'HTTP error codes|(401|403|429) \(' "$work/sqlmap.log" >&2
  exit 1
fi

if grep -qiE 'identified the following injection point|is vulnerable' "$work/sqlmap.log"; then
  echo "FAIL: sqlmap found an injection point:" >&2
  cat "$work/sqlmap.log" >&2
  exit 1
fi
if [[ $rc -eq 124 ]]; then
  echo "FAIL: sqlmap did not finish within ${SQLMAP_TIMEOUT:-900}s" >&2
  tail -40 "$work/sqlmap.log" >&2
  exit 1
fi
if ! grep -qi 'do not appear to be injectable' "$work/sqlmap.log"; then
  echo "FAIL: sqlmap ended (exit $rc) without its 'not injectable' verdict:" >&2
  tail -40 "$work/sqlmap.log" >&2
  exit 1
fi
tested=$(grep -ciE "testing '|parameter '" "$work/sqlmap.log" || true)
echo "PASS: sqlmap (level 2, risk 1, techniques BEUST) found nothing injectable ($tested checks logged)"
