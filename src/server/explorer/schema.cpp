#include "server/explorer/schema.h"

#include <algorithm>
#include <pqxx/pqxx>

#include "store/connection.h"

namespace gm::server::explorer {

std::string_view ColumnKindName(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kInteger:
      return "integer";
    case ColumnKind::kNumeric:
      return "number";
    case ColumnKind::kText:
      return "text";
    case ColumnKind::kTimestamp:
      return "timestamp";
    case ColumnKind::kBoolean:
      return "boolean";
    case ColumnKind::kOther:
      return "other";
  }
  return "other";
}

ColumnKind KindOfDataType(std::string_view t) {
  if (t == "smallint" || t == "integer" || t == "bigint") return ColumnKind::kInteger;
  if (t == "numeric" || t == "real" || t == "double precision") return ColumnKind::kNumeric;
  if (t == "text" || t == "character varying" || t == "character") return ColumnKind::kText;
  if (t == "timestamp with time zone" || t == "timestamp without time zone" || t == "date") {
    return ColumnKind::kTimestamp;
  }
  if (t == "boolean") return ColumnKind::kBoolean;
  return ColumnKind::kOther;
}

const Column* Table::FindColumn(std::string_view name) const {
  for (const Column& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const Table* Schema::FindTable(std::string_view name) const {
  for (const Table& t : tables) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const std::vector<std::string_view>& AllowedTables() {
  static const std::vector<std::string_view> kTables = {
      // Catalog and archive.
      "products", "customers", "transactions", "transaction_items",
      // Real-time results (views sum the per-task partial rows).
      "sales_metrics", "sales_hourly", "transaction_anomalies", "kafka_metrics",
      "dead_letter_events",
      // Sessions, carts and inventory (later issues; skipped until they exist).
      "session_metrics", "cart_abandonment", "inventory_status", "low_stock_alerts",
      // Monitoring (later issue).
      "system_health_metrics"};
  return kTables;
}

const std::vector<std::string_view>& HiddenColumns() {
  static const std::vector<std::string_view> kHidden = {"dead_letter_events.raw"};
  return kHidden;
}

Result<Schema> LoadSchema(store::Connection& conn, const std::string& role) {
  // The allow-list as a text[] literal (its names are plain identifiers).
  std::string names = "{";
  for (std::string_view t : AllowedTables())
    names += std::string(names.size() > 1 ? "," : "") + std::string(t);
  names += "}";
  try {
    pqxx::read_transaction tx(conn.pqxx(), "explorer_schema");
    if (!role.empty()) tx.exec("SET LOCAL ROLE " + tx.quote_name(role));
    // information_schema.columns lists only columns the current role has some privilege on.
    pqxx::result rows = tx.exec_params(
        "SELECT table_name::text, column_name::text, data_type::text "
        "FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = ANY($1::text[]) "
        "ORDER BY table_name, ordinal_position",
        names);
    Schema schema;
    for (const auto& row : rows) {
      const std::string table = row[0].as<std::string>();
      const std::string column = row[1].as<std::string>();
      const std::string qualified = table + "." + column;
      if (std::find(HiddenColumns().begin(), HiddenColumns().end(), qualified) !=
          HiddenColumns().end()) {
        continue;
      }
      if (schema.tables.empty() || schema.tables.back().name != table) {
        schema.tables.push_back(Table{table, {}});
      }
      const std::string data_type = row[2].as<std::string>();
      schema.tables.back().columns.push_back(Column{column, data_type, KindOfDataType(data_type)});
    }
    tx.commit();
    return schema;
  } catch (const std::exception& e) {
    return store::ToStatus(e, "reading the explorer's tables");
  }
}

}  // namespace gm::server::explorer
