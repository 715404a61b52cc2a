// Helpers every handler file uses (internal/api.h).
#include <algorithm>

#include "server/internal/api.h"
#include "server/problem.h"

namespace gm::server {

Response Answer(const std::function<Result<Response>()>& body) {
  Result<Response> r = body();
  if (!r.ok()) return ProblemFor(r.status());
  return std::move(r).value();
}

Response Json(std::string body) {
  Response r;
  r.body = std::move(body);
  return r;
}

std::string CacheKey(const Request& req) {
  auto query = req.query;
  std::sort(query.begin(), query.end());
  std::string key = req.path;
  for (const auto& [k, v] : query) key += "\x1f" + k + "=" + v;
  key += "\x1f";
  key += req.Header("accept");
  return key;
}

}  // namespace gm::server
