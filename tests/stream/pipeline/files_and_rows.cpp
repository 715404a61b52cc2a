#include "files_and_rows.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/time.h"
#include "events/codec.h"

namespace gm::stream {

std::ostream& operator<<(std::ostream& os, const SessionRow& r) {
  return os << "{" << r.user_id << " task " << r.task << ", " << FormatTimestamp(r.session_start)
            << " – " << FormatTimestamp(r.session_end) << ", views " << r.page_views << ", adds "
            << r.cart_adds << ", removes " << r.cart_removes << ", purchases " << r.purchases
            << ", total " << r.total_amount << ", distinct " << r.distinct_products_viewed << ", "
            << r.device << "/" << r.country << ", converted " << r.converted << ", abandoned "
            << r.abandoned << ", closed " << r.is_closed << "}";
}
std::ostream& operator<<(std::ostream& os, const CartAbandonmentRow& r) {
  return os << "{" << r.user_id << " task " << r.task << ", products " << r.products_in_cart
            << ", items " << r.items_in_cart << ", value " << r.cart_value << ", in cart "
            << r.time_in_cart << " us, recovered " << r.recovered << " at " << r.recovered_at
            << "}";
}
std::ostream& operator<<(std::ostream& os, const InventoryRow& r) {
  return os << "{" << r.category << ", in catalog " << r.in_catalog << ", task " << r.task
            << ", current " << r.current_stock << ", reserved " << r.reserved_stock << ", at "
            << FormatTimestamp(r.last_event_time) << "}";
}
std::ostream& operator<<(std::ostream& os, const LowStockAlertRow& r) {
  return os << "{" << r.status << " " << r.severity << ", task " << r.task << ", available "
            << r.available_stock << " (lowest " << r.lowest_available << "), opened "
            << FormatTimestamp(r.opened_at) << ", updated " << FormatTimestamp(r.updated_at)
            << ", resolved " << r.resolved_at << "}";
}

namespace pipeline_testing {

StreamConfig TestStreamConfig() {
  StreamConfig c;  // the defaults: lateness 5 s, windows 60 s every 30 s, dedup 10 min
  c.checkpoint_interval = 100 * kMilli;
  return c;
}

Micros FloorTo(Micros t, Micros step) {
  Micros q = t / step;
  if (t % step != 0 && t < 0) --q;
  return q * step;
}

std::vector<Line> ReadLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<Line> lines;
  int64_t number = 0;
  for (size_t pos = 0; pos < content.size();) {
    size_t end = content.find('\n', pos);
    if (end == std::string::npos) end = content.size();
    ++number;
    std::string bytes = content.substr(pos, end - pos);
    if (!bytes.empty() && bytes.back() == '\r') bytes.pop_back();
    if (!bytes.empty()) lines.push_back({number, std::move(bytes)});
    pos = end + 1;
  }
  return lines;
}

void WriteLines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const std::string& line : lines) out << line << '\n';
  ASSERT_TRUE(out.good()) << path;
}

std::vector<std::string> Texts(const std::vector<Line>& lines) {
  std::vector<std::string> texts;
  for (const Line& l : lines) texts.push_back(l.bytes);
  return texts;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 15]);
  }
  return hex;
}

uint64_t Fnv(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

TestCatalog CustomersOf(const std::vector<Line>& lines) {
  TestCatalog catalog;
  std::map<std::string, bool> seen;
  events::Decoder decoder;
  events::Event ev;
  for (const Line& line : lines) {
    if (!decoder.Decode(std::nullopt, line.bytes, ev).ok()) continue;
    if (ev.topic != events::Topic::kTransactions) continue;
    const events::Transaction& tx = ev.transaction;
    if (!seen.emplace(tx.user_id, true).second) continue;
    switch (Fnv(tx.user_id) % 10) {
      case 0:
        break;  // not in the catalog
      case 1:
        catalog.home_country[tx.user_id] = "Elsewhere";
        break;
      default:
        catalog.home_country[tx.user_id] = tx.country;
    }
  }
  return catalog;
}

// Half of the products the lines name (by a hash of the id), with the category the events
// give them: the rest stay missing from the catalog (their stock starts at 0).
TestCatalog SomeProductsOf(const std::vector<Line>& lines) {
  TestCatalog catalog;
  events::Decoder decoder;
  events::Event ev;
  for (const Line& line : lines) {
    if (!decoder.Decode(std::nullopt, line.bytes, ev).ok()) continue;
    if (ev.topic == events::Topic::kProductViews && Fnv(ev.view.product_id) % 2 == 0) {
      catalog.product_category.try_emplace(ev.view.product_id, ev.view.category);
    }
  }
  return catalog;
}

std::ostream& operator<<(std::ostream& os, const std::optional<std::string>& s) {
  return os << (s ? "'" + *s + "'" : "NULL");
}
std::ostream& operator<<(std::ostream& os, const TxRow& r) {
  return os << "{user " << r.user_id << ", session " << r.session_id << ", "
            << FormatTimestamp(r.event_time) << ", total " << r.total_amount << ", items "
            << r.line_items_total << ", " << r.payment_method << ", " << r.country << ", " << r.city
            << ", " << r.currency << ", " << r.device << ", mismatch " << r.amount_mismatch << "}";
}
std::ostream& operator<<(std::ostream& os, const ItemKey& k) {
  return os << k.transaction_id << "#" << k.line_no;
}
std::ostream& operator<<(std::ostream& os, const ItemRow& r) {
  return os << "{" << r.product_id << ", " << r.category << ", " << r.quantity << " x " << r.price
            << "}";
}
std::ostream& operator<<(std::ostream& os, const SalesKey& k) {
  return os << "[" << FormatTimestamp(k.window_start) << ", " << FormatTimestamp(k.window_end)
            << ") " << k.category << "/" << k.country;
}
std::ostream& operator<<(std::ostream& os, const SalesValue& v) {
  return os << "{total " << v.total_amount << ", count " << v.transaction_count << ", quantity "
            << v.item_quantity << ", final " << v.is_final << "}";
}
std::ostream& operator<<(std::ostream& os, const DeadLetter& d) {
  return os << "{" << d.topic << ":" << d.partition << ", " << d.raw_size << " bytes, raw "
            << d.raw_hex.substr(0, 80) << (d.raw_hex.size() > 80 ? "..." : "") << "}";
}
std::ostream& operator<<(std::ostream& os, const std::vector<std::string>& v) {
  os << "[";
  for (size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << v[i];
  return os << "]";
}
std::ostream& operator<<(std::ostream& os, const StoredAnomaly& a) {
  return os << "{" << a.user_id << ", " << FormatTimestamp(a.event_time) << ", " << a.total_amount
            << ", " << a.country << ", score " << a.score << ", " << a.types << ", '"
            << a.description << "'}";
}
std::ostream& operator<<(std::ostream& os, const Counts& c) {
  return os << "{received " << c.received << ", valid " << c.valid << ", invalid " << c.invalid
            << ", late " << c.late << ", duplicate " << c.duplicate << "}";
}

}  // namespace pipeline_testing
}  // namespace gm::stream
