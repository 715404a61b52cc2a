#include "server/explorer/compile.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "common/time.h"

namespace gm::server::explorer {
namespace {

Status Bad(const std::string& field, const std::string& why) {
  return InvalidArgument(field + ": " + why);
}

std::string Shown(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64)) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
  }
  if (text.size() > 64) out += "...";
  return "'" + out + "'";
}

std::string FormatNumber(double d) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, ptr);
}

// One scalar filter value as the parameter text for a column of `column.kind`.
Result<std::string> ScalarParam(const Column& column, const nlohmann::json& v,
                                const std::string& field) {
  const std::string kind(ColumnKindName(column.kind));
  auto wrong = [&](std::string_view expected) {
    return Bad(field, "expected " + std::string(expected) + " for " + kind + " column " +
                          Shown(column.name) + ", got " + v.type_name());
  };
  switch (column.kind) {
    case ColumnKind::kInteger:
      if (v.is_number_unsigned()) {
        const uint64_t u = v.get<uint64_t>();
        if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return Bad(field, "out of range for " + kind + " column " + Shown(column.name));
        }
        return std::to_string(u);
      }
      if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
      if (v.is_number_float()) {
        return Bad(field, "expected a whole number for " + kind + " column " + Shown(column.name) +
                              " (got a fraction or a number out of range)");
      }
      return wrong("a whole number");
    case ColumnKind::kNumeric:
      if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
      if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
      if (v.is_number_float()) {
        const double d = v.get<double>();
        if (!std::isfinite(d)) return Bad(field, "not a finite number");
        return FormatNumber(d);
      }
      return wrong("a number");
    case ColumnKind::kText: {
      if (!v.is_string()) return wrong("a string");
      const std::string& s = v.get_ref<const std::string&>();
      if (s.size() > kMaxTextBytes) {
        return Bad(field, "longer than " + std::to_string(kMaxTextBytes) + " bytes");
      }
      if (s.find('\0') != std::string::npos) return Bad(field, "contains a NUL character");
      return s;
    }
    case ColumnKind::kTimestamp: {
      if (!v.is_string()) return wrong("an ISO-8601 time string");
      std::string s = v.get<std::string>();
      if (s.size() == 10) s += "T00:00:00Z";  // a bare date means its midnight, UTC
      Micros t = 0;
      if (!ParseTimestamp(s, &t)) {
        return Bad(field, Shown(v.get<std::string>()) +
                              " is not an ISO-8601 time (e.g. 2024-01-15T10:00:00Z or 2024-01-15)");
      }
      return FormatTimestamp(t);
    }
    case ColumnKind::kBoolean:
      if (!v.is_boolean()) return wrong("true or false");
      return std::string(v.get<bool>() ? "true" : "false");
    case ColumnKind::kOther:
      break;
  }
  return Bad(field, "column " + Shown(column.name) + " (" + column.data_type +
                        ") can only be filtered with is_null");
}

class Builder {
 public:
  std::string Param(std::string value) {
    params_.push_back(std::move(value));
    return "$" + std::to_string(params_.size());
  }
  std::vector<std::string> TakeParams() { return std::move(params_); }

 private:
  std::vector<std::string> params_;
};

