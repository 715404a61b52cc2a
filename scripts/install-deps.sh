#!/usr/bin/env bash
# Installs the Debian 12 packages GlobalMart needs to build, test and run.
# Idempotent: packages already present are skipped, so a second run is fast.
# Runs apt-get directly when root, through sudo otherwise.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config ccache mold clang-14 libfuzzer-14-dev
  # libraries (see docs/dependencies.md for why each is here)
  librdkafka-dev libsimdjson-dev libcli11-dev libtomlplusplus-dev libzstd-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev libssl-dev libpqxx-dev libpq-dev
  # the HTTP server: RESTinio on standalone Asio, its HTTP parser, zlib for gzip
  librestinio-dev libasio-dev libhttp-parser-dev zlib1g-dev
  # the embedded database and the integration tests
  postgresql
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev kcat time
  # the API benchmark (scripts/bench.sh)
  wrk
  # the explorer's SQL-injection check (tests/server/explorer_sqlmap_test.sh)
  sqlmap curl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} Debian packages present"
else
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  # A stale package list makes apt-get install fail with 404s; refresh once.
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Front-end packages (swagger-ui-dist for /docs, the OpenAPI validator of the tests) from the
# committed lock file. Node.js and npm come from Debian when no node is installed yet.
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -f "$root/web/package-lock.json" ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm
  fi
  (cd "$root/web" && npm ci --no-audit --no-fund --loglevel=error)
fi
