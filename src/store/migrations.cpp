#include "store/migrations.h"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <pqxx/pqxx>

#include "common/hex.h"
#include "common/logging.h"
#include "store/internal/embedded_sql.h"

namespace gm::store {
namespace {

// Created by the first migrator, inside its locked transaction.
constexpr char kCreateSchemaMigrations[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version      integer PRIMARY KEY,
  name         text NOT NULL,
  checksum     text NOT NULL,
  applied_at   timestamptz NOT NULL DEFAULT now(),
  execution_ms bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE schema_migrations IS
  'Migrations (sql/NNNN_name.sql) applied to this database, one row each, written by globalmart db migrate in the migration''s own transaction. checksum is the SHA-256 of the file: an applied migration must never change.';
)sql";

std::string MigrationLabel(int32_t version, std::string_view name) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d", version);
  return std::string(buf) + "_" + std::string(name);
}

std::vector<AppliedMigration> ReadApplied(pqxx::transaction_base& tx) {
  std::vector<AppliedMigration> out;
  pqxx::result rows = tx.exec(
      "SELECT version, name, checksum, "
      "(extract(epoch FROM applied_at) * 1000000)::bigint, execution_ms "
      "FROM schema_migrations ORDER BY version");
  for (const auto& row : rows) {
    AppliedMigration a;
    a.version = row[0].as<int32_t>();
    a.name = row[1].as<std::string>();
    a.checksum = row[2].as<std::string>();
    a.applied_at = row[3].as<int64_t>();
    a.execution_ms = row[4].as<int64_t>();
    out.push_back(std::move(a));
  }
  return out;
}

MigrationStatus Compare(std::vector<AppliedMigration> applied,
                        const std::vector<Migration>& migrations) {
  MigrationStatus status;
  std::map<int32_t, const Migration*> known;
  for (const Migration& m : migrations) known[m.version] = &m;
  std::map<int32_t, bool> done;
  for (const AppliedMigration& a : applied) {
    done[a.version] = true;
    auto it = known.find(a.version);
    if (it == known.end()) {
      status.problems.push_back("the database has migration " + MigrationLabel(a.version, a.name) +
                                ", which this program does not know: the database is newer than "
                                "this program (upgrade globalmart)");
    } else if (it->second->checksum != a.checksum) {
      status.problems.push_back(
          "migration " + MigrationLabel(a.version, a.name) +
          " was changed after it was applied (checksum " + a.checksum.substr(0, 12) +
          "… in the database, " + it->second->checksum.substr(0, 12) +
          "… in this program); applied migrations must not change: restore the file and add "
          "a new migration instead");
    }
  }
  for (const Migration& m : migrations) {
    if (!done.count(m.version)) status.pending.push_back(m);
  }
  status.applied = std::move(applied);
  return status;
}

std::string JoinProblems(const std::vector<std::string>& problems) {
  std::string out;
  for (const std::string& p : problems) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace

std::string MigrationChecksum(std::string_view sql) {
  std::string normalized;
  normalized.reserve(sql.size());
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] == '\r' && i + 1 < sql.size() && sql[i + 1] == '\n') continue;
    normalized.push_back(sql[i]);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(normalized.data(), normalized.size(), digest, &length, EVP_sha256(), nullptr);
  return Hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

Result<Migration> ParseMigration(std::string_view file_name, std::string_view sql) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("migration file '" + std::string(file_name) + "': " + std::string(why) +
                           " (expected NNNN_name.sql, e.g. 0002_sessions.sql)");
  };
  if (!file_name.ends_with(".sql")) return bad("not a .sql file");
  std::string_view stem = file_name.substr(0, file_name.size() - 4);
  const size_t underscore = stem.find('_');
  if (underscore == 0 || underscore == std::string_view::npos || underscore > 6) {
    return bad("no version number");
  }
  Migration m;
  for (char c : stem.substr(0, underscore)) {
    if (c < '0' || c > '9') return bad("the version is not a number");
    m.version = m.version * 10 + (c - '0');
  }
  if (m.version < 1) return bad("versions start at 1");
  m.name = std::string(stem.substr(underscore + 1));
  if (m.name.empty()) return bad("no name after the version");
  for (char c : m.name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return bad("the name may hold only a-z, 0-9 and _");
    }
  }
  m.sql = std::string(sql);
  m.checksum = MigrationChecksum(sql);
  return m;
}

Status ValidateMigrations(const std::vector<Migration>& migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    const int32_t expected = static_cast<int32_t>(i) + 1;
    if (migrations[i].version != expected) {
      return InvalidArgument("migration " +
                             MigrationLabel(migrations[i].version, migrations[i].name) +
                             " is out of sequence: expected version " + std::to_string(expected) +
                             " (versions run 1, 2, 3, … without gaps or duplicates)");
    }
  }
  return Status::Ok();
}

const std::vector<Migration>& BuiltinMigrations() {
  static const std::vector<Migration> kMigrations = [] {
    std::vector<Migration> out;
    Status s;
    for (const internal::EmbeddedSqlFile& f : internal::EmbeddedSqlFiles()) {
      Result<Migration> m = ParseMigration(f.name, f.text);
      if (!m.ok()) {
        s = m.status();
        break;
      }
      out.push_back(std::move(m).value());
    }
    std::sort(out.begin(), out.end(),
              [](const Migration& a, const Migration& b) { return a.version < b.version; });
    if (s.ok()) s = ValidateMigrations(out);
    if (!s.ok()) {
      // The migrations are part of the program: a bad set is a build defect.
      std::fprintf(stderr, "globalmart: built-in migrations are broken: %s\n", s.message().c_str());
      std::abort();
    }
    return out;
  }();
  return kMigrations;
}

Result<MigrationStatus> GetMigrationStatus(Connection& conn,
                                           const std::vector<Migration>& migrations) {
  try {
    pqxx::read_transaction tx(conn.pqxx());
    const bool exists =
        tx.exec1("SELECT to_regclass('schema_migrations') IS NOT NULL")[0].as<bool>();
    std::vector<AppliedMigration> applied;
    if (exists) applied = ReadApplied(tx);
    tx.commit();
    return Compare(std::move(applied), migrations);
  } catch (const std::exception& e) {
    return ToStatus(e, "reading schema_migrations");
  }
}

Result<std::vector<Migration>> Migrate(Connection& conn, const std::vector<Migration>& migrations) {
  std::vector<Migration> applied_now;
  std::string current = "schema_migrations";
  try {
    for (;;) {
      pqxx::work tx(conn.pqxx(), "migrate");
      // Serialises migrators until this transaction ends; whoever waited sees our rows.
      tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")");
      tx.exec(kCreateSchemaMigrations);
      MigrationStatus status = Compare(ReadApplied(tx), migrations);
      if (!status.problems.empty()) {
        return Internal("refusing to migrate: " + JoinProblems(status.problems));
      }
      if (status.pending.empty()) {
        tx.commit();
        return applied_now;
      }
      const Migration& m = status.pending.front();
      current = MigrationLabel(m.version, m.name);
      const auto start = std::chrono::steady_clock::now();
      tx.exec(m.sql);
      const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - start)
                             .count();
      tx.exec_params(
          "INSERT INTO schema_migrations (version, name, checksum, execution_ms) "
          "VALUES ($1, $2, $3, $4)",
          m.version, m.name, m.checksum, ms);
      tx.commit();
      Logger("store")->info("applied migration {} in {} ms", current, ms);
      applied_now.push_back(m);
    }
  } catch (const std::exception& e) {
    return ToStatus(e, "migration " + current);
  }
}

}  // namespace gm::store
