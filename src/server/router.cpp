#include "server/router.h"

#include <cassert>

namespace gm::server {

void Router::Add(Route route) {
  for ([[maybe_unused]] const Route& r : routes_) {
    assert(!(r.method == route.method && r.path == route.path) && "duplicate route");
  }
  routes_.push_back(std::move(route));
}

bool Router::PathMatches(const std::string& pattern, std::string_view path) {
  if (pattern.size() >= 2 && pattern.ends_with("/*")) {
    const std::string_view prefix(pattern.data(), pattern.size() - 1);  // keeps the '/'
    return path.size() > prefix.size() && path.starts_with(prefix);
  }
  return pattern == path;
}

RouteMatch Router::Match(std::string_view method, std::string_view path) const {
  RouteMatch match;
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    if (!PathMatches(r.path, path)) continue;
    // HEAD is answered by the GET handler (the server drops the body).
    if (r.method == method || (method == "HEAD" && r.method == "GET")) {
      if (match.route == nullptr) {
        match.route = &r;
        match.index = static_cast<int>(i);
      }
    }
    match.allowed.push_back(r.method);
  }
  return match;
}

}  // namespace gm::server
