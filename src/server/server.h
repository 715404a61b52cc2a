#pragma once

// The HTTP server (DESIGN.md §3 server/): RESTinio on standalone Asio with a fixed pool of
// worker threads, the route table of the REST API, /health, /metrics, /openapi.json, /docs,
// the landing page and the live feed. A service: Start(), then Stop() (docs/api.md).

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "common/time.h"
#include "server/middleware.h"
#include "server/router.h"

namespace gm::server {

class HttpServer {
 public:
  //! `db_url` is the login URL of the database (store::Database::url()); the server opens
  //! its own pool of up to config.db_connections sessions that run as config.reader_role in
  //! read-only transactions. Nothing is opened before Start().
  HttpServer(ServerConfig config, std::string db_url, const Clock& clock = SystemClock::Instance());
  //! Stop()s.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  //! Installs the authentication/CORS/rate-limit step. REQUIRES: before Start().
  void SetGate(std::unique_ptr<RequestGate> gate);
  //! Installs the production gate (security_gate.h): API keys with scopes, CORS, the per-key
  //! rate limit, reading api_keys through a small pool of its own on the login URL.
  //! REQUIRES: before Start().
  void EnableSecurity(const AuthConfig& auth, const CorsConfig& cors);
  //! Adds the data explorer's routes (/api/v1/explorer/tables, .../query; the query needs
  //! the admin scope). REQUIRES: before Start().
  void EnableExplorer(const ExplorerConfig& config);
  //! Adds a route to the table (e.g. the explorer's). REQUIRES: before Start().
  void AddRoute(Route route);

  //! Raises the open-file limit to its hard maximum (1,000s of connections need
  //! descriptors), binds address:port and starts the worker threads. Unavailable when the
  //! port cannot be bound.
  Status Start();

  //! Graceful shutdown: new requests get 503 with Connection: close, live streams end,
  //! requests in flight finish (for up to config.shutdown_timeout), then the listener and
  //! every connection close and the threads join. Idempotent.
  void Stop();

  //! "http://ADDRESS:PORT".
  std::string url() const;

  //! (method, path) of every route, in table order.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gm::server
