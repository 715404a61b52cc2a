#include "server/explorer/runner.h"

#include <charconv>
#include <pqxx/pqxx>

#include "store/connection.h"
#include "store/pool.h"

namespace gm::server::explorer {
namespace {

std::string TimeoutMillis(Micros timeout) {
  return std::to_string(std::max<Micros>(1, timeout / kMicrosPerMilli));
}

// PostgreSQL's text of a value in the form Rows promises.
std::string Normalize(const Column& column, const char* text) {
  if (column.kind == ColumnKind::kBoolean) {
    return text[0] == 't' ? "true" : "false";
  }
  if (column.kind == ColumnKind::kTimestamp) {
    // With TimeZone UTC a timestamptz prints as "2024-01-15 10:00:00.5+00"; a date as
    // "2024-01-15". infinity and the like stay as they are.
    std::string s = text;
    if (s.size() == 10) s += "T00:00:00Z";
    Micros t = 0;
    if (ParseTimestamp(s, &t)) return FormatTimestamp(t);
  }
  return text;
}

nlohmann::ordered_json Typed(const Column& column, const std::string& text) {
  if (column.kind == ColumnKind::kInteger) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && ptr == text.data() + text.size()) return v;
  } else if (column.kind == ColumnKind::kNumeric) {
    double v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && ptr == text.data() + text.size() && std::isfinite(v)) return v;
  } else if (column.kind == ColumnKind::kBoolean) {
    return text == "true";
  }
  return text;
}

void AppendCsvField(std::string_view field, std::string& out) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

nlohmann::ordered_json ColumnJson(const Column& c) {
  return {{"name", c.name}, {"type", c.data_type}, {"kind", ColumnKindName(c.kind)}};
}

}  // namespace

Result<Rows> RunQuery(store::Connection& conn, const CompiledQuery& query,
                      const RunOptions& options) {
  try {
    // BEGIN READ ONLY: even a role that could write cannot here.
    pqxx::read_transaction tx(conn.pqxx(), "explorer_query");
    tx.exec("SET LOCAL statement_timeout = " + TimeoutMillis(options.statement_timeout));
    tx.exec("SET LOCAL TimeZone = 'UTC'");
    if (!options.role.empty()) tx.exec("SET LOCAL ROLE " + tx.quote_name(options.role));
    pqxx::result result =
        tx.exec_params(query.sql, pqxx::prepare::make_dynamic_params(query.params));
    Rows rows;
    rows.columns = query.columns;
    for (const auto& r : result) {
      if (static_cast<int64_t>(rows.rows.size()) == query.limit) {
        rows.more = true;
        break;
      }
      std::vector<std::optional<std::string>> values;
      values.reserve(rows.columns.size());
      for (size_t i = 0; i < rows.columns.size(); ++i) {
        const pqxx::field f = r[static_cast<pqxx::row::size_type>(i)];
        if (f.is_null()) {
          values.emplace_back();
        } else {
          values.emplace_back(Normalize(rows.columns[i], f.c_str()));
        }
      }
      rows.rows.push_back(std::move(values));
    }
    tx.abort();  // nothing to keep: a read-only query
    return rows;
  } catch (const std::exception& e) {
    return store::ToStatus(e, "explorer query");
  }
}

nlohmann::ordered_json RowsToJson(const Rows& rows) {
  nlohmann::ordered_json out;
  out["columns"] = nlohmann::ordered_json::array();
  for (const Column& c : rows.columns) out["columns"].push_back(ColumnJson(c));
  out["rows"] = nlohmann::ordered_json::array();
  for (const auto& row : rows.rows) {
    nlohmann::ordered_json obj = nlohmann::ordered_json::object();
    for (size_t i = 0; i < rows.columns.size(); ++i) {
      obj[rows.columns[i].name] = row[i] ? Typed(rows.columns[i], *row[i]) : nullptr;
    }
    out["rows"].push_back(std::move(obj));
  }
  out["more"] = rows.more;
  return out;
}

std::string RowsToCsv(const Rows& rows) {
  std::string out;
  for (size_t i = 0; i < rows.columns.size(); ++i) {
    if (i) out.push_back(',');
    AppendCsvField(rows.columns[i].name, out);
  }
  out += "\r\n";
  for (const auto& row : rows.rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) out.push_back(',');
      if (row[i]) AppendCsvField(*row[i], out);
    }
    out += "\r\n";
  }
  return out;
}

nlohmann::ordered_json SchemaToJson(const Schema& schema) {
  nlohmann::ordered_json tables = nlohmann::ordered_json::array();
  for (const Table& t : schema.tables) {
    nlohmann::ordered_json columns = nlohmann::ordered_json::array();
    for (const Column& c : t.columns) columns.push_back(ColumnJson(c));
    tables.push_back({{"name", t.name}, {"columns", std::move(columns)}});
  }
  return {{"tables", std::move(tables)}};
}

Explorer::Explorer(store::ConnectionPool& pool, ExplorerConfig config, const Clock& clock,
                   Micros schema_ttl)
    : pool_(pool), config_(std::move(config)), clock_(clock), schema_ttl_(schema_ttl) {}

Result<std::shared_ptr<const Schema>> Explorer::Tables() {
  const Micros now = clock_.Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (schema_ != nullptr && now - schema_loaded_at_ < schema_ttl_) return schema_;
  }
  Result<store::ConnectionPool::Lease> lease = pool_.Acquire(config_.statement_timeout);
  if (!lease.ok()) return lease.status();
  Result<Schema> loaded = LoadSchema(**lease, config_.role);
  if (!loaded.ok()) {
    lease->Discard();
    return loaded.status();
  }
  auto schema = std::make_shared<const Schema>(std::move(loaded).value());
  std::lock_guard<std::mutex> lock(mu_);
  schema_ = schema;
  schema_loaded_at_ = now;
  return schema;
}

Result<Rows> Explorer::Query(std::string_view json_body) {
  Result<explorer::Query> query = ParseQuery(json_body);
  if (!query.ok()) return query.status();
  Result<std::shared_ptr<const Schema>> schema = Tables();
  if (!schema.ok()) return schema.status();
  Result<CompiledQuery> compiled =
      Compile(**schema, *query, Limits{config_.max_rows, std::min<int64_t>(100, config_.max_rows)});
  if (!compiled.ok()) return compiled.status();
  Result<store::ConnectionPool::Lease> lease = pool_.Acquire(config_.statement_timeout);
  if (!lease.ok()) return lease.status();
  Result<Rows> rows =
      RunQuery(**lease, *compiled, RunOptions{config_.statement_timeout, config_.role});
  if (!rows.ok() && rows.status().code() != ErrorCode::kInvalidArgument &&
      rows.status().code() != ErrorCode::kTimeout) {
    lease->Discard();  // the session may be in an unknown state
  }
  return rows;
}

}  // namespace gm::server::explorer
