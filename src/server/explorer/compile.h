#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/explorer/query.h"
#include "server/explorer/schema.h"

namespace gm::server::explorer {

struct Limits {
  int64_t max_rows = 10'000;   //!< explorer.max_rows: a larger `limit` is refused
  int64_t default_rows = 100;  //!< `limit` when the query gives none (capped by max_rows)
};

//! A query ready to run: SQL text whose identifiers all come from the schema (double-quoted)
//! and whose values are all $n parameters, never text of the request.
struct CompiledQuery {
  std::string sql;
  std::vector<std::string> params;  //!< $1, $2, ... as text; the last one is the LIMIT
  std::vector<Column> columns;      //!< the result's columns, in order
  int64_t limit = 0;  //!< rows the caller asked for; the SQL fetches limit + 1 to see if more exist
};

//! Compiles `query` against `schema` (the allow-list). InvalidArgument naming the field
//! for: an unknown table or column (also a table not on the allow-list: the message is
//! the same, so it does not reveal which tables exist), a duplicate column, an operator that
//! does not apply to the column's type (`like` needs text; `<` and the like are not for
//! booleans; columns of kind other take only `is_null`), a value of the wrong JSON type or
//! out of range for the column, an `in` list that is empty or longer than 1000, a `between`
//! that is not two values, a text value holding NUL, and a limit outside 1..max_rows.
//! Values are normalised (integers in decimal, timestamps as ISO-8601 UTC).
Result<CompiledQuery> Compile(const Schema& schema, const Query& query, const Limits& limits);

//! An identifier in double quotes, embedded quotes doubled (as PostgreSQL reads them).
std::string QuoteIdentifier(std::string_view name);

inline constexpr size_t kMaxInValues = 1000;
inline constexpr size_t kMaxTextBytes = 10'000;

}  // namespace gm::server::explorer
