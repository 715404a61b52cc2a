#include "server/auth/authenticator.h"

#include <cassert>

namespace gm::server {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Authenticator::Authenticator(AuthConfig config, KeyVerifier* verifier)
    : config_(std::move(config)), verifier_(verifier) {
  assert((verifier_ != nullptr || !config_.enabled) && "auth needs a key verifier");
}

bool Authenticator::IsPublic(std::string_view path) const {
  // A prefix entry must not open what a dot segment or an encoded dot would reach after
  // the router normalises the path ("/static/../api/v1/...").
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    if (path.substr(i, 2) == ".." || (path[i] == '%' && i + 2 < path.size() && path[i + 1] == '2' &&
                                      (path[i + 2] | 0x20) == 'e')) {
      return false;
    }
  }
  if (path.find('\\') != std::string_view::npos) return false;
  for (const std::string& entry : config_.public_paths) {
    if (entry.ends_with('*')) {
      if (path.starts_with(std::string_view(entry).substr(0, entry.size() - 1))) return true;
    } else if (path == entry) {
      return true;
    }
  }
  return false;
}

Result<std::optional<std::string>> Authenticator::PresentedKey(const HttpHeaders& headers) {
  std::optional<std::string> from_header;
  if (std::optional<std::string_view> v = FindHeader(headers, "X-API-Key")) {
    from_header = std::string(Trim(*v));
  }
  std::optional<std::string> from_bearer;
  if (std::optional<std::string_view> v = FindHeader(headers, "Authorization")) {
    std::string_view text = Trim(*v);
    const size_t space = text.find(' ');
    if (space == std::string_view::npos || !EqualsIgnoreCase(text.substr(0, space), "Bearer")) {
      return Unauthenticated(
          "unsupported Authorization scheme: send 'Authorization: Bearer <key>'");
    }
    from_bearer = std::string(Trim(text.substr(space + 1)));
  }
  if (from_header && from_bearer && *from_header != *from_bearer) {
    return Unauthenticated("X-API-Key and Authorization name different keys");
  }
  if (from_header && !from_header->empty()) return std::optional<std::string>(from_header);
  if (from_bearer && !from_bearer->empty()) return std::optional<std::string>(from_bearer);
  if (from_header || from_bearer) return Unauthenticated("empty API key");
  return std::optional<std::string>();
}

Result<Principal> Authenticator::Admit(std::string_view path, const HttpHeaders& headers,
                                       Scope required) const {
  if (!config_.enabled) return Principal{"", Scope::kAdmin};
  const bool is_public = IsPublic(path);
  Result<std::optional<std::string>> key = PresentedKey(headers);
  if (!key.ok()) return key.status();
  if (!key->has_value()) {
    if (is_public) return Principal{"", Scope::kRead};
    return Unauthenticated("missing API key: send it as X-API-Key or Authorization: Bearer");
  }
  Result<Principal> principal = verifier_->Verify(**key);
  if (!principal.ok()) return principal.status();
  if (is_public) return principal;
  if (Status s = Authorize(*principal, required); !s.ok()) return s;
  return principal;
}

Status Authenticator::Authorize(const Principal& principal, Scope required) {
  if (ScopeAllows(principal.scope, required)) return Status::Ok();
  return PermissionDenied("API key '" + principal.name + "' has scope " +
                          std::string(ScopeName(principal.scope)) + "; this route needs " +
                          std::string(ScopeName(required)));
}

HttpHeaders Authenticator::ChallengeHeaders() {
  return {{"WWW-Authenticate", "Bearer realm=\"globalmart\""}};
}

}  // namespace gm::server
