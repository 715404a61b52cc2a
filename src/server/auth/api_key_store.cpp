#include "server/auth/api_key_store.h"

#include <pqxx/pqxx>

#include "common/logging.h"
#include "store/connection.h"
#include "store/pool.h"

namespace gm::server {
namespace {

constexpr char kMicrosOf[] = "(extract(epoch FROM {}) * 1000000)::bigint";

std::string MicrosOf(std::string_view column) {
  std::string out = kMicrosOf;
  out.replace(out.find("{}"), 2, column);
  return out;
}

std::string Bytes(const pqxx::field& f) {
  pqxx::binarystring b(f);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

std::optional<Micros> OptionalMicros(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<int64_t>();
}

}  // namespace

Result<GeneratedApiKey> CreateApiKey(store::Connection& conn, std::string_view name, Scope scope) {
  if (Status s = ValidateKeyName(name); !s.ok()) return s;
  Result<GeneratedApiKey> key = GenerateApiKey();
  if (!key.ok()) return key.status();
  try {
    pqxx::work tx(conn.pqxx(), "apikey_create");
    pqxx::result taken =
        tx.exec_params("SELECT 1 FROM api_keys WHERE name = $1", std::string(name));
    if (!taken.empty()) {
      return InvalidArgument("an API key named '" + std::string(name) +
                             "' exists already (names are never reused, also after revoke)");
    }
    tx.exec_params(
        "INSERT INTO api_keys (key_id, name, scope, salt, hash) VALUES ($1, $2, $3, $4, $5)",
        key->key_id, std::string(name), std::string(ScopeName(scope)),
        pqxx::binarystring(key->salt.data(), key->salt.size()),
        pqxx::binarystring(key->hash.data(), key->hash.size()));
    tx.commit();
  } catch (const pqxx::unique_violation&) {
    // Two creators raced for the name (or, with odds of 2^-64, for the key_id).
    return InvalidArgument("an API key named '" + std::string(name) + "' exists already");
  } catch (const std::exception& e) {
    return store::ToStatus(e, "creating API key");
  }
  return key;
}

Result<std::vector<ApiKeyInfo>> ListApiKeys(store::Connection& conn) {
  try {
    pqxx::read_transaction tx(conn.pqxx(), "apikey_list");
    pqxx::result rows = tx.exec("SELECT key_id, name, scope, " + MicrosOf("created_at") + ", " +
                                MicrosOf("revoked_at") + ", " + MicrosOf("last_used_at") +
                                " FROM api_keys ORDER BY name");
    std::vector<ApiKeyInfo> out;
    for (const auto& row : rows) {
      ApiKeyInfo info;
      info.key_id = row[0].as<std::string>();
      info.name = row[1].as<std::string>();
      Result<Scope> scope = ParseScope(row[2].as<std::string>());
      if (!scope.ok())
        return Internal("api_keys row '" + info.name + "': " + scope.status().message());
      info.scope = *scope;
      info.created_at = row[3].as<int64_t>();
      info.revoked_at = OptionalMicros(row[4]);
      info.last_used_at = OptionalMicros(row[5]);
      out.push_back(std::move(info));
    }
    tx.commit();
    return out;
  } catch (const std::exception& e) {
    return store::ToStatus(e, "listing API keys");
  }
}

Result<bool> RevokeApiKey(store::Connection& conn, std::string_view name) {
  try {
    pqxx::work tx(conn.pqxx(), "apikey_revoke");
    pqxx::result row =
        tx.exec_params("SELECT revoked_at IS NOT NULL FROM api_keys WHERE name = $1 FOR UPDATE",
                       std::string(name));
    if (row.empty())
      return Status(ErrorCode::kNotFound, "no API key named '" + std::string(name) + "'");
    const bool already = row[0][0].as<bool>();
    if (!already) {
      tx.exec_params("UPDATE api_keys SET revoked_at = now() WHERE name = $1", std::string(name));
    }
    tx.commit();
    return !already;
  } catch (const std::exception& e) {
    return store::ToStatus(e, "revoking API key");
  }
}

PgKeyRecordSource::PgKeyRecordSource(store::ConnectionPool& pool, Micros acquire_timeout)
    : pool_(pool), acquire_timeout_(acquire_timeout) {}

Result<std::optional<KeyRecord>> PgKeyRecordSource::Find(const std::string& key_id) {
  Result<store::ConnectionPool::Lease> lease = pool_.Acquire(acquire_timeout_);
  if (!lease.ok()) return lease.status();
  try {
    pqxx::read_transaction tx((*lease)->pqxx(), "apikey_lookup");
    pqxx::result rows =
        tx.exec_params("SELECT name, scope, salt, hash, revoked FROM api_key_lookup($1)", key_id);
    tx.commit();
    if (rows.empty()) return std::optional<KeyRecord>();
    KeyRecord r;
    r.key_id = key_id;
    r.name = rows[0][0].as<std::string>();
    Result<Scope> scope = ParseScope(rows[0][1].as<std::string>());
    if (!scope.ok()) return Internal("api_keys row '" + r.name + "': " + scope.status().message());
    r.scope = *scope;
    r.salt = Bytes(rows[0][2]);
    r.hash = Bytes(rows[0][3]);
    r.revoked = rows[0][4].as<bool>();
    return std::optional<KeyRecord>(std::move(r));
  } catch (const std::exception& e) {
    lease->Discard();
    return store::ToStatus(e, "looking up API key");
  }
}

Status PgKeyRecordSource::RecordUse(const std::string& key_id) {
  Result<store::ConnectionPool::Lease> lease = pool_.Acquire(acquire_timeout_);
  if (!lease.ok()) return lease.status();
  try {
    pqxx::work tx((*lease)->pqxx(), "apikey_touch");
    tx.exec_params("SELECT api_key_touch($1)", key_id);
    tx.commit();
    return Status::Ok();
  } catch (const std::exception& e) {
    lease->Discard();
    return store::ToStatus(e, "recording API key use");
  }
}

ApiKeyVerifier::ApiKeyVerifier(KeyRecordSource& source, const Clock& clock, Options options)
    : source_(source), clock_(clock), options_(options) {}

Result<Principal> ApiKeyVerifier::Verify(std::string_view presented_key) {
  Result<ParsedApiKey> key = ParseApiKey(presented_key);
  if (!key.ok()) return key.status();
  const Micros now = clock_.Now();

  std::optional<Entry> cached;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key->key_id);
    if (it != cache_.end() && now - it->second.fetched_at < options_.cache_ttl) {
      cached = it->second;
    }
  }
  if (!cached) {
    // Expired or unknown: ask the store (without the lock; two callers may both ask).
    Result<std::optional<KeyRecord>> found = source_.Find(key->key_id);
    if (!found.ok()) return found.status();
    Entry fresh;
    fresh.record = std::move(found).value();
    fresh.fetched_at = now;
    std::lock_guard<std::mutex> lock(mu_);
    if (cache_.size() >= options_.max_entries) cache_.clear();
    Entry& slot = cache_[key->key_id];
    fresh.touched_at = slot.touched_at;
    slot = fresh;
    cached = std::move(fresh);
  }
  if (!cached->record) return Unauthenticated("unknown API key");
  if (Status s = VerifyKey(*cached->record, *key); !s.ok()) return s;

  bool touch = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key->key_id);
    if (it != cache_.end() &&
        (it->second.touched_at == 0 || now - it->second.touched_at >= options_.touch_interval)) {
      it->second.touched_at = now;
      touch = true;
    }
  }
  if (touch) {
    if (Status s = source_.RecordUse(key->key_id); !s.ok()) {
      Logger("server")->warn("could not record the use of API key '{}': {}", cached->record->name,
                             s.ToString());
    }
  }
  return Principal{cached->record->name, cached->record->scope};
}

}  // namespace gm::server
