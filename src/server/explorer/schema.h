#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace gm::store {
class Connection;
}

namespace gm::server::explorer {

//! How the explorer treats a column: which filter values it accepts and how results are
//! rendered in JSON.
enum class ColumnKind {
  kInteger,    //!< smallint, integer, bigint: JSON integers
  kNumeric,    //!< numeric, real, double precision: JSON numbers
  kText,       //!< text, varchar, char: JSON strings; `like` allowed
  kTimestamp,  //!< timestamptz, timestamp, date: ISO-8601 strings
  kBoolean,    //!< boolean: JSON true/false
  kOther,      //!< arrays, json, intervals, ...: selectable and orderable, only `is_null`
};

std::string_view ColumnKindName(ColumnKind kind);
//! The kind of an information_schema.columns.data_type ("bigint", "ARRAY", ...).
ColumnKind KindOfDataType(std::string_view data_type);

struct Column {
  std::string name;
  std::string data_type;  //!< as information_schema says it ("timestamp with time zone")
  ColumnKind kind = ColumnKind::kOther;
};

struct Table {
  std::string name;
  std::vector<Column> columns;  //!< in table order
  const Column* FindColumn(std::string_view name) const;
};

//! The tables the explorer may read, with their columns. Plain data: copyable, immutable
//! once built, so one instance can be shared by threads.
struct Schema {
  std::vector<Table> tables;  //!< by name
  const Table* FindTable(std::string_view name) const;
};

//! The allow-list: tables (and views) of schema `public` the explorer may read. Tables of
//! later issues are listed ahead of time; LoadSchema skips those not created yet. Internal
//! tables (api_keys, stream_offsets, stream_task_state, schema_migrations, the per-task and
//! per-partition partial tables) are never on it.
const std::vector<std::string_view>& AllowedTables();

//! Columns never shown even of an allowed table: "table.column" (raw dead-letter bytes).
const std::vector<std::string_view>& HiddenColumns();

//! Reads the allowed tables' columns from information_schema.columns in a read-only
//! transaction on `conn`, as `role` (SET LOCAL ROLE) when it is not empty: PostgreSQL lists
//! only columns that role may read, so the explorer never offers what its queries could not
//! select. Allowed tables that do not exist (yet) are left out. Errors as store::ToStatus
//! maps them.
Result<Schema> LoadSchema(store::Connection& conn, const std::string& role);

}  // namespace gm::server::explorer
