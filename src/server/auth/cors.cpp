#include "server/auth/cors.h"

#include <algorithm>

namespace gm::server {
namespace {

constexpr char kExposed[] = "RateLimit-Limit, RateLimit-Remaining, Retry-After";
constexpr char kVaryPreflight[] =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Headers a browser may send cross-origin without asking (Fetch standard's safelist).
bool Safelisted(std::string_view name) {
  for (std::string_view s : {"accept", "accept-language", "content-language", "content-type"}) {
    if (EqualsIgnoreCase(name, s)) return true;
  }
  return false;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace

CorsPolicy::CorsPolicy(CorsConfig config) : config_(std::move(config)) {
  any_origin_ = std::find(config_.allowed_origins.begin(), config_.allowed_origins.end(), "*") !=
                config_.allowed_origins.end();
}

bool CorsPolicy::OriginAllowed(std::string_view origin) const {
  if (origin.empty()) return false;
  for (const std::string& allowed : config_.allowed_origins) {
    if (EqualsIgnoreCase(allowed, origin)) return true;
  }
  return any_origin_ && origin != "null";
}

bool CorsPolicy::IsPreflight(std::string_view method, const HttpHeaders& request) {
  return EqualsIgnoreCase(method, "OPTIONS") && FindHeader(request, "Origin") &&
         FindHeader(request, "Access-Control-Request-Method");
}

CorsPolicy::PreflightAnswer CorsPolicy::Preflight(
    const HttpHeaders& request, const std::vector<std::string>& route_methods) const {
  PreflightAnswer answer;
  answer.headers.push_back({"Vary", kVaryPreflight});
  auto refuse = [&](std::string reason) {
    answer.status = 403;
    answer.reason = std::move(reason);
    return answer;
  };
  const std::string_view origin = FindHeader(request, "Origin").value_or("");
  if (!OriginAllowed(origin)) return refuse("origin '" + std::string(origin) + "' is not allowed");

  const std::string_view method =
      Trim(FindHeader(request, "Access-Control-Request-Method").value_or(""));
  const bool method_ok =
      std::any_of(route_methods.begin(), route_methods.end(),
                  [&](const std::string& m) { return EqualsIgnoreCase(m, method); });
  if (!method_ok) return refuse("method '" + std::string(method) + "' is not allowed here");

  // Access-Control-Request-Headers: a comma-separated list; each must be allowed.
  std::vector<std::string> granted;
  std::string_view requested = FindHeader(request, "Access-Control-Request-Headers").value_or("");
  while (!requested.empty()) {
    const size_t comma = requested.find(',');
    std::string_view name = Trim(requested.substr(0, comma));
    requested = comma == std::string_view::npos ? std::string_view() : requested.substr(comma + 1);
    if (name.empty()) continue;
    const bool ok = Safelisted(name) ||
                    std::any_of(config_.allowed_headers.begin(), config_.allowed_headers.end(),
                                [&](const std::string& h) { return EqualsIgnoreCase(h, name); });
    if (!ok) return refuse("header '" + std::string(name) + "' is not allowed");
    granted.emplace_back(name);
  }

  std::vector<std::string> methods = route_methods;
  if (std::none_of(methods.begin(), methods.end(),
                   [](const std::string& m) { return EqualsIgnoreCase(m, "OPTIONS"); })) {
    methods.push_back("OPTIONS");
  }
  answer.headers.push_back({"Access-Control-Allow-Origin", AllowOrigin(origin)});
  answer.headers.push_back({"Access-Control-Allow-Methods", Join(methods)});
  if (!granted.empty()) answer.headers.push_back({"Access-Control-Allow-Headers", Join(granted)});
  answer.headers.push_back(
      {"Access-Control-Max-Age", std::to_string(config_.max_age / kMicrosPerSecond)});
  return answer;
}

std::string CorsPolicy::AllowOrigin(std::string_view origin) const {
  // A listed origin is echoed; one admitted only by "*" gets "*" (no credentials are used:
  // keys travel in headers the page sets, never in cookies).
  for (const std::string& o : config_.allowed_origins) {
    if (o != "*" && EqualsIgnoreCase(o, origin)) return std::string(origin);
  }
  return "*";
}

HttpHeaders CorsPolicy::ResponseHeaders(const HttpHeaders& request) const {
  HttpHeaders out;
  if (config_.allowed_origins.empty()) return out;
  out.push_back({"Vary", "Origin"});
  std::optional<std::string_view> origin = FindHeader(request, "Origin");
  if (!origin || !OriginAllowed(*origin)) return out;
  out.push_back({"Access-Control-Allow-Origin", AllowOrigin(*origin)});
  out.push_back({"Access-Control-Expose-Headers", kExposed});
  return out;
}

}  // namespace gm::server
