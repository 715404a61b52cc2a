#pragma once

// One route table for the whole server (STYLE.md: one table + one small handler file per
// API resource). The OpenAPI document (src/server/openapi.json) lists exactly these routes;
// tests/server/openapi_test checks both directions.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http.h"

namespace gm::server {

using Handler = std::function<Response(const Request&)>;

//! One route: a method and a path. A path ending in `/*` matches every path below it
//! (static files); every other path matches exactly.
struct Route {
  std::string method;  //!< GET, POST, ...
  std::string path;    //!< e.g. /api/v1/sales/summary
  Handler handler;
  //! Whether the route needs the admin scope (a write, or the explorer); else read scope.
  bool admin = false;
};

//! What Router::Match found.
struct RouteMatch {
  const Route* route = nullptr;  //!< null when no route has the path and method
  //! Methods routed for the path (non-empty with a null route means 405, empty means 404).
  std::vector<std::string> allowed;
  int index = -1;  //!< the route's position in the table (for per-route metrics)
};

//! A fixed table of routes, built before the server starts and read-only afterwards
//! (so Match is thread-safe).
class Router {
 public:
  //! Adds a route. REQUIRES: no route with the same method and path exists.
  void Add(Route route);
  RouteMatch Match(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  static bool PathMatches(const std::string& pattern, std::string_view path);
  std::vector<Route> routes_;
};

}  // namespace gm::server
