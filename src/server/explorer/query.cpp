#include "server/explorer/query.h"

#include <limits>

namespace gm::server::explorer {
namespace {

constexpr FilterOp kOps[] = {FilterOp::kEq,      FilterOp::kNe,    FilterOp::kLt, FilterOp::kLe,
                             FilterOp::kGt,      FilterOp::kGe,    FilterOp::kIn, FilterOp::kLike,
                             FilterOp::kBetween, FilterOp::kIsNull};

Status Bad(const std::string& field, const std::string& why) {
  return InvalidArgument(field + ": " + why);
}

// The JSON type of a value, for messages.
std::string TypeOf(const nlohmann::json& v) { return v.type_name(); }

// A bounded, printable rendition of user text for an error message.
std::string Shown(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64)) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
  }
  if (text.size() > 64) out += "...";
  return "'" + out + "'";
}

Status CheckKeys(const nlohmann::json& obj, const std::string& where,
                 std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : obj.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || key == a;
    if (!known) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Bad(where.empty() ? Shown(key) : where + "." + Shown(key),
                 "unknown field (expected " + list + ")");
    }
  }
  return Status::Ok();
}

Result<std::string> NameAt(const nlohmann::json& v, const std::string& field) {
  if (!v.is_string()) return Bad(field, "expected a string, got " + TypeOf(v));
  return v.get<std::string>();
}

}  // namespace

std::string_view FilterOpName(FilterOp op) {
  switch (op) {
    case FilterOp::kEq:
      return "=";
    case FilterOp::kNe:
      return "!=";
    case FilterOp::kLt:
      return "<";
    case FilterOp::kLe:
      return "<=";
    case FilterOp::kGt:
      return ">";
    case FilterOp::kGe:
      return ">=";
    case FilterOp::kIn:
      return "in";
    case FilterOp::kLike:
      return "like";
    case FilterOp::kBetween:
      return "between";
    case FilterOp::kIsNull:
      return "is_null";
  }
  return "?";
}

std::optional<FilterOp> ParseFilterOp(std::string_view text) {
  for (FilterOp op : kOps) {
    if (FilterOpName(op) == text) return op;
  }
  return std::nullopt;
}

Result<Query> ParseQuery(std::string_view json_text) {
  nlohmann::json doc;
  try {
    // The callback sees the depth of every value while parsing: refuse deep nesting before
    // it is built.
    doc = nlohmann::json::parse(json_text.begin(), json_text.end(),
                                [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
                                  if (depth > static_cast<int>(kMaxNesting))
                                    throw std::length_error("nesting");
                                  return true;
                                });
  } catch (const std::length_error&) {
    return InvalidArgument("query: JSON nested deeper than " + std::to_string(kMaxNesting) +
                           " levels");
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's messages name the byte position and what was expected, never our SQL.
    return InvalidArgument(std::string("query: not valid JSON: ") + e.what());
  }
  return ParseQueryDocument(doc);
}

Result<Query> ParseQueryDocument(const nlohmann::json& doc) {
  if (!doc.is_object()) return Bad("query", "expected a JSON object, got " + TypeOf(doc));
  if (Status s = CheckKeys(doc, "", {"table", "columns", "filters", "order", "limit"}); !s.ok()) {
    return s;
  }
  Query q;
  if (!doc.contains("table")) return Bad("table", "missing");
  Result<std::string> table = NameAt(doc["table"], "table");
  if (!table.ok()) return table.status();
  q.table = std::move(table).value();

  if (doc.contains("columns")) {
    const nlohmann::json& cols = doc["columns"];
    if (!cols.is_array()) return Bad("columns", "expected an array, got " + TypeOf(cols));
    if (cols.size() > kMaxColumns) {
      return Bad("columns", "at most " + std::to_string(kMaxColumns) + " columns");
    }
    for (size_t i = 0; i < cols.size(); ++i) {
      Result<std::string> name = NameAt(cols[i], "columns[" + std::to_string(i) + "]");
      if (!name.ok()) return name.status();
      q.columns.push_back(std::move(name).value());
    }
  }

  if (doc.contains("filters")) {
    const nlohmann::json& filters = doc["filters"];
    if (!filters.is_array()) return Bad("filters", "expected an array, got " + TypeOf(filters));
    if (filters.size() > kMaxFilters) {
      return Bad("filters", "at most " + std::to_string(kMaxFilters) + " filters");
    }
    for (size_t i = 0; i < filters.size(); ++i) {
      const std::string at = "filters[" + std::to_string(i) + "]";
      const nlohmann::json& f = filters[i];
      if (!f.is_object()) return Bad(at, "expected an object, got " + TypeOf(f));
      if (Status s = CheckKeys(f, at, {"column", "op", "value"}); !s.ok()) return s;
      if (!f.contains("column")) return Bad(at + ".column", "missing");
      if (!f.contains("op")) return Bad(at + ".op", "missing");
      Filter filter;
      Result<std::string> column = NameAt(f["column"], at + ".column");
      if (!column.ok()) return column.status();
      filter.column = std::move(column).value();
      Result<std::string> op_text = NameAt(f["op"], at + ".op");
      if (!op_text.ok()) return op_text.status();
      std::optional<FilterOp> op = ParseFilterOp(*op_text);
      if (!op) {
        return Bad(at + ".op", Shown(*op_text) +
                                   " is not an operator (one of = != < <= > >= in like "
                                   "between is_null)");
      }
      filter.op = *op;
      if (f.contains("value")) filter.value = f["value"];
      q.filters.push_back(std::move(filter));
    }
  }

  if (doc.contains("order")) {
    const nlohmann::json& order = doc["order"];
    if (!order.is_array()) return Bad("order", "expected an array, got " + TypeOf(order));
    if (order.size() > kMaxOrder) {
      return Bad("order", "at most " + std::to_string(kMaxOrder) + " entries");
    }
    for (size_t i = 0; i < order.size(); ++i) {
      const std::string at = "order[" + std::to_string(i) + "]";
      const nlohmann::json& o = order[i];
      if (!o.is_object()) return Bad(at, "expected an object, got " + TypeOf(o));
      if (Status s = CheckKeys(o, at, {"column", "dir"}); !s.ok()) return s;
      if (!o.contains("column")) return Bad(at + ".column", "missing");
      OrderBy by;
      Result<std::string> column = NameAt(o["column"], at + ".column");
      if (!column.ok()) return column.status();
      by.column = std::move(column).value();
      if (o.contains("dir")) {
        Result<std::string> dir = NameAt(o["dir"], at + ".dir");
        if (!dir.ok()) return dir.status();
        if (*dir != "asc" && *dir != "desc") {
          return Bad(at + ".dir", Shown(*dir) + " is not a direction (asc or desc)");
        }
        by.descending = *dir == "desc";
      }
      q.order.push_back(std::move(by));
    }
  }

  if (doc.contains("limit")) {
    const nlohmann::json& limit = doc["limit"];
    if (limit.is_number_unsigned()) {
      const uint64_t u = limit.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Bad("limit", "out of range");
      }
      q.limit = static_cast<int64_t>(u);
    } else if (limit.is_number_integer()) {
      q.limit = limit.get<int64_t>();
    } else {
      return Bad("limit", "expected a whole number, got " + TypeOf(limit) +
                              (limit.is_number_float() ? " (a fraction or a huge number)" : ""));
    }
  }
  return q;
}

}  // namespace gm::server::explorer