Result<std::string> FilterSql(const Table& table, const Filter& f, size_t index, Builder& b) {
  const std::string at = "filters[" + std::to_string(index) + "]";
  const Column* column = table.FindColumn(f.column);
  if (column == nullptr) {
    return Bad(at + ".column", Shown(f.column) + " is not a column of " + table.name);
  }
  const std::string ident = QuoteIdentifier(column->name);
  const std::string value_at = at + ".value";
  const std::string op_name(FilterOpName(f.op));

  if (f.op == FilterOp::kIsNull) {
    if (f.value.is_null() || (f.value.is_boolean() && f.value.get<bool>())) {
      return ident + " IS NULL";
    }
    if (f.value.is_boolean()) return ident + " IS NOT NULL";
    return Bad(value_at,
               "is_null takes true, false or no value, got " + std::string(f.value.type_name()));
  }
  if (column->kind == ColumnKind::kOther) {
    return Bad(at + ".op", "column " + Shown(column->name) + " (" + column->data_type +
                               ") can only be filtered with is_null");
  }
  if (f.value.is_null()) {
    return Bad(value_at, "missing or null (use op is_null to find missing values)");
  }
  switch (f.op) {
    case FilterOp::kEq:
    case FilterOp::kNe:
    case FilterOp::kLt:
    case FilterOp::kLe:
    case FilterOp::kGt:
    case FilterOp::kGe: {
      if (column->kind == ColumnKind::kBoolean && f.op != FilterOp::kEq && f.op != FilterOp::kNe) {
        return Bad(at + ".op", op_name + " does not apply to boolean column " +
                                   Shown(column->name) + " (use = or !=)");
      }
      Result<std::string> v = ScalarParam(*column, f.value, value_at);
      if (!v.ok()) return v.status();
      const std::string sql_op = f.op == FilterOp::kNe ? "<>" : op_name;
      return ident + " " + sql_op + " " + b.Param(std::move(v).value());
    }
    case FilterOp::kLike: {
      if (column->kind != ColumnKind::kText) {
        return Bad(at + ".op", "like needs a text column; " + Shown(column->name) + " is " +
                                   std::string(ColumnKindName(column->kind)));
      }
      Result<std::string> v = ScalarParam(*column, f.value, value_at);
      if (!v.ok()) return v.status();
      return ident + " LIKE " + b.Param(std::move(v).value());
    }
    case FilterOp::kIn: {
      if (!f.value.is_array() || f.value.empty() || f.value.size() > kMaxInValues) {
        return Bad(value_at,
                   "in takes an array of 1 to " + std::to_string(kMaxInValues) + " values");
      }
      std::string list;
      for (size_t i = 0; i < f.value.size(); ++i) {
        Result<std::string> v =
            ScalarParam(*column, f.value[i], value_at + "[" + std::to_string(i) + "]");
        if (!v.ok()) return v.status();
        list += (i ? ", " : "") + b.Param(std::move(v).value());
      }
      return ident + " IN (" + list + ")";
    }
    case FilterOp::kBetween: {
      if (!f.value.is_array() || f.value.size() != 2) {
        return Bad(value_at, "between takes an array of two values [low, high]");
      }
      Result<std::string> low = ScalarParam(*column, f.value[0], value_at + "[0]");
      if (!low.ok()) return low.status();
      Result<std::string> high = ScalarParam(*column, f.value[1], value_at + "[1]");
      if (!high.ok()) return high.status();
      const std::string p1 = b.Param(std::move(low).value());
      return ident + " BETWEEN " + p1 + " AND " + b.Param(std::move(high).value());
    }
    case FilterOp::kIsNull:
      break;
  }
  return Bad(at + ".op", "unsupported operator");
}

}  // namespace

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

Result<CompiledQuery> Compile(const Schema& schema, const Query& query, const Limits& limits) {
  const Table* table = schema.FindTable(query.table);
  if (table == nullptr) {
    return Bad("table", Shown(query.table) +
                            " is not a table the explorer offers (GET /api/v1/explorer/tables "
                            "lists them)");
  }
  CompiledQuery out;
  Builder b;

  // SELECT list: the schema's spelling of each name, never the request's bytes.
  if (query.columns.empty()) {
    out.columns = table->columns;
  } else {
    for (size_t i = 0; i < query.columns.size(); ++i) {
      const std::string at = "columns[" + std::to_string(i) + "]";
      const Column* column = table->FindColumn(query.columns[i]);
      if (column == nullptr) {
        return Bad(at, Shown(query.columns[i]) + " is not a column of " + table->name);
      }
      for (const Column& seen : out.columns) {
        if (seen.name == column->name) return Bad(at, Shown(column->name) + " is listed twice");
      }
      out.columns.push_back(*column);
    }
  }
  std::string sql = "SELECT ";
  for (size_t i = 0; i < out.columns.size(); ++i) {
    sql += (i ? ", " : "") + QuoteIdentifier(out.columns[i].name);
  }
  sql += " FROM " + QuoteIdentifier("public") + "." + QuoteIdentifier(table->name);

  for (size_t i = 0; i < query.filters.size(); ++i) {
    Result<std::string> condition = FilterSql(*table, query.filters[i], i, b);
    if (!condition.ok()) return condition.status();
    sql += (i == 0 ? " WHERE " : " AND ") + *condition;
  }

  for (size_t i = 0; i < query.order.size(); ++i) {
    const std::string at = "order[" + std::to_string(i) + "].column";
    const Column* column = table->FindColumn(query.order[i].column);
    if (column == nullptr) {
      return Bad(at, Shown(query.order[i].column) + " is not a column of " + table->name);
    }
    sql += (i == 0 ? " ORDER BY " : ", ") + QuoteIdentifier(column->name) +
           (query.order[i].descending ? " DESC" : " ASC");
  }

  out.limit = query.limit.value_or(std::min(limits.default_rows, limits.max_rows));
  if (out.limit < 1 || out.limit > limits.max_rows) {
    return Bad("limit", std::to_string(out.limit) + " is outside 1.." +
                            std::to_string(limits.max_rows) + " (explorer.max_rows)");
  }
  // One row more than asked tells the caller whether more exist.
  sql += " LIMIT " + b.Param(std::to_string(out.limit + 1));
  out.sql = std::move(sql);
  out.params = b.TakeParams();
  return out;
}

}  // namespace gm::server::explorer
