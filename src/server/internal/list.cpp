#include "server/internal/list.h"

#include <algorithm>
#include <charconv>

#include "common/money.h"
#include "server/internal/json.h"
#include "server/problem.h"

namespace gm::server {
namespace {

bool ParseInt64(std::string_view text, int64_t* out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// Cursor payload: each value as <length>:<bytes>, so any text round-trips.
std::string EncodeCursor(const std::vector<std::string>& values) {
  std::string raw;
  for (const std::string& v : values) {
    raw += std::to_string(v.size());
    raw.push_back(':');
    raw += v;
  }
  return Base64Encode(raw, /*url_safe=*/true);
}

bool DecodeCursor(std::string_view cursor, std::vector<std::string>* values) {
  std::string raw;
  if (!Base64UrlDecode(cursor, &raw)) return false;
  std::string_view rest = raw;
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    int64_t n = 0;
    if (colon == std::string_view::npos || !ParseInt64(rest.substr(0, colon), &n) || n < 0 ||
        static_cast<uint64_t>(n) > rest.size() - colon - 1) {
      return false;
    }
    values->emplace_back(rest.substr(colon + 1, static_cast<size_t>(n)));
    rest.remove_prefix(colon + 1 + static_cast<size_t>(n));
  }
  return true;
}

constexpr size_t kCsvChunkBytes = 64 * 1024;

}  // namespace

Status CheckParams(const Request& req, const std::vector<std::string_view>& allowed, bool list) {
  static constexpr std::string_view kListParams[] = {"limit", "cursor", "format"};
  for (const auto& [name, value] : req.query) {
    const bool known = std::find(allowed.begin(), allowed.end(), name) != allowed.end() ||
                       (list && std::find(std::begin(kListParams), std::end(kListParams), name) !=
                                    std::end(kListParams));
    if (!known) {
      std::string names;
      for (std::string_view a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
      if (list) names += std::string(names.empty() ? "" : ", ") + "limit, cursor, format";
      return InvalidArgument(
          "unknown query parameter '" + name + "'" +
          (names.empty() ? " (this route takes none)" : " (expected: " + names + ")"));
    }
  }
  return Status::Ok();
}

Result<ListParams> ParseListParams(const Request& req, const ServerConfig& config,
                                   size_t key_parts) {
  ListParams p;
  p.limit = config.default_page_size;
  if (const std::string* limit = req.Param("limit")) {
    int64_t n = 0;
    if (!ParseInt64(*limit, &n) || n < 1 || n > config.max_page_size) {
      return InvalidArgument("invalid limit '" + *limit + "': expected a whole number from 1 to " +
                             std::to_string(config.max_page_size));
    }
    p.limit = static_cast<int>(n);
  }
  if (const std::string* cursor = req.Param("cursor")) {
    if (!cursor->empty() && (!DecodeCursor(*cursor, &p.after) || p.after.size() != key_parts)) {
      return InvalidArgument("invalid cursor: pass next_cursor of the previous page unchanged");
    }
  }
  bool csv = false;
  if (const std::string* format = req.Param("format")) {
    if (*format == "csv") {
      csv = true;
    } else if (*format != "json") {
      return InvalidArgument("invalid format '" + *format + "': expected json or csv");
    }
  } else {
    const std::string_view accept = req.Header("accept");
    csv = accept.find("text/csv") != std::string_view::npos &&
          accept.find("application/json") == std::string_view::npos;
  }
  p.format = csv ? Format::kCsv : Format::kJson;
  return p;
}

Result<TimeRange> ParseTimeRange(const Request& req) {
  TimeRange range;
  for (const char* name : {"from", "to"}) {
    const std::string* text = req.Param(name);
    if (text == nullptr) continue;
    Micros t = 0;
    if (!ParseTimestamp(*text, &t)) {
      return InvalidArgument(std::string("invalid ") + name + " '" + *text +
                             "': expected an ISO-8601 time such as 2026-01-31T12:00:00Z");
    }
    (std::string_view(name) == "from" ? range.from : range.to) = t;
  }
  if (range.from && range.to && *range.from >= *range.to) {
    return InvalidArgument("from must be before to");
  }
  return range;
}

void AppendTimeRange(const TimeRange& range, std::string_view column, SqlParams& params,
                     std::string& where) {
  if (range.from) {
    where += " AND " + std::string(column) + " >= " + params.AddTime(*range.from);
  }
  if (range.to) where += " AND " + std::string(column) + " < " + params.AddTime(*range.to);
}

std::string KeysetCondition(const std::vector<KeyPart>& keys, bool descending,
                            const std::vector<std::string>& after, SqlParams& params) {
  if (after.empty()) return "";
  std::string lhs, rhs;
  for (size_t i = 0; i < keys.size(); ++i) {
    lhs += (i ? ", " : "") + keys[i].sql;
    std::string value;
    switch (keys[i].kind) {
      case Kind::kTime: {
        int64_t t = 0;
        // A tampered cursor must not become a SQL error: fall back to an impossible time.
        value = params.AddTime(ParseInt64(after[i], &t) ? t : 0);
        break;
      }
      case Kind::kInt: {
        int64_t n = 0;
        value = params.Add(std::to_string(ParseInt64(after[i], &n) ? n : 0)) + "::bigint";
        break;
      }
      default:
        value = params.Add(after[i]) + "::text";
    }
    rhs += (i ? ", " : "") + value;
  }
  return " AND (" + lhs + ") " + (descending ? "<" : ">") + " (" + rhs + ")";
}

void AppendJsonValue(std::string& out, Kind kind, const std::optional<std::string>& value) {
  if (!value) {
    out += "null";
    return;
  }
  const std::string& v = *value;
  switch (kind) {
    case Kind::kText:
      AppendJsonString(out, v);
      return;
    case Kind::kInt:
    case Kind::kReal:
      out += v;
      return;
    case Kind::kBool:
      out += v == "t" ? "true" : "false";
      return;
    case Kind::kMoney: {
      int64_t cents = 0;
      out.push_back('"');
      if (ParseInt64(v, &cents)) AppendCents(cents, out);
      out.push_back('"');
      return;
    }
    case Kind::kTime: {
      int64_t t = 0;
      out.push_back('"');
      if (ParseInt64(v, &t)) AppendTimestamp(t, out);
      out.push_back('"');
      return;
    }
    case Kind::kList: {
      out.push_back('[');
      std::string_view rest = v;
      bool first = true;
      while (!rest.empty()) {
        const size_t comma = rest.find(',');
        if (!first) out.push_back(',');
        first = false;
        AppendJsonString(out, rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
      out.push_back(']');
      return;
    }
  }
}

void AppendCsvValue(std::string& out, Kind kind, const std::optional<std::string>& value) {
  if (!value) return;
  const std::string& v = *value;
  int64_t n = 0;
  switch (kind) {
    case Kind::kMoney:
      if (ParseInt64(v, &n)) AppendCents(n, out);
      return;
    case Kind::kTime:
      if (ParseInt64(v, &n)) AppendTimestamp(n, out);
      return;
    case Kind::kBool:
      out += v == "t" ? "true" : "false";
      return;
    case Kind::kList: {
      std::string joined = v;
      std::replace(joined.begin(), joined.end(), ',', ';');
      AppendCsvField(out, joined);
      return;
    }
    default:
      AppendCsvField(out, v);
  }
}

Response RenderList(const ListParams& params, const std::vector<Column>& columns, Rows rows,
                    const std::vector<int>& key_columns) {
  std::optional<std::string> next;
  if (rows.values.size() > static_cast<size_t>(params.limit)) {
    rows.values.resize(params.limit);
    std::vector<std::string> key;
    for (int c : key_columns) key.push_back(rows.values.back()[c].value_or(""));
    next = EncodeCursor(key);
  }
  Response r;
  if (next) r.AddHeader("X-Next-Cursor", *next);
  if (params.format == Format::kCsv) {
    r.content_type = "text/csv; charset=utf-8";
    r.chunked = true;
    std::string chunk;
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c) chunk.push_back(',');
      AppendCsvField(chunk, columns[c].name);
    }
    chunk += "\r\n";
    for (const auto& row : rows.values) {
      for (size_t c = 0; c < columns.size(); ++c) {
        if (c) chunk.push_back(',');
        AppendCsvValue(chunk, columns[c].kind, row[c]);
      }
      chunk += "\r\n";
      if (chunk.size() >= kCsvChunkBytes) r.chunks.push_back(std::move(chunk)), chunk.clear();
    }
    if (!chunk.empty()) r.chunks.push_back(std::move(chunk));
    return r;
  }
  std::string& b = r.body;
  b.reserve(64 + rows.values.size() * 160);
  b += "{\"items\":[";
  for (size_t i = 0; i < rows.values.size(); ++i) {
    if (i) b.push_back(',');
    b.push_back('{');
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c) b.push_back(',');
      AppendJsonString(b, columns[c].name);
      b.push_back(':');
      AppendJsonValue(b, columns[c].kind, rows.values[i][c]);
    }
    b.push_back('}');
  }
  b += "],\"next_cursor\":";
  if (next) {
    AppendJsonString(b, *next);
  } else {
    b += "null";
  }
  b += "}";
  return r;
}

}  // namespace gm::server
