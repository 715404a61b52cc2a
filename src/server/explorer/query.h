#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace gm::server::explorer {

// The data explorer's structured query, as POST /api/v1/explorer/query receives it:
//
//   {"table": "transactions",
//    "columns": ["transaction_id", "total_cents"],            (optional; default: all)
//    "filters": [{"column": "country", "op": "=", "value": "DE"},
//                {"column": "event_time", "op": "between",
//                 "value": ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"]}],
//    "order":   [{"column": "event_time", "dir": "desc"}],    (dir: asc | desc, default asc)
//    "limit":   100}                                          (optional)
//
// Parsing checks the shape only; Compile (compile.h) checks every name against the schema's
// allow-list and every value against its column's type.

enum class FilterOp { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kLike, kBetween, kIsNull };

//! "=", "!=", "<", "<=", ">", ">=", "in", "like", "between", "is_null".
std::string_view FilterOpName(FilterOp op);
//! The operator spelled as above; nullopt otherwise.
std::optional<FilterOp> ParseFilterOp(std::string_view text);

struct Filter {
  std::string column;
  FilterOp op = FilterOp::kEq;
  nlohmann::json value;  //!< as sent; null when absent
};

struct OrderBy {
  std::string column;
  bool descending = false;
};

struct Query {
  std::string table;
  std::vector<std::string> columns;  //!< empty: every column of the table
  std::vector<Filter> filters;       //!< combined with AND
  std::vector<OrderBy> order;
  std::optional<int64_t> limit;  //!< nullopt: the default page size
};

//! Bounds on a query's shape (checked while parsing, before any name is looked up).
inline constexpr size_t kMaxColumns = 200;
inline constexpr size_t kMaxFilters = 32;
inline constexpr size_t kMaxOrder = 8;
inline constexpr size_t kMaxNesting = 6;  //!< JSON depth; a valid query needs 4

//! Parses a query from JSON text. InvalidArgument naming the offending field
//! ("filters[1].op: ...") for malformed JSON, nesting deeper than kMaxNesting, unknown
//! fields, wrong types, and lists longer than the bounds above.
Result<Query> ParseQuery(std::string_view json_text);

//! The same for an already parsed document.
Result<Query> ParseQueryDocument(const nlohmann::json& doc);

}  // namespace gm::server::explorer
