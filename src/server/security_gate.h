#pragma once

// The RequestGate of a production server: CORS (preflights answered before anything else),
// API-key authentication with scopes, and the per-key rate limit — the components of
// src/server/auth, configured by [auth] and [cors] (docs/security.md).

#include <memory>

#include "common/config.h"
#include "common/time.h"
#include "server/middleware.h"

namespace gm::store {
class ConnectionPool;
}

namespace gm::server {

//! Builds the gate. `key_pool` reads api_keys (through the SECURITY DEFINER lookup
//! functions) and must outlive the gate, as must `clock`.
std::unique_ptr<RequestGate> NewSecurityGate(const AuthConfig& auth, const CorsConfig& cors,
                                             store::ConnectionPool& key_pool, const Clock& clock);

}  // namespace gm::server
