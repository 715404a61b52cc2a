#!/usr/bin/env bash
# RSS flatness of the stream engine at a constant rate (issue 3: "RSS flat (±10 %) over
# 5 minutes at a constant 50,000 events/s"), into PostgreSQL.
#
# `globalmart stream --from memory` generates the seed profile in-process at RATE events/s
# and commits to a throw-away embedded cluster. Its RSS is sampled every SAMPLE seconds from
# /proc; the first WARMUP seconds are left out. State that lives for the dedup horizon (ids
# of the last 10 minutes of event time) grows until the horizon is full, so the run uses a
# horizon shorter than the warm-up (DESIGN.md §9: "RSS flatness after a warm-up longer than
# the dedup horizon"). The same goes for the users' amount baselines, kept 7 days after a
# user's last purchase: with 10,000,000 customers new users keep coming for hours, so the run
# keeps them BASELINE_TTL (120 s, inside the warm-up) instead — memory per user is what it
# is either way, and the question here is whether anything grows without a bound.
# The customer population is 10,000,000: a small one caps the rate,
# because one customer's sessions never overlap (the generator needs about rate × 100 s of
# customers, and warns when it has too few: the default 1,000,000 give only ~35,000 of the
# seed profile's events/s). The table row says the rate sustained: when the engine cannot
# keep up, the bus slows the generator and batches grow.
#
# Usage: scripts/bench-rss.sh GLOBALMART [PG_FLAGS...]
#   PG_FLAGS: --set store.* flags of an embedded cluster that is already running (bench.sh
#   passes its own); without them a throw-away cluster is started and stopped.
# Environment: RATE (50000), WARMUP (180 s: open sessions and carts fill up in about 3 minutes at this rate), MEASURE (300 s), SAMPLE (10 s),
#   HORIZON (60s), BASELINE_TTL (120s), CUSTOMERS (10000000), PROCESSORS (all: stream.processors).
# Prints one markdown table row:
#   | MEASURE s at RATE events/s asked, N sustained | min MiB | max MiB | mean MiB |
#   ± % from the mean | spread % of min | trend MiB/min | verdict |
set -euo pipefail
bin=$1
shift
rate=${RATE:-50000}
warmup=${WARMUP:-180}
measure=${MEASURE:-300}
sample=${SAMPLE:-10}
horizon=${HORIZON:-60s}
baseline_ttl=${BASELINE_TTL:-120s}
customers=${CUSTOMERS:-10000000}
processors=${PROCESSORS:-all}

# shellcheck source=../tests/lib/ports.sh
source "$(dirname "$0")/../tests/lib/ports.sh"
work=$(mktemp -d /tmp/gm-bench-rss.XXXXXX)
chmod 755 "$work"  # the embedded PostgreSQL runs as the postgres user when we are root
pg_flags=("$@")
own_cluster=0
if ((${#pg_flags[@]} == 0)); then
  pg_flags=(--set store.data_dir="$work/pg" --set store.port="$(free_port)"
            --set log.dir="$work/log")
  own_cluster=1
fi
stream_pid=""
cleanup() {
  if [[ -n $stream_pid ]]; then kill "$stream_pid" 2>/dev/null; wait "$stream_pid" 2>/dev/null; fi
  ((own_cluster)) && "$bin" db stop "${pg_flags[@]}" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

if ((own_cluster)); then
  "$bin" db start "${pg_flags[@]}" >/dev/null 2>&1
fi

total=$(((warmup + measure + 30) * rate))
echo "bench-rss: stream --from memory at $rate events/s, warm-up ${warmup} s, then RSS every" \
  "${sample} s for ${measure} s (dedup horizon $horizon, baselines $baseline_ttl, $customers customers," \
  "processors $processors)" >&2
"$bin" stream --from memory --profile seed --rate "$rate" --count "$total" \
  --group "bench-rss-$$" --set stream.dedup_horizon="$horizon" \
  --set stream.baseline_ttl="$baseline_ttl" \
  --set generator.customers="$customers" --set stream.processors="$processors" \
  "${pg_flags[@]}" >"$work/out" 2>"$work/err" &
stream_pid=$!

rss_mib() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$stream_pid/status"; }
# Events committed so far, from the engine's progress line (every 5 s): the rate actually
# sustained, since the in-process bus slows the generator down when the engine lags.
received() { cat "$work/out" "$work/err" 2>/dev/null | grep -o 'received [0-9]*' | tail -1 | tr -dc 0-9; }
elapsed=0
samples=()
received_start=""
while ((elapsed < warmup + measure)); do
  sleep "$sample"
  elapsed=$((elapsed + sample))
  if ! kill -0 "$stream_pid" 2>/dev/null; then
    echo "bench-rss: stream exited early:" >&2
    tail -5 "$work/err" >&2
    exit 1
  fi
  now=$(rss_mib)
  if ((elapsed > warmup)); then samples+=("$now"); fi
  if ((elapsed >= warmup)) && [[ -z $received_start ]]; then received_start=$(received); fi
  echo "bench-rss: ${elapsed} s: RSS ${now} MiB$( ((elapsed <= warmup)) && echo ' (warm-up)')" >&2
done

received_end=$(received)
achieved=$(( (10#${received_end:-0} - 10#${received_start:-0}) / measure ))
# The verdict is the issue's "flat (±10 %)": every sample within ±10 % of the run's mean, and
# no trend. The table also gives the spread (highest − lowest, in % of the lowest: a stricter
# figure, ±5 % when it is 10 %) and the least-squares trend in MiB per minute.
printf '%s\n' "${samples[@]}" | awk -v rate="$rate" -v got="$achieved" -v secs="$measure" \
  -v step="$sample" '
  NR == 1 { min = $1; max = $1 }
  {
    if ($1 < min) min = $1; if ($1 > max) max = $1
    v[NR] = $1; sum += $1; x = NR * step; sx += x; sxx += x * x; sxy += x * $1
  }
  END {
    n = NR; mean = sum / n
    spread = (max - min) * 100 / min
    deviation = (max - mean > mean - min ? max - mean : mean - min) * 100 / mean
    trend = n > 1 ? (n * sxy - sx * sum) / (n * sxx - sx * sx) * 60 : 0
    printf "| %d s at %d events/s asked, %d sustained (after warm-up) | %.1f | %.1f | %.1f | ±%.1f %% | %.1f %% | %+.1f | %s |\n",
      secs, rate, got, min, max, mean, deviation, spread, trend,
      (deviation <= 10 ? "flat (within ±10 %)" : "NOT flat (beyond ±10 %)")
  }'
