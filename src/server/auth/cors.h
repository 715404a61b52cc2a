#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "server/auth/http_headers.h"

namespace gm::server {

//! Cross-origin resource sharing for browsers (docs/security.md), from the [cors] section.
//! Immutable after construction; thread-safe.
//!
//! Per request the server:
//!  1. answers a preflight (IsPreflight) with Preflight(...), without authentication: the
//!     status (204 or 403) and headers it returns;
//!  2. adds ResponseHeaders(request headers) to every other answer, errors included.
class CorsPolicy {
 public:
  explicit CorsPolicy(CorsConfig config);

  //! True when `origin` (as the Origin header sends it: scheme://host[:port]) may call the
  //! API: it equals an allowed origin (scheme and host case-insensitive), or `*` is allowed.
  //! The opaque origin "null" only when listed.
  bool OriginAllowed(std::string_view origin) const;

  //! OPTIONS with Origin and Access-Control-Request-Method headers.
  static bool IsPreflight(std::string_view method, const HttpHeaders& request);

  struct PreflightAnswer {
    int status = 204;     //!< 204 allowed, 403 refused (origin, method or a header)
    HttpHeaders headers;  //!< always Vary; the Allow-* headers only when allowed
    std::string reason;   //!< for a refusal: which part was not allowed (for the log/body)
  };
  //! The answer to a preflight for a route that accepts `route_methods` (e.g. {"GET"}).
  //! Allowed: Access-Control-Allow-Origin, -Allow-Methods (the route's, plus OPTIONS),
  //! -Allow-Headers (the requested ones, all of which must be in cors.allowed_headers;
  //! CORS-safelisted ones always pass), -Max-Age, and Vary.
  PreflightAnswer Preflight(const HttpHeaders& request,
                            const std::vector<std::string>& route_methods) const;

  //! Headers for an ordinary answer: nothing without an Origin header; Vary: Origin always
  //! when origins are configured (caches must not mix answers); Access-Control-Allow-Origin
  //! and -Expose-Headers only for an allowed origin.
  HttpHeaders ResponseHeaders(const HttpHeaders& request) const;

 private:
  //! The Access-Control-Allow-Origin value for an allowed origin.
  std::string AllowOrigin(std::string_view origin) const;

  const CorsConfig config_;
  bool any_origin_ = false;
};

}  // namespace gm::server
