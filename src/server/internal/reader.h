#pragma once

// The API's database access: a pool of read-only sessions (role server.reader_role,
// default_transaction_read_only, statement_timeout set at connection start) and one query
// call returning text values. Errors never carry SQL to clients: problem.h logs 5xx details.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "store/pool.h"

namespace gm::server {

//! A query result: column names and every value as PostgreSQL's text (nullopt for NULL).
struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> values;
};

class Reader {
 public:
  //! Opens nothing yet: connections are made on first use (store::ConnectionPool).
  Reader(const ServerConfig& config, const std::string& login_url);
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  //! Runs one parameterized statement ($1, $2, ... bound to `params` as text).
  //! Errors: Unavailable (no connection within 5 s, server down), Timeout (statement
  //! timeout), Internal (anything else — a bug in the statement). Thread-safe.
  Result<Rows> Query(std::string_view sql, const std::vector<std::string>& params = {}) const;

  //! The pool itself (read-only sessions), for components that run their own statements.
  store::ConnectionPool& pool() const { return *pool_; }

  //! The URL the pool connects with (role and limits added), password included.
  const std::string& url() const { return url_; }

 private:
  std::string url_;
  std::unique_ptr<store::ConnectionPool> pool_;
};

//! Builds the $n placeholders of a statement.
class SqlParams {
 public:
  //! Binds `value` as text and returns its placeholder, e.g. "$3".
  std::string Add(std::string value);
  //! A timestamptz placeholder for microseconds since the epoch (exact, no floating point).
  std::string AddTime(int64_t micros);
  const std::vector<std::string>& values() const { return values_; }

 private:
  std::vector<std::string> values_;
};

//! SQL for a timestamptz expression as microseconds since the epoch (bigint).
std::string MicrosOf(std::string_view timestamptz_sql);

}  // namespace gm::server
