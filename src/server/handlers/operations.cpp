// /health (database reachable as the reader role, pipeline committing recently) and
// /metrics (Prometheus text: the server's request metrics plus pipeline counters).
#include <fmt/format.h>

#include <chrono>

#include "server/internal/api.h"
#include "server/internal/json.h"
#include "server/problem.h"

namespace gm::server {
namespace {

// The stream engine commits offsets and ingestion counts in its checkpoints; the newest of
// them says when the pipeline last made progress.
constexpr char kPipelineSql[] =
    "SELECT (extract(epoch FROM greatest((SELECT max(updated_at) FROM stream_offsets), "
    "(SELECT max(updated_at) FROM kafka_metrics_by_partition))) * 1000000)::bigint, "
    "(extract(epoch FROM now()) * 1000000)::bigint";

Response Health(ApiContext& ctx) {
  const auto started = std::chrono::steady_clock::now();
  Result<Rows> rows = ctx.reader.Query(kPipelineSql);
  const double db_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  std::string failed;
  std::string b = "{\"components\":{\"database\":";
  if (!rows.ok()) {
    failed = "database";
    b += "{\"status\":\"fail\",\"detail\":";
    AppendJsonString(
        b, rows.status().code() == ErrorCode::kTimeout ? "query timed out" : "unreachable");
    b += "},\"pipeline\":{\"status\":\"unknown\"}";
  } else {
    b += fmt::format("{{\"status\":\"ok\",\"latency_ms\":{:.2f}}}", db_ms);
    const auto& r = rows->values.at(0);
    b += ",\"pipeline\":";
    if (!r[0]) {
      // Nothing committed yet: a fresh database is not a failure.
      b += "{\"status\":\"ok\",\"detail\":\"no commits yet\"}";
    } else {
      const Micros last = std::stoll(*r[0]);
      const Micros lag = std::max<Micros>(0, std::stoll(r[1].value_or("0")) - last);
      const bool stale = ctx.config.health_max_lag > 0 && lag > ctx.config.health_max_lag;
      if (stale) failed = "pipeline";
      b += fmt::format("{{\"status\":\"{}\",\"last_commit\":\"{}\",\"lag_seconds\":{:.3f}",
                       stale ? "fail" : "ok", FormatTimestamp(last),
                       static_cast<double>(lag) / kMicrosPerSecond);
      if (stale) {
        b += ",\"detail\":\"no stream commit within server.health_max_lag (" +
             FormatDuration(ctx.config.health_max_lag) + ")\"";
      }
      b += "}";
    }
  }
  b += "},\"status\":";
  b += failed.empty() ? "\"ok\"" : "\"fail\",\"failed\":\"" + failed + "\"";
  b += "}";
  Response resp = Json(std::move(b));
  resp.status = failed.empty() ? 200 : 503;
  resp.AddHeader("Cache-Control", "no-store");
  return resp;
}

constexpr char kCountersSql[] =
    "SELECT topic, sum(received)::bigint, sum(valid)::bigint, sum(invalid)::bigint, "
    "sum(late)::bigint, sum(duplicate)::bigint FROM kafka_metrics GROUP BY topic ORDER BY topic";

Response Metrics(ApiContext& ctx) {
  std::string out = ctx.metrics->Render();
  Result<Rows> rows = ctx.reader.Query(kCountersSql);
  out +=
      "# HELP globalmart_pipeline_up Whether the API could read the pipeline counters.\n"
      "# TYPE globalmart_pipeline_up gauge\n";
  out += fmt::format("globalmart_pipeline_up {}\n", rows.ok() ? 1 : 0);
  if (rows.ok()) {
    static constexpr const char* kNames[] = {"received", "valid", "invalid", "late", "duplicate"};
    for (size_t m = 0; m < 5; ++m) {
      out += fmt::format(
          "# HELP globalmart_pipeline_{0}_total Messages {0}, by topic (kafka_metrics).\n"
          "# TYPE globalmart_pipeline_{0}_total counter\n",
          kNames[m]);
      for (const auto& r : rows->values) {
        out += fmt::format("globalmart_pipeline_{}_total{{topic=\"{}\"}} {}\n", kNames[m],
                           r[0].value_or(""), r[m + 1].value_or("0"));
      }
    }
  }
  Response resp;
  resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
  resp.body = std::move(out);
  return resp;
}

}  // namespace

void AddOperationsRoutes(Router& router, ApiContext& ctx) {
  router.Add({"GET", "/health", [&ctx](const Request& req) {
                if (!req.query.empty()) return Problem(400, "/health takes no query parameters");
                return Health(ctx);
              }});
  router.Add({"GET", "/metrics", [&ctx](const Request&) { return Metrics(ctx); }});
}

}  // namespace gm::server
