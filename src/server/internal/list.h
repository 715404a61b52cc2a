#pragma once

// What every list endpoint shares: `limit`, an opaque keyset `cursor`, the `format`
// (JSON by default; CSV with ?format=csv or Accept: text/csv), `from`/`to` time ranges, and
// rendering rows as JSON ({"items": [...], "next_cursor": ...}) or streamed CSV with a
// header row. Money leaves the server as decimal strings with two digits ("12.34") built
// from integer cents, times as ISO-8601 UTC strings — in JSON and CSV alike.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "common/time.h"
#include "server/http.h"
#include "server/internal/reader.h"

namespace gm::server {

//! How a column's text from PostgreSQL is written out.
enum class Kind {
  kText,
  kInt,    //!< a JSON number
  kReal,   //!< a JSON number
  kMoney,  //!< bigint cents in, "12.34" out
  kTime,   //!< bigint microseconds in, "2026-01-02T03:04:05.678Z" out
  kBool,   //!< t/f in, true/false out
  kList,   //!< comma-joined text in; a JSON array of strings, ';'-joined in CSV
};

struct Column {
  std::string name;
  Kind kind;
};

enum class Format { kJson, kCsv };

//! A time range [from, to); either end may be open.
struct TimeRange {
  std::optional<Micros> from;
  std::optional<Micros> to;
};

//! The parameters common to lists, parsed and validated.
struct ListParams {
  int limit = 100;
  std::vector<std::string> after;  //!< the cursor's key values; empty for the first page
  Format format = Format::kJson;
};

//! Fails with InvalidArgument (→ 400) naming any query parameter not in `allowed` (the
//! common ones — limit, cursor, format — are added for lists).
Status CheckParams(const Request& req, const std::vector<std::string_view>& allowed, bool list);

//! Parses limit (1..max_page_size, default default_page_size), cursor (`key_parts` values)
//! and format. InvalidArgument names the bad parameter.
Result<ListParams> ParseListParams(const Request& req, const ServerConfig& config,
                                   size_t key_parts);

//! Parses `from`/`to` (ISO-8601, docs/events.md forms). InvalidArgument when malformed or
//! when from ≥ to.
Result<TimeRange> ParseTimeRange(const Request& req);

//! Appends "AND <column> >= $a AND <column> < $b" for the ends that are set.
void AppendTimeRange(const TimeRange& range, std::string_view column, SqlParams& params,
                     std::string& where);

//! One part of a keyset ordering key: its SQL expression and kind (kTime, kText or kInt).
struct KeyPart {
  std::string sql;
  Kind kind;
};

//! "AND (k1, k2) < ($a, $b)" (or > when ascending) for the page after `after`; "" on the
//! first page. REQUIRES: after is empty or has one value per key part (ParseListParams).
std::string KeysetCondition(const std::vector<KeyPart>& keys, bool descending,
                            const std::vector<std::string>& after, SqlParams& params);

//! Renders a page. `rows` holds up to limit + 1 rows (the extra one only says that there
//! is a next page) with the columns in `columns` order; `key_columns` are the positions of
//! the ordering key's values in a row, from which next_cursor is made.
Response RenderList(const ListParams& params, const std::vector<Column>& columns, Rows rows,
                    const std::vector<int>& key_columns);

//! Writes one value of `kind` as JSON.
void AppendJsonValue(std::string& out, Kind kind, const std::optional<std::string>& value);
//! Writes one value of `kind` as a CSV field.
void AppendCsvValue(std::string& out, Kind kind, const std::optional<std::string>& value);

}  // namespace gm::server
