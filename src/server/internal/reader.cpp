#include "server/internal/reader.h"

#include <libpq-fe.h>

#include "store/connection.h"

namespace gm::server {
namespace {

bool IsUri(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

// libpq's `options` carries server settings for the session: the role, read-only
// transactions and the statement timeout, applied before the first query.
std::string ReaderUrl(const ServerConfig& config, const std::string& login_url) {
  std::string options;
  if (!config.reader_role.empty()) options += "-c role=" + config.reader_role + " ";
  options += "-c default_transaction_read_only=on ";
  options += "-c statement_timeout=" + std::to_string(config.statement_timeout / 1000);
  if (IsUri(login_url)) {
    std::string encoded;
    for (char c : options) {
      if (c == ' ') {
        encoded += "%20";
      } else if (c == '=') {
        encoded += "%3D";
      } else {
        encoded.push_back(c);
      }
    }
    return store::WithUrlParameter(login_url, "options", encoded);
  }
  return store::WithUrlParameter(login_url, "options", "'" + options + "'");
}

}  // namespace

Reader::Reader(const ServerConfig& config, const std::string& login_url)
    : url_(ReaderUrl(config, login_url)) {
  store::PoolOptions options;
  options.url = url_;
  options.size = config.db_connections;
  options.connect_timeout = 5 * kMicrosPerSecond;
  pool_ = std::make_unique<store::ConnectionPool>(options);
}

Result<Rows> Reader::Query(std::string_view sql, const std::vector<std::string>& params) const {
  Result<store::ConnectionPool::Lease> lease = pool_->Acquire(5 * kMicrosPerSecond);
  if (!lease.ok()) {
    const Status& s = lease.status();
    return Status(s.code() == ErrorCode::kTimeout ? ErrorCode::kUnavailable : s.code(),
                  "no database connection: " + s.message());
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params) values.push_back(p.c_str());
  const std::string text(sql);
  PGresult* res = PQexecParams((*lease)->raw(), text.c_str(), static_cast<int>(values.size()),
                               nullptr, values.data(), nullptr, nullptr, 0);
  const ExecStatusType st = res == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string message = PQerrorMessage((*lease)->raw());
    PQclear(res);
    if (state == nullptr) lease->Discard();
    Status s = store::SqlStateToStatus(state ? state : "", message, "API query");
    // Data errors here mean a statement bug, not bad input (handlers validate input).
    if (s.code() == ErrorCode::kInvalidArgument || s.code() == ErrorCode::kResourceExhausted) {
      return Internal(s.message());
    }
    return s;
  }
  Rows rows;
  const int ncols = PQnfields(res);
  const int nrows = PQntuples(res);
  rows.columns.reserve(ncols);
  for (int c = 0; c < ncols; ++c) rows.columns.emplace_back(PQfname(res, c));
  rows.values.resize(nrows);
  for (int r = 0; r < nrows; ++r) {
    auto& row = rows.values[r];
    row.reserve(ncols);
    for (int c = 0; c < ncols; ++c) {
      if (PQgetisnull(res, r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(PQgetvalue(res, r, c), PQgetlength(res, r, c)));
      }
    }
  }
  PQclear(res);
  return rows;
}

std::string SqlParams::Add(std::string value) {
  values_.push_back(std::move(value));
  return "$" + std::to_string(values_.size());
}

std::string SqlParams::AddTime(int64_t micros) {
  return "(timestamptz 'epoch' + " + Add(std::to_string(micros)) +
         "::bigint * interval '1 microsecond')";
}

std::string MicrosOf(std::string_view timestamptz_sql) {
  return "(extract(epoch FROM " + std::string(timestamptz_sql) + ") * 1000000)::bigint";
}

}  // namespace gm::server
