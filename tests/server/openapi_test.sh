#!/usr/bin/env bash
# src/server/openapi.json is a valid OpenAPI 3.1 document (@apidevtools/swagger-parser from
# web/node_modules) and names exactly the routes the server answers.
#   openapi_test.sh PRINT_ROUTES_BINARY SOURCE_DIR
set -euo pipefail
print_routes=$1
src=$2
if [[ ! -d "$src/web/node_modules/@apidevtools/swagger-parser" ]]; then
  echo "FAIL: web/node_modules missing; run scripts/install-deps.sh (npm ci in web/)" >&2
  exit 1
fi
# Path parameters ({file}, {product_id}) match the table's trailing /* patterns.
documented=$(cd "$src/web" && node validate_openapi.mjs "$src/src/server/openapi.json" |
  sed 's/{[^}]*}/{}/g' | sort)
served=$("$print_routes" | sort)
if [[ "$documented" != "$served" ]]; then
  echo "FAIL: routes and openapi.json differ (< served, > documented):" >&2
  diff <(echo "$served") <(echo "$documented") >&2 || true
  exit 1
fi
echo "ok: openapi.json validates and documents all $(echo "$served" | wc -l) routes"
