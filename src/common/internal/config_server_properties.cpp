#include "common/internal/config_server_properties.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/config.h"
#include "common/status.h"
#include "common/time.h"

namespace gm::internal {

// [server]: the HTTP server.
void AddServerProperties(std::vector<Property>& ps) {
  ps.push_back(StringProperty("server.address", "Interface the HTTP server listens on.",
                              +[](Config& c) -> std::string& { return c.server.address; }));
  ps.push_back(IntProperty<int32_t>("server.port", "TCP port of the HTTP server.", "",
                                    +[](Config& c) -> int32_t& { return c.server.port; }, 1,
                                    65535));
  ps.push_back(IntProperty<int32_t>(
      "server.threads", "Worker threads answering HTTP requests; 0 = one per core.", "threads",
      +[](Config& c) -> int32_t& { return c.server.threads; }, 0, 1024));
  ps.push_back(IntProperty<int32_t>(
      "server.max_connections", "Open connections at most; further ones wait to be accepted.",
      "connections", +[](Config& c) -> int32_t& { return c.server.max_connections; }, 1,
      1'000'000));
  ps.push_back(DurationProperty(
      "server.idle_timeout",
      "An idle keep-alive connection, or a client this slow to send its request, is closed.",
      +[](Config& c) -> Micros& { return c.server.idle_timeout; }, 100 * kMicrosPerMilli,
      kMicrosPerHour));
  ps.push_back(DurationProperty(
      "server.write_timeout", "A response not written to the client within this is dropped.",
      +[](Config& c) -> Micros& { return c.server.write_timeout; }, 100 * kMicrosPerMilli,
      kMicrosPerHour));
  ps.push_back(IntProperty<int32_t>(
      "server.max_url_bytes", "Longest request target (path and query) accepted.", "bytes",
      +[](Config& c) -> int32_t& { return c.server.max_url_bytes; }, 256, 1 << 20));
  ps.push_back(IntProperty<int32_t>(
      "server.max_header_bytes", "Longest request header value accepted.", "bytes",
      +[](Config& c) -> int32_t& { return c.server.max_header_bytes; }, 256, 1 << 20));
  ps.push_back(IntProperty<int32_t>(
      "server.max_headers", "Most header fields in one request.", "fields",
      +[](Config& c) -> int32_t& { return c.server.max_headers; }, 8, 10'000));
  ps.push_back(IntProperty<int32_t>(
      "server.max_body_bytes", "Largest request body; larger ones are answered 413.", "bytes",
      +[](Config& c) -> int32_t& { return c.server.max_body_bytes; }, 0, 256 << 20));
  ps.push_back(IntProperty<int32_t>(
      "server.gzip_min_bytes", "Responses at least this large are gzipped if the client accepts.",
      "bytes", +[](Config& c) -> int32_t& { return c.server.gzip_min_bytes; }, 0, 1 << 30));
  ps.push_back(BoolProperty("server.access_log", "Log one line per HTTP request (logger http).",
                            +[](Config& c) -> bool& { return c.server.access_log; }));
  ps.push_back(DurationProperty(
      "server.shutdown_timeout", "How long stopping waits for requests in flight.",
      +[](Config& c) -> Micros& { return c.server.shutdown_timeout; }, 0, kMicrosPerHour));
  ps.push_back(IntProperty<int32_t>(
      "server.db_connections", "Connections of the API's read-only database pool.",
      "connections", +[](Config& c) -> int32_t& { return c.server.db_connections; }, 1, 1024));
  ps.push_back(StringProperty(
      "server.reader_role", "Role every API query runs as (read-only; empty = the login role).",
      +[](Config& c) -> std::string& { return c.server.reader_role; }));
  ps.push_back(DurationProperty(
      "server.statement_timeout", "PostgreSQL cancels an API query running longer than this.",
      +[](Config& c) -> Micros& { return c.server.statement_timeout; }, 10 * kMicrosPerMilli,
      kMicrosPerHour));
  ps.push_back(DurationProperty(
      "server.cache_ttl", "Hot figures (sales summary, live feed) are at most this stale.",
      +[](Config& c) -> Micros& { return c.server.cache_ttl; }, 0, kMicrosPerMinute));
  ps.push_back(IntProperty<int32_t>(
      "server.default_page_size", "Rows per page of a list when no limit is given.", "rows",
      +[](Config& c) -> int32_t& { return c.server.default_page_size; }, 1, 1'000'000));
  ps.push_back(IntProperty<int32_t>(
      "server.max_page_size", "Largest limit a list accepts.", "rows",
      +[](Config& c) -> int32_t& { return c.server.max_page_size; }, 1, 1'000'000));
  ps.push_back(DurationProperty(
      "server.health_max_lag",
      "/health fails (pipeline) when the stream engine last committed longer ago; 0 = off.",
      +[](Config& c) -> Micros& { return c.server.health_max_lag; }, 0, 30 * kMicrosPerDay));
  ps.push_back(StringProperty(
      "server.web_dir", "Folder with static/ pages and node_modules/ (swagger-ui-dist).",
      +[](Config& c) -> std::string& { return c.server.web_dir; }));
}

// [auth], [cors] and [explorer]: the HTTP server's security and the data explorer.
void AddSecurityProperties(std::vector<Property>& ps) {
  ps.push_back(BoolProperty(
      "auth.enabled",
      "Require an API key (X-API-Key or Authorization: Bearer) on every non-public path.",
      +[](Config& c) -> bool& { return c.auth.enabled; }));
  ps.push_back(ListProperty(
      "auth.public_paths",
      "Comma-separated paths answered without a key; a trailing * matches by prefix.",
      +[](Config& c) -> std::vector<std::string>& { return c.auth.public_paths; }));
  {
    Property p;
    p.key = "auth.rate_limit";
    p.description = "Sustained requests per second allowed per API key; 0 = unlimited.";
    p.unit = "requests/s";
    p.set = [](Config& c, std::string_view v) -> Status {
      std::optional<double> d = ParseDouble(v);
      if (!d || *d < 0 || *d > 1e9) {
        return BadValue("auth.rate_limit", v, "expected a rate between 0 and 1e9");
      }
      c.auth.rate_limit = *d;
      return Status::Ok();
    };
    p.get = [](const Config& c) { return FormatDouble(c.auth.rate_limit); };
    ps.push_back(std::move(p));
  }
  ps.push_back(IntProperty<int32_t>(
      "auth.rate_burst", "Requests one API key may send at once (token bucket size).",
      "requests", +[](Config& c) -> int32_t& { return c.auth.rate_burst; }, 1, 1'000'000'000));
  ps.push_back(ListProperty(
      "auth.rate_limit_exempt", "Comma-separated API key names that are never rate-limited.",
      +[](Config& c) -> std::vector<std::string>& { return c.auth.rate_limit_exempt; }));
  ps.push_back(DurationProperty(
      "auth.cache_ttl",
      "How long a verified key is trusted before it is looked up again (revocation delay).",
      +[](Config& c) -> Micros& { return c.auth.cache_ttl; }, 0, kMicrosPerMinute));
  ps.push_back(ListProperty(
      "cors.allowed_origins",
      "Comma-separated origins (scheme://host[:port]) browsers may call the API from; * = any.",
      +[](Config& c) -> std::vector<std::string>& { return c.cors.allowed_origins; }));
  ps.push_back(ListProperty(
      "cors.allowed_headers", "Comma-separated request headers a preflight may allow.",
      +[](Config& c) -> std::vector<std::string>& { return c.cors.allowed_headers; }));
  ps.push_back(DurationProperty(
      "cors.max_age", "How long browsers may cache a preflight answer.",
      +[](Config& c) -> Micros& { return c.cors.max_age; }, 0, kMicrosPerDay));
  ps.push_back(IntProperty<int32_t>(
      "explorer.max_rows", "Most rows one explorer query returns.", "rows",
      +[](Config& c) -> int32_t& { return c.explorer.max_rows; }, 1, 10'000'000));
  ps.push_back(DurationProperty(
      "explorer.statement_timeout", "PostgreSQL cancels an explorer query running longer.",
      +[](Config& c) -> Micros& { return c.explorer.statement_timeout; }, 10 * kMicrosPerMilli,
      kMicrosPerHour));
  ps.push_back(StringProperty(
      "explorer.role",
      "Role explorer queries run as (SET LOCAL ROLE, read-only); empty = the login role.",
      +[](Config& c) -> std::string& { return c.explorer.role; }));
}

}  // namespace gm::internal
