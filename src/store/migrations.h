#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "store/connection.h"

namespace gm::store {

//! One numbered SQL file of sql/: `NNNN_name.sql`, applied in version order, each in its
//! own transaction (so it may not use statements that refuse transactions, such as
//! CREATE INDEX CONCURRENTLY). An applied migration is never edited: add a new one.
struct Migration {
  int32_t version = 0;   //!< from the file name's number, ≥ 1
  std::string name;      //!< the rest of the file name: "core" for 0001_core.sql
  std::string sql;       //!< the file's text
  std::string checksum;  //!< MigrationChecksum(sql)
};

//! A row of schema_migrations.
struct AppliedMigration {
  int32_t version = 0;
  std::string name;
  std::string checksum;
  Micros applied_at = 0;
  int64_t execution_ms = 0;
};

struct MigrationStatus {
  std::vector<AppliedMigration> applied;  //!< by version
  std::vector<Migration> pending;         //!< by version: what Migrate would apply
  //! Problems that make Migrate refuse: an applied migration whose text changed, or one
  //! this program does not know (the database is newer than the program).
  std::vector<std::string> problems;
};

//! Lowercase hex SHA-256 of the text with CRLF line ends read as LF (so a checkout with
//! Windows line ends does not count as an edit).
std::string MigrationChecksum(std::string_view sql);

//! Parses a migration file name and text. InvalidArgument unless the name is
//! digits + '_' + [a-z0-9_]+ + ".sql" with a version ≥ 1.
Result<Migration> ParseMigration(std::string_view file_name, std::string_view sql);

//! Checks a set of migrations: versions strictly increasing from 1 without gaps.
Status ValidateMigrations(const std::vector<Migration>& migrations);

//! The migrations compiled into this program (sql/*.sql), validated; ordered by version.
//! A broken set is a build error caught by the unit tests, so this aborts on one.
const std::vector<Migration>& BuiltinMigrations();

//! Reads schema_migrations (absent = nothing applied) and compares it with `migrations`.
Result<MigrationStatus> GetMigrationStatus(Connection& conn,
                                           const std::vector<Migration>& migrations);

//! Applies the pending `migrations` in version order, each in its own transaction that
//! also records it in schema_migrations (version, name, checksum, applied_at,
//! execution_ms). Every transaction first takes a transaction-scoped advisory lock
//! (kMigrationLockKey), so concurrent migrators — other threads or processes — apply each
//! migration exactly once. Refuses (Internal, naming the migration) when the database holds
//! a changed or unknown migration. Returns the migrations applied by this call (empty when
//! the schema was up to date). On a failing migration, returns its error; the ones before it
//! stay applied.
Result<std::vector<Migration>> Migrate(Connection& conn, const std::vector<Migration>& migrations);

//! The pg_advisory_xact_lock key serialising migrators ("gmigrate" in ASCII).
inline constexpr int64_t kMigrationLockKey = 0x676d696772617465;

}  // namespace gm::store
