#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "common/time.h"
#include "server/explorer/compile.h"
#include "server/explorer/schema.h"

namespace gm::store {
class Connection;
class ConnectionPool;
}  // namespace gm::store

namespace gm::server::explorer {

//! A query's result: text values ready for JSON or CSV (NULL = nullopt). Timestamps are
//! ISO-8601 UTC (2024-01-15T10:00:00.000Z), booleans "true"/"false", numbers as PostgreSQL
//! prints them.
struct Rows {
  std::vector<Column> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
  bool more = false;  //!< more rows matched than the limit let through
};

struct RunOptions {
  Micros statement_timeout = 5 * kMicrosPerSecond;  //!< SET LOCAL statement_timeout
  std::string role = "globalmart_reader";           //!< SET LOCAL ROLE; empty = the login role
};

//! Runs a compiled query in a READ ONLY transaction with SET LOCAL statement_timeout,
//! TimeZone UTC and (unless empty) SET LOCAL ROLE, binding the parameters (libpqxx
//! exec_params); the transaction is rolled back at the end, never committed. Errors as
//! store::ToStatus maps them: Timeout when the statement timeout fired, InvalidArgument for
//! values PostgreSQL refuses (e.g. out of range), Unavailable for a lost connection.
Result<Rows> RunQuery(store::Connection& conn, const CompiledQuery& query,
                      const RunOptions& options);

//! {"columns":[{"name","type","kind"}...], "rows":[{column: value}...], "more": bool}, values
//! typed by kind (numbers, booleans, strings, null).
nlohmann::ordered_json RowsToJson(const Rows& rows);

//! RFC 4180 CSV: a header row of column names, then one line per row (CRLF line ends); NULL
//! is an empty field; fields with a comma, quote, CR or LF are quoted.
std::string RowsToCsv(const Rows& rows);

//! The tables and columns as GET /api/v1/explorer/tables answers them:
//! {"tables":[{"name", "columns":[{"name","type","kind"}]}]}.
nlohmann::ordered_json SchemaToJson(const Schema& schema);

//! What the HTTP handlers call: the schema (loaded through the pool as explorer.role and
//! reloaded every `schema_ttl`, so tables created by a later migration appear) plus parse →
//! compile → run. Thread-safe; each call leases one pool connection.
class Explorer {
 public:
  //! `pool` and `clock` must outlive this object.
  Explorer(store::ConnectionPool& pool, ExplorerConfig config, const Clock& clock,
           Micros schema_ttl = kMicrosPerMinute);
  Explorer(const Explorer&) = delete;
  Explorer& operator=(const Explorer&) = delete;

  //! The allowed tables that exist, with their columns.
  Result<std::shared_ptr<const Schema>> Tables();

  //! Parses, compiles and runs a JSON query body (query.h). InvalidArgument naming the
  //! field for anything the explorer does not allow; otherwise as RunQuery.
  Result<Rows> Query(std::string_view json_body);

 private:
  store::ConnectionPool& pool_;
  const ExplorerConfig config_;
  const Clock& clock_;
  const Micros schema_ttl_;
  std::mutex mu_;
  std::shared_ptr<const Schema> schema_;  // guarded by mu_
  Micros schema_loaded_at_ = 0;           // guarded by mu_
};

}  // namespace gm::server::explorer
