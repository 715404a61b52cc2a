#pragma once

// What the route handlers share, and one registration function per API resource
// (handlers/<resource>.cpp).

#include <functional>
#include <string>

#include "common/config.h"
#include "common/time.h"
#include "server/http.h"
#include "server/internal/live.h"
#include "server/internal/metrics.h"
#include "server/internal/reader.h"
#include "server/internal/ttl_cache.h"
#include "server/router.h"

namespace gm::server {

namespace explorer {
class Explorer;
}

struct ApiContext {
  const ServerConfig& config;
  const Reader& reader;
  RequestMetrics* metrics = nullptr;  //!< set once the route table is complete
  LiveFeed& live;
  ResponseCache& cache;
  const Clock& clock;
  explorer::Explorer* explorer = nullptr;  //!< set when the explorer routes are enabled
};

//! Runs `body`; a failed Result becomes its problem response (problem.h).
Response Answer(const std::function<Result<Response>()>& body);

//! A JSON response with `body`.
Response Json(std::string body);

void AddSalesRoutes(Router& router, ApiContext& ctx);
void AddAnomalyRoutes(Router& router, ApiContext& ctx);
void AddIngestionRoutes(Router& router, ApiContext& ctx);
void AddDeadLetterRoutes(Router& router, ApiContext& ctx);
void AddSessionRoutes(Router& router, ApiContext& ctx);
void AddInventoryRoutes(Router& router, ApiContext& ctx);
void AddLiveRoutes(Router& router, ApiContext& ctx);
//! /api/v1/explorer/tables and /api/v1/explorer/query (admin scope). REQUIRES: ctx.explorer.
void AddExplorerRoutes(Router& router, ApiContext& ctx);
//! /health and /metrics.
void AddOperationsRoutes(Router& router, ApiContext& ctx);
//! /, /openapi.json, /docs, /docs/*, /static/*.
void AddWebRoutes(Router& router, ApiContext& ctx);

//! The embedded OpenAPI document (src/server/openapi.json, compiled in).
std::string_view OpenApiDocument();

}  // namespace gm::server
