#include "server/security_gate.h"

#include "server/auth/api_key_store.h"
#include "server/auth/authenticator.h"
#include "server/auth/cors.h"
#include "server/auth/rate_limiter.h"
#include "server/problem.h"

namespace gm::server {
namespace {

class SecurityGate final : public RequestGate {
 public:
  SecurityGate(const AuthConfig& auth, const CorsConfig& cors, store::ConnectionPool& pool,
               const Clock& clock)
      : source_(pool),
        verifier_(source_, clock,
                  ApiKeyVerifier::Options{auth.cache_ttl, kMicrosPerMinute, 10'000}),
        authenticator_(auth, &verifier_),
        cors_(cors),
        limiter_(auth, clock) {}

  std::optional<Response> Admit(const Request& request, const RouteMatch& match) override {
    // 1. CORS preflights need no key (browsers never send one with them).
    if (CorsPolicy::IsPreflight(request.method, request.headers) && !match.allowed.empty()) {
      CorsPolicy::PreflightAnswer a = cors_.Preflight(request.headers, match.allowed);
      Response r = a.status == 204 ? Response{} : Problem(a.status, a.reason);
      r.status = a.status;
      if (a.status == 204) r.content_type = "text/plain";
      for (auto& h : a.headers) r.headers.push_back(std::move(h));
      return r;
    }
    // 2. Who is calling, and may they use this route? Unrouted paths are checked as reads so
    // a 404 does not tell anonymous callers which paths exist.
    const Scope required =
        match.route != nullptr && match.route->admin ? Scope::kAdmin : Scope::kRead;
    Result<Principal> who = authenticator_.Admit(request.path, request.headers, required);
    if (!who.ok()) {
      Response r = ProblemFor(who.status());
      if (r.status == 401) {
        for (auto& h : Authenticator::ChallengeHeaders()) r.headers.push_back(std::move(h));
      }
      return r;
    }
    // 3. The rate limit: per key, anonymous callers per client address.
    const RateDecision d = limiter_.AcquireFor(*who, request.remote);
    if (!d.allowed) {
      Response r = Problem(429, "rate limit exceeded; retry later");
      for (auto& h : RateLimiter::Headers(d)) r.headers.push_back(std::move(h));
      return r;
    }
    return std::nullopt;
  }

  void Decorate(const Request& request, Response& response) override {
    for (auto& h : cors_.ResponseHeaders(request.headers)) response.headers.push_back(std::move(h));
  }

 private:
  PgKeyRecordSource source_;
  ApiKeyVerifier verifier_;
  Authenticator authenticator_;
  CorsPolicy cors_;
  RateLimiter limiter_;
};

}  // namespace

std::unique_ptr<RequestGate> NewSecurityGate(const AuthConfig& auth, const CorsConfig& cors,
                                             store::ConnectionPool& key_pool, const Clock& clock) {
  return std::make_unique<SecurityGate>(auth, cors, key_pool, clock);
}

}  // namespace gm::server
