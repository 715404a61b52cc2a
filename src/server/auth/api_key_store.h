#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "server/auth/api_key.h"

namespace gm::store {
class Connection;
class ConnectionPool;
}  // namespace gm::store

namespace gm::server {

// ---- Managing keys (`globalmart apikey ...`): table api_keys, sql/0006_api_keys.sql ----

//! A key as `apikey list` shows it: never the secret, salt or hash.
struct ApiKeyInfo {
  std::string key_id;
  std::string name;
  Scope scope = Scope::kRead;
  Micros created_at = 0;
  std::optional<Micros> revoked_at;
  std::optional<Micros> last_used_at;
};

//! Creates a key named `name` and returns it with its text (`gm_<id>_<secret>`), which exists
//! nowhere else afterwards. InvalidArgument for a bad name or when the name is taken (also by a
//! revoked key: names are never reused); other store errors as store::ToStatus maps them.
Result<GeneratedApiKey> CreateApiKey(store::Connection& conn, std::string_view name, Scope scope);

//! Every key ever created, by name.
Result<std::vector<ApiKeyInfo>> ListApiKeys(store::Connection& conn);

//! Revokes the key called `name`. Returns true when it was revoked now, false when it was
//! already revoked; NotFound when no key has that name.
Result<bool> RevokeApiKey(store::Connection& conn, std::string_view name);

// ---- Verifying keys (the HTTP server) ----

//! Where the verifier reads stored keys. Implementations are thread-safe.
class KeyRecordSource {
 public:
  virtual ~KeyRecordSource() = default;
  //! The record with this key_id, or nullopt when there is none; Unavailable (or another
  //! error) when the store cannot answer.
  virtual Result<std::optional<KeyRecord>> Find(const std::string& key_id) = 0;
  //! Records a successful use (last_used_at). Best effort.
  virtual Status RecordUse(const std::string& key_id) = 0;
};

//! Reads api_keys through a connection pool, via the SECURITY DEFINER functions
//! api_key_lookup/api_key_touch (so a read-only login role works and cannot read hashes).
//! Thread-safe; each call leases one connection for one short statement.
class PgKeyRecordSource final : public KeyRecordSource {
 public:
  //! `pool` must outlive this object. `acquire_timeout`: how long to wait for a connection.
  explicit PgKeyRecordSource(store::ConnectionPool& pool,
                             Micros acquire_timeout = 2 * kMicrosPerSecond);
  Result<std::optional<KeyRecord>> Find(const std::string& key_id) override;
  Status RecordUse(const std::string& key_id) override;

 private:
  store::ConnectionPool& pool_;
  const Micros acquire_timeout_;
};

//! Something that turns a presented key into a principal (an interface so the
//! Authenticator can be tested without a database).
class KeyVerifier {
 public:
  virtual ~KeyVerifier() = default;
  //! The key's principal, Unauthenticated for a malformed, unknown, wrong or revoked key,
  //! Unavailable when the store cannot be asked.
  virtual Result<Principal> Verify(std::string_view presented_key) = 0;
};

//! Verifies keys against a KeyRecordSource with a small cache: a record (or the absence of
//! one) is reused for `cache_ttl`, so a revocation takes effect within that time; the secret
//! is hashed and compared on every call. Successful uses are recorded at most once per
//! `touch_interval` per key. Thread-safe (one mutex; the source is called without it).
class ApiKeyVerifier final : public KeyVerifier {
 public:
  struct Options {
    Micros cache_ttl = kMicrosPerSecond;
    Micros touch_interval = kMicrosPerMinute;
    size_t max_entries = 10'000;  //!< the cache is emptied when it would grow past this
  };
  //! `source` and `clock` must outlive this object.
  ApiKeyVerifier(KeyRecordSource& source, const Clock& clock, Options options);
  ApiKeyVerifier(const ApiKeyVerifier&) = delete;
  ApiKeyVerifier& operator=(const ApiKeyVerifier&) = delete;

  Result<Principal> Verify(std::string_view presented_key) override;

 private:
  struct Entry {
    std::optional<KeyRecord> record;  //!< nullopt: no such key_id
    Micros fetched_at = 0;
    Micros touched_at = 0;
  };

  KeyRecordSource& source_;
  const Clock& clock_;
  const Options options_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;  // guarded by mu_
};

}  // namespace gm::server
