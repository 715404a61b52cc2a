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

  struct Lookup {
    std::optional<Response> response;  //!< younger than the TTL; nullopt when there is none
    //! The caller should compute the response and Put() it: there is none, or it has passed
    //! half its TTL and no other caller is refreshing it yet (refresh-ahead, so under steady
    //! traffic one request per key recomputes while the rest keep getting a fresh-enough
    //! answer, and no burst of misses blocks every worker at once).
    bool refresh = true;
  };

  //! Looks `key` up. Thread-safe.
  Lookup Get(const std::string& key) {
    if (ttl_ <= 0) return {};
    const Micros now = clock_.Now();
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || now - it->second.stored >= ttl_) return {};
    Entry& e = it->second;
    if (now - e.stored >= ttl_ / 2 && !e.refreshing) {
      e.refreshing = true;
      return {e.response, true};
    }
    return {e.response, false};
  }

  //! Stores a successful response (streams are never cached); any answer ends a refresh
  //! that Get handed out. Thread-safe.
  void Put(const std::string& key, const Response& response) {
    if (ttl_ <= 0) return;
    const Micros now = clock_.Now();
    std::lock_guard lock(mu_);
    if (response.status != 200 || response.stream) {
      if (auto it = entries_.find(key); it != entries_.end()) it->second.refreshing = false;
      return;
    }
    // Expired entries go when the map grows, so distinct query strings cannot pile up.
    if (entries_.size() >= kMaxEntries) {
      std::erase_if(entries_, [&](const auto& e) { return now - e.second.stored >= ttl_; });
      if (entries_.size() >= kMaxEntries) entries_.clear();
    }
    entries_[key] = Entry{now, response, false};
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
  struct Entry {
    Micros stored;
    Response response;
    bool refreshing = false;  //!< a caller is recomputing it
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
