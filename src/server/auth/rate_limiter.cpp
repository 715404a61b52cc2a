#include "server/auth/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace gm::server {

RateLimiter::RateLimiter(const AuthConfig& config, const Clock& clock)
    : rate_(config.rate_limit),
      burst_(std::max<double>(1, config.rate_burst)),
      exempt_(config.rate_limit_exempt.begin(), config.rate_limit_exempt.end()),
      clock_(clock) {}

RateDecision RateLimiter::AcquireFor(const Principal& who, std::string_view remote_address) {
  if (who.anonymous()) return Take("addr:" + std::string(remote_address));
  if (exempt_.count(who.name) != 0) return RateDecision{};
  return Take("key:" + who.name);
}

RateDecision RateLimiter::Acquire(std::string_view key) {
  const std::string_view name = key.starts_with("key:") ? key.substr(4) : key;
  if (!key.starts_with("addr:") && exempt_.count(std::string(name)) != 0) return RateDecision{};
  return Take(std::string(key));
}

RateDecision RateLimiter::Take(const std::string& key) {
  RateDecision d;
  if (rate_ <= 0) return d;
  d.limited = true;
  d.limit = static_cast<int64_t>(burst_);
  const Micros now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = buckets_.try_emplace(key);
  Bucket& b = it->second;
  if (inserted) {
    b.tokens = burst_;
  } else if (now > b.updated) {
    b.tokens = std::min(burst_, b.tokens + rate_ * static_cast<double>(now - b.updated) /
                                               static_cast<double>(kMicrosPerSecond));
  }
  b.updated = std::max(b.updated, now);
  if (b.tokens >= 1) {
    b.tokens -= 1;
    d.remaining = static_cast<int64_t>(std::floor(b.tokens));
  } else {
    d.allowed = false;
    d.retry_after = static_cast<Micros>(
        std::ceil((1 - b.tokens) / rate_ * static_cast<double>(kMicrosPerSecond)));
  }
  if (buckets_.size() >= sweep_at_) DropFullBuckets(now);
  return d;
}

void RateLimiter::DropFullBuckets(Micros now) {
  // A bucket that has refilled completely behaves exactly like a new one: forget it.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double refilled = it->second.tokens + rate_ *
                                                    static_cast<double>(now - it->second.updated) /
                                                    static_cast<double>(kMicrosPerSecond);
    it = refilled >= burst_ ? buckets_.erase(it) : std::next(it);
  }
  // Keep sweeping cost proportional: next time when the map has doubled.
  sweep_at_ = std::max<size_t>(4096, 2 * buckets_.size());
}

size_t RateLimiter::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buckets_.size();
}

HttpHeaders RateLimiter::Headers(const RateDecision& decision) {
  HttpHeaders out;
  if (!decision.limited) return out;
  out.push_back({"RateLimit-Limit", std::to_string(decision.limit)});
  out.push_back({"RateLimit-Remaining", std::to_string(decision.remaining)});
  if (!decision.allowed) {
    const Micros seconds = (decision.retry_after + kMicrosPerSecond - 1) / kMicrosPerSecond;
    out.push_back({"Retry-After", std::to_string(std::max<Micros>(1, seconds))});
  }
  return out;
}

}  // namespace gm::server
