#pragma once

#include <string>
#include <string_view>

#include "common/config.h"
#include "common/status.h"
#include "server/auth/api_key.h"
#include "server/auth/api_key_store.h"
#include "server/auth/http_headers.h"

namespace gm::server {

//! Decides who may call which route (docs/security.md). Stateless apart from the verifier;
//! thread-safe when the verifier is.
//!
//! Per request the server calls Admit(path, headers, required scope) with the scope its
//! route table declares, and maps a non-ok Status in its one error-to-HTTP function:
//! kUnauthenticated → 401 (with the WWW-Authenticate header below), kPermissionDenied → 403,
//! kUnavailable → 503.
class Authenticator {
 public:
  //! `verifier` must outlive this object; it may be null only when config.enabled is false.
  Authenticator(AuthConfig config, KeyVerifier* verifier);

  //! True when `path` (without the query string) is answered without a key: it equals an
  //! entry of auth.public_paths, or starts with an entry's text before its trailing `*`.
  //! A path holding `..`, `%2e` or a backslash is never public.
  bool IsPublic(std::string_view path) const;

  //! The key a request presents: the X-API-Key header, else `Authorization: Bearer <key>`
  //! (scheme case-insensitive). nullopt when neither is there; Unauthenticated when both are
  //! there with different keys, or Authorization uses another scheme.
  static Result<std::optional<std::string>> PresentedKey(const HttpHeaders& headers);

  //! The principal for a request to `path` that needs `required`:
  //!  - auth.enabled false: an anonymous admin, whatever is presented;
  //!  - a public path: an anonymous reader when no key is presented (a presented key is
  //!    verified anyway, so a bad key is refused everywhere and a good one is named);
  //!  - otherwise the key's principal: Unauthenticated (no key, malformed, unknown, wrong,
  //!    revoked), PermissionDenied (scope too small), Unavailable (store down).
  Result<Principal> Admit(std::string_view path, const HttpHeaders& headers, Scope required) const;

  //! Ok when `principal` holds `required`, else PermissionDenied naming both scopes.
  static Status Authorize(const Principal& principal, Scope required);

  //! Headers of a 401 answer: WWW-Authenticate: Bearer realm="globalmart".
  static HttpHeaders ChallengeHeaders();

  const AuthConfig& config() const { return config_; }

 private:
  const AuthConfig config_;
  KeyVerifier* const verifier_;
};

}  // namespace gm::server
