#pragma once

// Responses of expensive aggregate queries (sales figures), kept for server.cache_ttl so a
// burst of identical requests costs one query; answers are at most that stale.

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/time.h"
#include "server/http.h"

namespace gm::server {

class ResponseCache {
 public:
  ResponseCache(const Clock& clock, Micros ttl) : clock_(clock), ttl_(ttl) {}

  //! The cached response for `key` if younger than the TTL. Thread-safe.
  std::optional<Response> Get(const std::string& key) {
    if (ttl_ <= 0) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || clock_.Now() - it->second.stored >= ttl_) return std::nullopt;
    return it->second.response;
  }

  //! Stores a successful response (streams are never cached). Thread-safe.
  void Put(const std::string& key, const Response& response) {
    if (ttl_ <= 0 || response.status != 200 || response.stream) return;
    const Micros now = clock_.Now();
    std::lock_guard lock(mu_);
    // Expired entries go when the map grows, so distinct query strings cannot pile up.
    if (entries_.size() >= kMaxEntries) {
      std::erase_if(entries_, [&](const auto& e) { return now - e.second.stored >= ttl_; });
      if (entries_.size() >= kMaxEntries) entries_.clear();
    }
    entries_[key] = Entry{now, response};
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
  struct Entry {
    Micros stored;
    Response response;
  };
  const Clock& clock_;
  const Micros ttl_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;  // guarded by mu_
};

//! The cache key of a request: path plus its query in a canonical order, plus the format
//! the client accepts.
std::string CacheKey(const Request& req);

}  // namespace gm::server
