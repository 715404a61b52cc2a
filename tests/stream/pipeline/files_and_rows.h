// What every piece of pipeline_test shares: the stream configuration and constants of the test,
// reading and writing JSONL files as the engine's file source numbers their lines, the catalog
// (customers and products) the engine is given and builders of it from a stream, and the rows
// of the derived tables as the brute force computes them and the database holds them, with
// printers for failure messages (Str prints anything that has one).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "common/config.h"
#include "common/money.h"
#include "common/time.h"
#include "stream/rows.h"

namespace gm::stream {

// Printers of the shop rows for failure messages (found by ADL, so in the rows' namespace).
std::ostream& operator<<(std::ostream& os, const SessionRow& r);
std::ostream& operator<<(std::ostream& os, const CartAbandonmentRow& r);
std::ostream& operator<<(std::ostream& os, const InventoryRow& r);
std::ostream& operator<<(std::ostream& os, const LowStockAlertRow& r);

namespace pipeline_testing {

inline constexpr int32_t kTasks = 6;
inline constexpr Micros kSecond = kMicrosPerSecond;
inline constexpr Micros kMilli = kMicrosPerMilli;
// 2024-03-06T11:00:00Z: the generated streams span 11:00–11:20; the hand-built one is at 12:00.
inline constexpr Micros kGeneratedStart = 1709722800LL * kSecond;

//! The defaults, with a checkpoint every 100 ms.
StreamConfig TestStreamConfig();

//! The largest multiple of `step` not above `t` (floor division, also for negative `t`).
Micros FloorTo(Micros t, Micros step);

// --- Files ---------------------------------------------------------------------------------

struct Line {
  int64_t number = 0;  //!< 1-based line number: the engine's source offset
  std::string bytes;
};

// The lines of `path` as the engine's file source reads them (bus/file_bus.h): numbered from
// 1, a trailing '\r' dropped, empty lines skipped without reusing their numbers.
std::vector<Line> ReadLines(const std::string& path);

//! Writes each of `lines` followed by a newline (a gtest failure if that fails).
void WriteLines(const std::string& path, const std::vector<std::string>& lines);

//! The bytes of each line.
std::vector<std::string> Texts(const std::vector<Line>& lines);

//! `bytes` in lowercase hex, as PostgreSQL encode(…, 'hex') writes it.
std::string Hex(std::string_view bytes);

//! 64-bit FNV-1a of `s`: a stable hash for picking a part of the users or products.
uint64_t Fnv(std::string_view s);

// --- The catalog the engine reads ----------------------------------------------------------

struct TestCatalog {
  std::map<std::string, std::string> home_country;      //!< customers: user_id → country
  std::map<std::string, std::string> product_category;  //!< products: product_id → category

  void Merge(const TestCatalog& other) {
    home_country.insert(other.home_country.begin(), other.home_country.end());
    product_category.insert(other.product_category.begin(), other.product_category.end());
  }
};

// Customers for the users of `lines`: most get the country of their first transaction, a
// tenth another country (their every transaction is a geo_mismatch), a tenth stay unknown.
TestCatalog CustomersOf(const std::vector<Line>& lines);

// Half of the products the lines name (by a hash of the id), with the category the events
// give them: the rest stay missing from the catalog (their stock starts at 0).
TestCatalog SomeProductsOf(const std::vector<Line>& lines);

// --- Rows, as the brute force computes them and the database holds them --------------------

struct TxRow {
  std::string user_id;
  std::optional<std::string> session_id;
  Micros event_time = 0;
  Cents total_amount = 0;
  Cents line_items_total = 0;
  std::string payment_method;
  std::string country;
  std::optional<std::string> city, currency, device;
  bool amount_mismatch = false;
  bool operator==(const TxRow&) const = default;
};

struct ItemKey {
  std::string transaction_id;
  int64_t line_no = 0;
  auto operator<=>(const ItemKey&) const = default;
};
struct ItemRow {
  std::string product_id;
  std::string category;
  int64_t quantity = 0;
  Cents price = 0;
  bool operator==(const ItemRow&) const = default;
};

struct SalesKey {
  Micros window_start = 0;
  Micros window_end = 0;
  std::string category;
  std::string country;
  auto operator<=>(const SalesKey&) const = default;
};
struct SalesValue {
  Cents total_amount = 0;
  int64_t transaction_count = 0;
  int64_t item_quantity = 0;
  bool is_final = true;
  bool operator==(const SalesValue&) const = default;
};

struct DeadLetter {
  std::string topic;
  int32_t partition = 0;
  std::string raw_hex;  //!< the stored (capped) bytes
  int64_t raw_size = 0;
  bool operator==(const DeadLetter&) const = default;
};

struct StoredAnomaly {
  std::string user_id;
  Micros event_time = 0;
  Cents total_amount = 0;
  std::string country;
  double score = 0;
  std::vector<std::string> types;
  std::string description;
  bool operator==(const StoredAnomaly&) const = default;
};

struct Counts {
  int64_t received = 0, valid = 0, invalid = 0, late = 0, duplicate = 0;
  bool operator==(const Counts&) const = default;
};

// Printers for failure messages.
std::ostream& operator<<(std::ostream& os, const std::optional<std::string>& s);
std::ostream& operator<<(std::ostream& os, const TxRow& r);
std::ostream& operator<<(std::ostream& os, const ItemKey& k);
std::ostream& operator<<(std::ostream& os, const ItemRow& r);
std::ostream& operator<<(std::ostream& os, const SalesKey& k);
std::ostream& operator<<(std::ostream& os, const SalesValue& v);
std::ostream& operator<<(std::ostream& os, const DeadLetter& d);
std::ostream& operator<<(std::ostream& os, const std::vector<std::string>& v);
std::ostream& operator<<(std::ostream& os, const StoredAnomaly& a);
std::ostream& operator<<(std::ostream& os, const Counts& c);

template <typename A, typename B>
std::ostream& operator<<(std::ostream& os, const std::pair<A, B>& p) {
  return os << "(" << p.first << ", " << p.second << ")";
}
template <typename A, typename B, typename C>
std::ostream& operator<<(std::ostream& os, const std::tuple<A, B, C>& t) {
  return os << "(" << std::get<0>(t) << ", " << std::get<1>(t) << ", " << std::get<2>(t) << ")";
}

//! `value` as its operator<< prints it.
template <typename T>
std::string Str(const T& value) {
  std::ostringstream os;
  os << value;
  return os.str();
}

}  // namespace pipeline_testing
}  // namespace gm::stream
