#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "common/config.h"
#include "common/time.h"
#include "server/auth/api_key.h"
#include "server/auth/http_headers.h"

namespace gm::server {

//! The verdict on one request.
struct RateDecision {
  bool allowed = true;
  bool limited = false;    //!< false for exempt keys and an unlimited configuration
  int64_t limit = 0;       //!< the bucket size (auth.rate_burst)
  int64_t remaining = 0;   //!< whole requests left in the bucket after this one
  Micros retry_after = 0;  //!< when refused: time until one request is allowed again
};

//! A token bucket per key (docs/security.md): a key may send auth.rate_burst requests at
//! once, then auth.rate_limit per second; keys named in auth.rate_limit_exempt and a rate of
//! 0 are never limited. The server keys anonymous callers by client address. Thread-safe
//! (one mutex, held for a hash lookup and some arithmetic); time comes from the injected
//! clock, so tests run instantly.
class RateLimiter {
 public:
  //! `clock` must outlive this object.
  RateLimiter(const AuthConfig& config, const Clock& clock);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  //! Takes one token from `key`'s bucket when there is one. `key` is exempt when it is
  //! `key:<name>` (the bucket AcquireFor uses for a key) or plain `<name>`, with the name in
  //! auth.rate_limit_exempt; `addr:...` buckets never are.
  RateDecision Acquire(std::string_view key);

  //! What the server calls per request: the bucket of the key `who` used ("key:<name>", exempt
  //! when the name is in auth.rate_limit_exempt), or of the client address
  //! ("addr:<remote_address>") for an anonymous caller.
  RateDecision AcquireFor(const Principal& who, std::string_view remote_address);

  //! Headers for the answer: RateLimit-Limit and RateLimit-Remaining when limited, plus
  //! Retry-After (whole seconds, rounded up) when refused. The server answers a refusal
  //! with 429.
  static HttpHeaders Headers(const RateDecision& decision);

  //! Buckets currently held (idle full buckets are dropped as the map grows).
  size_t size() const;

 private:
  struct Bucket {
    double tokens = 0;
    Micros updated = 0;
  };
  RateDecision Take(const std::string& key);
  void DropFullBuckets(Micros now);  // REQUIRES: mu_ held

  const double rate_;  //!< tokens per second; 0 = unlimited
  const double burst_;
  const std::unordered_set<std::string> exempt_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mu_
  size_t sweep_at_ = 4096;                           // guarded by mu_
};

}  // namespace gm::server
