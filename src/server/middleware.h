#pragma once

// The step between routing and a handler where authentication, CORS and rate limiting
// happen (src/server/auth implements it). The server calls it for every request, matched or
// not, so a CORS preflight (OPTIONS) can be answered for any routed path.

#include <optional>

#include "server/http.h"
#include "server/router.h"

namespace gm::server {

class RequestGate {
 public:
  virtual ~RequestGate() = default;
  //! Decides whether `request` may proceed to its handler. `match` is the router's answer
  //! (its route may be null: 404 or 405 follow unless the gate answers). Returns nullopt to
  //! let it through, or the response to send instead: a 401/403/429 problem, or the answer
  //! to a CORS preflight. Called concurrently from the server's worker threads.
  virtual std::optional<Response> Admit(const Request& request, const RouteMatch& match) = 0;
  //! Adds header fields to every response sent for `request` (e.g. CORS headers), the
  //! gate's own answers included. Called concurrently.
  virtual void Decorate(const Request& request, Response& response) = 0;
};

}  // namespace gm::server
