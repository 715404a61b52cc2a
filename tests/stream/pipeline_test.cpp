// The stream engine end to end against an independent brute force (DESIGN.md §5–§6): JSONL
// files run through stream::Engine::RunFile into a throw-away PostgreSQL, and every table the
// engine derives from events is compared with what this file computes from the same lines by
// the rules of §6, without calling stream/ code (events::Decoder parses lines and
// bus::PartitionForKey names a key's task; both are tested elsewhere).
//
// Inputs: a clean generated stream; the same stream mutated (local reordering, late copies,
// duplicates within and beyond the dedup horizon, malformed lines, timestamp and number
// spellings, items whose category comes from the catalog or nowhere); a hand-built stream of
// window and lateness boundaries; and their concatenation, also re-run after EOF and run in
// two halves.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../store/test_cluster.h"
#include "bus/file_bus.h"
#include "bus/partitioner.h"
#include "common/time.h"
#include "events/codec.h"
#include "generator/generator.h"
#include "store/connection.h"
#include "store/migrations.h"
#include "store/pool.h"
#include "stream/catalog_lookup.h"
#include "stream/checkpoint_store.h"
#include "stream/engine.h"
#include "shop_brute_force.h"

namespace gm::stream {
namespace {

using store::testing::TestCluster;

constexpr int32_t kTasks = 6;
constexpr Micros kSecond = kMicrosPerSecond;
constexpr Micros kMilli = kMicrosPerMilli;
// 2024-03-06T11:00:00Z: the generated streams span 11:00–11:20; the hand-built one is at 12:00.
constexpr Micros kGeneratedStart = 1709722800LL * kSecond;

StreamConfig TestStreamConfig() {
  StreamConfig c;  // the defaults: lateness 5 s, windows 60 s every 30 s, dedup 10 min
  c.checkpoint_interval = 100 * kMilli;
  return c;
}

// --- Files ---------------------------------------------------------------------------------

struct Line {
  int64_t number = 0;  //!< 1-based line number: the engine's source offset
  std::string bytes;
};

// The lines of `path` as the engine's file source reads them (bus/file_bus.h): numbered from
// 1, a trailing '\r' dropped, empty lines skipped without reusing their numbers.
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

template <typename A, typename B>
std::ostream& operator<<(std::ostream& os, const std::pair<A, B>& p) {
  return os << "(" << p.first << ", " << p.second << ")";
}
template <typename A, typename B, typename C>
std::ostream& operator<<(std::ostream& os, const std::tuple<A, B, C>& t) {
  return os << "(" << std::get<0>(t) << ", " << std::get<1>(t) << ", " << std::get<2>(t) << ")";
}

}  // namespace

// Printers of the shop rows for failure messages (found by ADL, so in the rows' namespace).
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

namespace {

template <typename T>
std::string Str(const T& value) {
  std::ostringstream os;
  os << value;
  return os.str();
}

// Adds a failure per difference between two maps (at most 10 listed), naming `what`.
template <typename K, typename V>
void ExpectSameRows(const std::map<K, V>& expected, const std::map<K, V>& actual,
                    const std::string& what) {
  int64_t differences = 0;
  auto report = [&](const std::string& message) {
    if (++differences <= 10) ADD_FAILURE() << what << ": " << message;
  };
  for (const auto& [key, value] : expected) {
    auto it = actual.find(key);
    if (it == actual.end()) {
      report("missing " + Str(key) + " " + Str(value));
    } else if (!(it->second == value)) {
      report(Str(key) + ": expected " + Str(value) + ", got " + Str(it->second));
    }
  }
  for (const auto& [key, value] : actual) {
    if (expected.find(key) == expected.end()) report("unexpected " + Str(key) + " " + Str(value));
  }
  if (differences > 10) ADD_FAILURE() << what << ": " << differences << " differences in all";
}

// --- The brute force -----------------------------------------------------------------------

struct Expected {
  Counts counts;
  std::map<int64_t, DeadLetter> dead_letters;  //!< by line number
  std::map<std::string, TxRow> transactions;
  std::map<ItemKey, ItemRow> items;
  std::map<SalesKey, SalesValue> sales;
  //! Per distinct transaction id, the rule types of each scoring in scoring order (an id is
  //! scored again only when a copy came back beyond the dedup horizon).
  std::map<std::string, std::vector<std::vector<std::string>>> rules;
  // Sessions, carts, inventory (shop_brute_force.h).
  std::map<std::pair<std::string, Micros>, SessionRow> sessions;
  std::map<std::tuple<std::string, Micros, Micros>, CartAbandonmentRow> abandonments;
  std::map<std::string, InventoryRow> inventory;
  std::map<std::pair<std::string, int32_t>, LowStockAlertRow> alerts;
};

Micros FloorTo(Micros t, Micros step) {
  Micros q = t / step;
  if (t % step != 0 && t < 0) --q;
  return q * step;
}

std::string CategoryOf(const events::LineItem& item, const TestCatalog& catalog) {
  if (!item.category.empty()) return item.category;
  auto it = catalog.product_category.find(item.product_id);
  return it != catalog.product_category.end() ? it->second : "unknown";
}

Cents ItemsTotal(const events::Transaction& tx) {
  Cents total = 0;
  for (const events::LineItem& item : tx.products) total += item.quantity * item.price;
  return total;
}

bool AmountMismatch(const events::Transaction& tx) {
  const Cents diff = tx.total_amount - ItemsTotal(tx);
  return diff > 1 || diff < -1;
}

std::optional<std::string> Nullable(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

// Every window of `config` holding t gets the transaction's items in each of its groups.
void AddSales(const events::Transaction& tx, const TestCatalog& catalog, const StreamConfig& config,
              Expected& e) {
  std::map<std::pair<std::string, std::string>, std::pair<Cents, int64_t>> groups;
  for (const events::LineItem& item : tx.products) {
    const std::string category = CategoryOf(item, catalog);
    for (const std::string& c : {category, std::string("ALL")}) {
      for (const std::string& k : {tx.country, std::string("ALL")}) {
        auto& [amount, quantity] = groups[{c, k}];
        amount += item.quantity * item.price;
        quantity += item.quantity;
      }
    }
  }
  const Micros t = tx.timestamp;
  for (Micros s = FloorTo(t, config.window_slide); s > t - config.window_size;
       s -= config.window_slide) {
    for (const auto& [group, sums] : groups) {
      SalesValue& v = e.sales[{s, s + config.window_size, group.first, group.second}];
      v.total_amount += sums.first;
      v.transaction_count += 1;
      v.item_quantity += sums.second;
    }
  }
}

testing::BfCatalog BfCatalogOf(const TestCatalog& catalog) {
  // InsertCatalog gives every product a price of 1.00 and an initial stock of 50.
  testing::BfCatalog c;
  c.price_of = [&catalog](const std::string& p) {
    return catalog.product_category.count(p) ? std::optional<Cents>(100) : std::nullopt;
  };
  c.initial_stock_of = [&catalog](const std::string& p) {
    return catalog.product_category.count(p) ? std::optional<int64_t>(50) : std::nullopt;
  };
  c.category_of = [&catalog](const std::string& p) {
    auto it = catalog.product_category.find(p);
    return it == catalog.product_category.end() ? std::string() : it->second;
  };
  return c;
}

// Sessions and carts per task (each task's events on their own), then inventory from the
// sales, the reservation changes and the inventory updates, merged per event and product.
void ShopBruteForce(const TestCatalog& catalog, const StreamConfig& config,
                    const std::map<int32_t, std::vector<testing::TimedEvent>>& shop_events,
                    const std::map<std::string, std::string>& cart_category,
                    std::vector<std::pair<OrderKey, testing::BfStockChange>> stock, Expected& e) {
  const testing::BfCatalog bf_catalog = BfCatalogOf(catalog);
  for (const auto& [task, list] : shop_events) {
    std::vector<testing::TimedEvent> sorted = list;
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.key < b.key; });
    testing::SessionBruteForce bf(bf_catalog, config.session_gap, config.cart_timeout, task);
    for (const testing::TimedEvent& ev : sorted) bf.Apply(ev);
    bf.FireThrough(INT64_MAX);
    e.sessions.insert(bf.sessions.begin(), bf.sessions.end());
    e.abandonments.insert(bf.abandonments.begin(), bf.abandonments.end());
    for (const auto& [key, delta] : bf.reserved) {
      testing::BfStockChange& c = stock.emplace_back(key.first, testing::BfStockChange{}).second;
      c.time = key.first.effective_time;
      c.product = key.second;
      c.reserved = delta;
      auto category = cart_category.find(key.second);
      c.category = bf_catalog.category_of(key.second);
      if (c.category.empty() && category != cart_category.end()) c.category = category->second;
    }
  }
  // One change per (event, product): a purchase's sale and its release together.
  std::map<std::pair<OrderKey, std::string>, testing::BfStockChange> merged;
  std::vector<std::pair<OrderKey, testing::BfStockChange>> updates;
  for (auto& [key, c] : stock) {
    if (c.update) {
      updates.emplace_back(key, c);
      continue;
    }
    auto [it, fresh] = merged.try_emplace({key, c.product}, c);
    if (fresh) continue;
    it->second.sold += c.sold;
    it->second.reserved += c.reserved;
    if (it->second.category.empty()) it->second.category = c.category;
  }
  std::vector<std::pair<OrderKey, testing::BfStockChange>> ordered = updates;
  for (auto& [key, c] : merged) {
    if (c.sold != 0 || c.reserved != 0) ordered.emplace_back(key.first, c);
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<testing::BfStockChange> changes;
  for (auto& [key, c] : ordered) changes.push_back(c);
  testing::BfInventory inv = testing::InventoryBruteForce(
      changes, bf_catalog, config.low_stock_threshold, config.critical_stock_threshold);
  for (auto& [product, row] : inv.inventory) {
    row.task = bus::PartitionForKey(product, kTasks);
    e.inventory[product] = row;
  }
  for (auto& [key, row] : inv.alerts) {
    row.task = bus::PartitionForKey(key.first, kTasks);
    e.alerts[key] = row;
  }
}

// The tables DESIGN.md §6 defines for `lines` read from one file source named `topic`.
Expected BruteForce(const std::vector<Line>& lines, const TestCatalog& catalog,
                    const StreamConfig& config, const std::string& topic) {
  Expected e;
  events::Decoder decoder;
  events::Event ev;
  std::optional<Micros> max_seen;
  // (task, topic) → id → event time of its first sighting.
  std::map<std::pair<int32_t, int>, std::unordered_map<std::string, Micros>> first_seen;
  struct ToScore {
    Micros effective_time;
    int64_t line;
    events::Transaction tx;
  };
  std::vector<ToScore> to_score;
  // Per task, the events for sessions and carts; for inventory, every stock change.
  std::map<int32_t, std::vector<testing::TimedEvent>> shop_events;
  std::vector<std::pair<OrderKey, testing::BfStockChange>> stock;
  std::map<std::string, std::string> cart_category;

  for (const Line& line : lines) {
    ++e.counts.received;
    if (!decoder.Decode(std::nullopt, line.bytes, ev).ok()) {
      ++e.counts.invalid;
      const size_t kept = std::min(line.bytes.size(), size_t(config.dead_letter_max_bytes));
      e.dead_letters[line.number] = {topic, 0, Hex(std::string_view(line.bytes).substr(0, kept)),
                                     static_cast<int64_t>(line.bytes.size())};
      continue;
    }
    ++e.counts.valid;
    const Micros t = ev.timestamp();
    std::optional<Micros> watermark_before;
    if (max_seen) watermark_before = *max_seen - config.allowed_lateness;
    const bool late = watermark_before && t < *watermark_before;
    max_seen = std::max(max_seen.value_or(t), t);

    const int32_t task = bus::PartitionForKey(ev.key(), kTasks);
    auto& ids = first_seen[{task, static_cast<int>(ev.topic)}];
    auto [it, is_new] = ids.try_emplace(std::string(ev.id()), t);
    if (!is_new) {
      // A repeat: there was an earlier valid event, so the watermark is known.
      if (it->second >= *watermark_before - config.dedup_horizon) {
        ++e.counts.duplicate;
        continue;
      }
      it->second = t;  // first seen beyond the horizon: new again
    }
    if (late) ++e.counts.late;
    const OrderKey key{.effective_time = late ? *watermark_before : t,
                       .topic = static_cast<uint8_t>(ev.topic),
                       .partition = 0,
                       .offset = line.number};
    if (ev.topic == events::Topic::kInventoryUpdates) {
      testing::BfStockChange& c = stock.emplace_back(key, testing::BfStockChange{}).second;
      c.time = key.effective_time;
      c.product = ev.inventory.product_id;
      c.update = ev.inventory;
      continue;
    }
    if (!late) {
      testing::TimedEvent& te = shop_events[task].emplace_back();
      te.key = key;
      if (ev.topic == events::Topic::kProductViews) te.event = ev.view;
      if (ev.topic == events::Topic::kCartEvents) {
        te.event = ev.cart;
        // Reservations carry the category their cart line was made with (the generator
        // names the same one for a product every time).
        if (!ev.cart.category.empty()) cart_category.try_emplace(ev.cart.product_id, ev.cart.category);
      }
      if (ev.topic == events::Topic::kTransactions) te.event = ev.transaction;
    }
    if (ev.topic != events::Topic::kTransactions) continue;
    for (const events::LineItem& item : ev.transaction.products) {
      testing::BfStockChange& c = stock.emplace_back(key, testing::BfStockChange{}).second;
      c.time = key.effective_time;
      c.product = item.product_id;
      c.category = CategoryOf(item, catalog);
      c.sold = item.quantity;
    }

    const events::Transaction& tx = ev.transaction;
    TxRow row{tx.user_id,          Nullable(tx.session_id), tx.timestamp,
              tx.total_amount,     ItemsTotal(tx),          tx.payment_method,
              tx.country,          Nullable(tx.city),       Nullable(tx.currency),
              Nullable(tx.device), AmountMismatch(tx)};
    if (e.transactions.emplace(tx.transaction_id, row).second) {
      for (size_t i = 0; i < tx.products.size(); ++i) {
        const events::LineItem& item = tx.products[i];
        e.items[{tx.transaction_id, static_cast<int64_t>(i + 1)}] = {
            item.product_id, CategoryOf(item, catalog), item.quantity, item.price};
      }
    }
    if (!late) AddSales(tx, catalog, config, e);
    to_score.push_back({late ? *watermark_before : t, line.number, tx});
  }

  // The rules, in (effective time, line) order.
  std::sort(to_score.begin(), to_score.end(), [](const ToScore& a, const ToScore& b) {
    return std::pair(a.effective_time, a.line) < std::pair(b.effective_time, b.line);
  });
  std::unordered_map<std::string, std::vector<Micros>> history;  // user → effective times
  for (const ToScore& s : to_score) {
    const events::Transaction& tx = s.tx;
    std::vector<Micros>& times = history[tx.user_id];
    times.push_back(s.effective_time);
    int64_t in_window = 0;  // effective times in (e − window, e], this one included
    for (auto it = times.rbegin(); it != times.rend(); ++it) {
      if (*it <= s.effective_time - config.velocity_window) break;
      ++in_window;
    }
    std::vector<std::string> types;
    if (ItemsTotal(tx) > config.high_value) types.push_back("high_value");
    if (std::any_of(tx.products.begin(), tx.products.end(), [&](const events::LineItem& i) {
          return i.quantity > config.unusual_quantity;
        })) {
      types.push_back("unusual_quantity");
    }
    if (in_window >= config.velocity_count) types.push_back("velocity");
    auto home = catalog.home_country.find(tx.user_id);
    if (home != catalog.home_country.end() && home->second != tx.country) {
      types.push_back("geo_mismatch");
    }
    if (AmountMismatch(tx)) types.push_back("amount_mismatch");
    e.rules[tx.transaction_id].push_back(std::move(types));
  }
  ShopBruteForce(catalog, config, shop_events, cart_category, stock, e);
  return e;
}

// --- What the database holds ---------------------------------------------------------------

struct Tables {
  std::map<std::string, TxRow> transactions;
  std::map<ItemKey, ItemRow> items;
  std::map<SalesKey, SalesValue> sales;  //!< the sales_metrics view
  std::map<std::string, StoredAnomaly> anomalies;
  std::map<int64_t, DeadLetter> dead_letters;  //!< by source offset
  std::map<int64_t, std::string> dead_letter_reasons;
  Counts counts;  //!< the kafka_metrics view, summed
  std::map<std::pair<std::string, Micros>, SessionRow> sessions;
  std::map<std::tuple<std::string, Micros, Micros>, CartAbandonmentRow> abandonments;
  std::map<std::string, InventoryRow> inventory;
  std::map<std::pair<std::string, int32_t>, LowStockAlertRow> alerts;
};

std::optional<std::string> OptionalText(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<std::string>(f.as<std::string>());
}

std::vector<std::string> SplitTypes(const std::string& joined) {
  std::vector<std::string> types;
  std::stringstream in(joined);
  for (std::string t; std::getline(in, t, ',');) types.push_back(t);
  return types;
}

// Times come back as whole microseconds since the epoch (PostgreSQL 14+ extracts exactly).
Tables ReadTables(store::Connection& conn) {
  Tables t;
  pqxx::work tx(conn.pqxx());
  for (const auto& r :
       tx.exec("SELECT transaction_id, user_id, session_id, "
               "(extract(epoch FROM event_time) * 1000000)::bigint, total_amount_cents, "
               "line_items_total_cents, payment_method, country, city, currency, device, "
               "amount_mismatch FROM transactions")) {
    t.transactions[r[0].as<std::string>()] = {
        r[1].as<std::string>(), OptionalText(r[2]),     r[3].as<int64_t>(),     r[4].as<int64_t>(),
        r[5].as<int64_t>(),     r[6].as<std::string>(), r[7].as<std::string>(), OptionalText(r[8]),
        OptionalText(r[9]),     OptionalText(r[10]),    r[11].as<bool>()};
  }
  for (const auto& r : tx.exec("SELECT transaction_id, line_no, product_id, category, quantity, "
                               "price_cents FROM transaction_items")) {
    t.items[{r[0].as<std::string>(), r[1].as<int64_t>()}] = {
        r[2].as<std::string>(), r[3].as<std::string>(), r[4].as<int64_t>(), r[5].as<int64_t>()};
  }
  for (const auto& r :
       tx.exec("SELECT (extract(epoch FROM window_start) * 1000000)::bigint, "
               "(extract(epoch FROM window_end) * 1000000)::bigint, category, country, "
               "total_amount_cents, transaction_count, item_quantity, is_final "
               "FROM sales_metrics")) {
    t.sales[{r[0].as<int64_t>(), r[1].as<int64_t>(), r[2].as<std::string>(),
             r[3].as<std::string>()}] = {r[4].as<int64_t>(), r[5].as<int64_t>(), r[6].as<int64_t>(),
                                         r[7].as<bool>()};
  }
  for (const auto& r :
       tx.exec("SELECT transaction_id, user_id, "
               "(extract(epoch FROM event_time) * 1000000)::bigint, total_amount_cents, "
               "country, anomaly_score::float8, array_to_string(anomaly_types, ','), "
               "description FROM transaction_anomalies")) {
    t.anomalies[r[0].as<std::string>()] = {
        r[1].as<std::string>(), r[2].as<int64_t>(), r[3].as<int64_t>(),
        r[4].as<std::string>(), r[5].as<double>(),  SplitTypes(r[6].as<std::string>()),
        r[7].as<std::string>()};
  }
  for (const auto& r : tx.exec("SELECT source_topic, source_partition, source_offset, "
                               "encode(raw, 'hex'), raw_size, reason FROM dead_letter_events")) {
    t.dead_letters[r[2].as<int64_t>()] = {r[0].as<std::string>(), r[1].as<int32_t>(),
                                          r[3].as<std::string>(), r[4].as<int64_t>()};
    t.dead_letter_reasons[r[2].as<int64_t>()] = r[5].as<std::string>();
  }
  const auto m = tx.exec1(
      "SELECT coalesce(sum(received), 0)::bigint, coalesce(sum(valid), 0)::bigint, "
      "coalesce(sum(invalid), 0)::bigint, coalesce(sum(late), 0)::bigint, "
      "coalesce(sum(duplicate), 0)::bigint FROM kafka_metrics");
  t.counts = {m[0].as<int64_t>(), m[1].as<int64_t>(), m[2].as<int64_t>(), m[3].as<int64_t>(),
              m[4].as<int64_t>()};
  auto us = [](const char* column) {
    return std::string("(extract(epoch FROM ") + column + ") * 1000000)::bigint";
  };
  for (const auto& r : tx.exec(
           "SELECT session_id, " + us("session_start") + ", " + us("session_end") +
           ", user_id, task, page_views, cart_adds, cart_removes, purchases, total_amount_cents, "
           "distinct_products_viewed, coalesce(device, ''), coalesce(country, ''), converted, "
           "abandoned, is_closed, duration_seconds FROM session_metrics")) {
    SessionRow row{r[0].as<std::string>(), r[1].as<int64_t>(), r[2].as<int64_t>(),
                   r[3].as<std::string>(), r[4].as<int32_t>(), r[5].as<int32_t>(),
                   r[6].as<int32_t>(),     r[7].as<int32_t>(), r[8].as<int32_t>(),
                   r[9].as<int64_t>(),     r[10].as<int32_t>(), r[11].as<std::string>(),
                   r[12].as<std::string>(), r[13].as<bool>(),   r[14].as<bool>(),
                   r[15].as<bool>(),       {}};
    EXPECT_DOUBLE_EQ(r[16].as<double>(), double(row.session_end - row.session_start) / 1e6);
    t.sessions[{row.session_id, row.session_start}] = row;
  }
  for (const auto& r : tx.exec(
           "SELECT session_id, " + us("session_start") + ", " + us("abandonment_time") +
           ", user_id, task, products_in_cart, items_in_cart, cart_value_cents, "
           "(time_in_cart_seconds * 1000000)::bigint, recovered, "
           "coalesce(" + us("recovered_at") + ", 0) FROM cart_abandonment")) {
    CartAbandonmentRow row{r[0].as<std::string>(), r[1].as<int64_t>(), r[2].as<int64_t>(),
                           r[3].as<std::string>(), r[4].as<int32_t>(), r[5].as<int32_t>(),
                           r[6].as<int64_t>(),     r[7].as<int64_t>(), r[8].as<int64_t>(),
                           r[9].as<bool>(),        r[10].as<int64_t>()};
    t.abandonments[{row.session_id, row.session_start, row.abandonment_time}] = row;
  }
  for (const auto& r : tx.exec("SELECT product_id, coalesce(category, ''), in_catalog, task, "
                               "current_stock, reserved_stock, " + us("last_event_time") +
                               ", available_stock FROM inventory_status")) {
    InventoryRow row{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<bool>(),
                     r[3].as<int32_t>(),     r[4].as<int64_t>(),     r[5].as<int64_t>(),
                     r[6].as<int64_t>()};
    EXPECT_EQ(r[7].as<int64_t>(), row.available());
    t.inventory[row.product_id] = row;
  }
  for (const auto& r : tx.exec("SELECT product_id, alert_no, task, status, severity, "
                               "available_stock, lowest_available, " + us("opened_at") + ", " +
                               us("updated_at") + ", coalesce(" + us("resolved_at") +
                               ", 0) FROM low_stock_alerts")) {
    LowStockAlertRow row{r[0].as<std::string>(), r[1].as<int32_t>(), r[2].as<int32_t>(),
                         r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<int64_t>(),
                         r[6].as<int64_t>(),     r[7].as<int64_t>(),  r[8].as<int64_t>(),
                         r[9].as<int64_t>()};
    t.alerts[{row.product_id, row.alert_no}] = row;
  }
  return t;
}

// The whole comparison of DESIGN.md §6 between the brute force and the database.
void ExpectMatches(const Expected& e, const Tables& db) {
  EXPECT_EQ(db.counts, e.counts) << "kafka_metrics";
  ExpectSameRows(e.dead_letters, db.dead_letters, "dead_letter_events");
  for (const auto& [offset, reason] : db.dead_letter_reasons) {
    EXPECT_FALSE(reason.empty()) << "dead letter at line " << offset << " has no reason";
  }
  ExpectSameRows(e.transactions, db.transactions, "transactions");
  ExpectSameRows(e.items, db.items, "transaction_items");
  ExpectSameRows(e.sales, db.sales, "sales_metrics");
  ExpectSameRows(e.sessions, db.sessions, "session_metrics");
  ExpectSameRows(e.abandonments, db.abandonments, "cart_abandonment");
  ExpectSameRows(e.inventory, db.inventory, "inventory_status");
  ExpectSameRows(e.alerts, db.alerts, "low_stock_alerts");

  // transaction_anomalies: exactly the rule types, or only ['statistical'] scoring in
  // [0.5, 0.8). An id scored more than once (a copy beyond the dedup horizon) keeps the first
  // row written: its rule types are those of its first scoring where a rule fired, and a
  // statistical-only row needs a first scoring without rules.
  int64_t failures = 0;
  auto fail = [&](const std::string& id, const std::string& message) {
    if (++failures <= 10) ADD_FAILURE() << "transaction_anomalies " << id << ": " << message;
  };
  for (const auto& [id, scorings] : e.rules) {
    auto fired = std::find_if(scorings.begin(), scorings.end(),
                              [](const std::vector<std::string>& t) { return !t.empty(); });
    auto it = db.anomalies.find(id);
    if (it == db.anomalies.end()) {
      if (fired != scorings.end()) fail(id, "no row, but the rules " + Str(*fired) + " fired");
      continue;
    }
    const StoredAnomaly& row = it->second;
    std::vector<std::string> rule_types;
    for (const std::string& t : row.types) {
      if (t != "statistical") rule_types.push_back(t);
    }
    if (!rule_types.empty()) {
      if (fired == scorings.end() || rule_types != *fired) {
        fail(id, "expected rule types " + (fired == scorings.end() ? "[]" : Str(*fired)) +
                     ", got " + Str(row));
      }
      if (row.score < 0.8) fail(id, "a rule fired but the score is below 0.8: " + Str(row));
    } else if (row.types != std::vector<std::string>{"statistical"} || row.score < 0.5 ||
               row.score >= 0.8 || !scorings.front().empty()) {
      fail(id, "expected rules " + Str(scorings.front()) + ", got " + Str(row));
    }
    const TxRow& tx = e.transactions.at(id);
    if (row.user_id != tx.user_id || row.event_time != tx.event_time ||
        row.total_amount != tx.line_items_total || row.country != tx.country) {
      fail(id, "columns differ from the transaction " + Str(tx) + ": " + Str(row));
    }
  }
  for (const auto& [id, row] : db.anomalies) {
    if (e.rules.find(id) == e.rules.end()) fail(id, "a row for no distinct transaction");
  }
  if (failures > 10) ADD_FAILURE() << "transaction_anomalies: " << failures << " failures in all";
}

void ExpectSameTables(const Tables& expected, const Tables& actual) {
  EXPECT_EQ(actual.counts, expected.counts) << "kafka_metrics";
  ExpectSameRows(expected.dead_letters, actual.dead_letters, "dead_letter_events");
  ExpectSameRows(expected.dead_letter_reasons, actual.dead_letter_reasons, "dead letter reasons");
  ExpectSameRows(expected.transactions, actual.transactions, "transactions");
  ExpectSameRows(expected.items, actual.items, "transaction_items");
  ExpectSameRows(expected.sales, actual.sales, "sales_metrics");
  ExpectSameRows(expected.anomalies, actual.anomalies, "transaction_anomalies");
  ExpectSameRows(expected.sessions, actual.sessions, "session_metrics");
  ExpectSameRows(expected.abandonments, actual.abandonments, "cart_abandonment");
  ExpectSameRows(expected.inventory, actual.inventory, "inventory_status");
  ExpectSameRows(expected.alerts, actual.alerts, "low_stock_alerts");
}

// --- Inputs --------------------------------------------------------------------------------

// splitmix64: the same sequence with every standard library (unlike std distributions).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  //! Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool OneIn(int64_t n) { return Next() % static_cast<uint64_t>(n) == 0; }

 private:
  uint64_t state_;
};

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The spellings of one instant the contract accepts besides the encoder's ".mmmZ".
enum class TimeSpelling { kPlusTwo, kMinusFiveThirty, kNaive, kMicrosZ, kSpace };

std::string Spell(Micros t, TimeSpelling spelling) {
  const int64_t offset_minutes = spelling == TimeSpelling::kPlusTwo           ? 120
                                 : spelling == TimeSpelling::kMinusFiveThirty ? -330
                                                                              : 0;
  const Micros local = t + offset_minutes * kMicrosPerMinute;
  const Micros day_start = FloorTo(local, kMicrosPerDay);
  int64_t year;
  unsigned month, day;
  CivilFromDays(day_start / kMicrosPerDay, &year, &month, &day);
  const Micros in_day = local - day_start;
  const int64_t seconds = in_day / kSecond;
  char text[64];
  std::snprintf(text, sizeof text, "%04lld-%02u-%02u%c%02lld:%02lld:%02lld",
                static_cast<long long>(year), month, day,
                spelling == TimeSpelling::kSpace ? ' ' : 'T',
                static_cast<long long>(seconds / 3600), static_cast<long long>(seconds / 60 % 60),
                static_cast<long long>(seconds % 60));
  std::string out = text;
  char fraction[16];
  if (spelling == TimeSpelling::kMicrosZ) {
    std::snprintf(fraction, sizeof fraction, ".%06lld", static_cast<long long>(in_day % kSecond));
  } else {
    std::snprintf(fraction, sizeof fraction, ".%03lld",
                  static_cast<long long>(in_day % kSecond / kMilli));
  }
  out += fraction;
  switch (spelling) {
    case TimeSpelling::kPlusTwo:
      return out + "+02:00";
    case TimeSpelling::kMinusFiveThirty:
      return out + "-0530";
    case TimeSpelling::kNaive:
      return out;
    case TimeSpelling::kMicrosZ:
    case TimeSpelling::kSpace:
      return out + "Z";
  }
  return out;
}

// Writes every number of `"field":N` as the string "N".
std::string QuoteNumbers(std::string json, std::string_view field) {
  const std::string key = "\"" + std::string(field) + "\":";
  for (size_t at = json.find(key); at != std::string::npos; at = json.find(key, at + 1)) {
    const size_t begin = at + key.size();
    size_t end = begin;
    while (end < json.size() &&
           std::string_view("0123456789.-+eE").find(json[end]) != std::string_view::npos) {
      ++end;
    }
    if (end == begin) continue;
    json.insert(end, "\"");
    json.insert(begin, "\"");
  }
  return json;
}

// Lines the decoder must reject, each for another reason.
std::vector<std::string> MalformedLines() {
  const std::string tx =
      R"({"event_type":"transactions","transaction_id":"T-BAD","user_id":"U-BAD",)"
      R"("timestamp":"2024-03-06T11:10:00Z","products":[{"product_id":"P-BAD",)"
      R"("category":"Books","quantity":1,"price":9.99}],"total_amount":9.99,)"
      R"("payment_method":"credit_card","country":"USA"})";
  const std::string products =
      R"("products":[{"product_id":"P-BAD","category":"Books","quantity":1,"price":9.99}],)";
  return {
      "this is not json",
      tx.substr(0, tx.size() / 2),  // truncated
      Replace(tx, R"("quantity":1)", R"("quantity":"abc")"),
      Replace(tx, R"("quantity":1)", R"("quantity":-2)"),
      R"({"event_type":"cart_events","event_id":"C-BAD","user_id":"U-BAD","session_id":"S-BAD",)"
      R"("product_id":"P-BAD","timestamp":"2024-03-06T11:10:00Z","action":"purchase",)"
      R"("quantity":1})",
      Replace(tx, R"("country":"USA")", "\"country\":\"US\xff\xfe\""),  // invalid UTF-8
      Replace(tx, R"("payment_method")",
              R"("padding":")" + std::string(2 << 20, 'x') + R"(","payment_method")"),  // 2 MiB
      "{}",
      Replace(tx, products, R"("products":[],)"),
      Replace(tx, products, ""),
      "[1,2,3]",
      Replace(tx, R"("transactions")", R"("orders")"),
      tx + " trailing",
      Replace(tx, "2024-03-06T11:10:00Z", "yesterday"),
      Replace(tx, R"("price":9.99)", R"("price":-1.00)"),
  };
}

//! What Mutate made besides the lines.
struct Mutation {
  std::vector<std::string> lines;
  TestCatalog products;  //!< catalog categories of some products whose items lost theirs
  int64_t malformed = 0;
};

// The generated stream mutated deterministically (see the file comment).
Mutation Mutate(std::vector<std::string> lines) {
  Mutation m;
  Rng rng(20240306);
  events::Decoder decoder;
  events::Event ev;
  std::vector<Micros> times;
  for (const std::string& line : lines) {
    EXPECT_TRUE(decoder.Decode(std::nullopt, line, ev).ok()) << line;
    times.push_back(ev.timestamp());
  }
  const size_t n = lines.size();

  // Local reordering: swap lines up to ~6 s apart (some of them become late).
  for (size_t i = 0; i < n; ++i) {
    if (!rng.OneIn(40)) continue;
    const size_t j = i + static_cast<size_t>(rng.Between(1, 300));
    if (j < n && std::llabs(times[j] - times[i]) <= 6 * kSecond) {
      std::swap(lines[i], lines[j]);
      std::swap(times[i], times[j]);
    }
  }

  const std::vector<std::string> malformed = MalformedLines();
  const size_t malformed_every = n / (malformed.size() + 1);
  size_t next_malformed = 0;
  std::multimap<size_t, std::string> repeats;  // after source line i: exact duplicates
  std::optional<std::string> first_tx, first_view, mid_tx;
  Micros first_time = 0, mid_time = 0;
  bool beyond_horizon_done = false, within_horizon_done = false;
  Micros max_seen = INT64_MIN;
  std::string encoded;

  for (size_t i = 0; i < n; ++i) {
    std::string line = lines[i];
    EXPECT_TRUE(decoder.Decode(std::nullopt, line, ev).ok());
    if (ev.topic == events::Topic::kTransactions) {
      const int64_t r = rng.Between(0, 99);
      if (r < 5) {
        // Another spelling of the same instant.
        const size_t at = line.find(R"("timestamp":")") + 13;
        line.replace(at, line.find('"', at) - at,
                     Spell(ev.transaction.timestamp, static_cast<TimeSpelling>(r)));
      } else if (r < 10) {
        for (const char* field : {"quantity", "price", "total_amount"}) {
          line = QuoteNumbers(line, field);
        }
      } else if (r < 15) {
        // Items without a category: half of their products are in the catalog (under
        // another name than the events', so the test tells which one was used).
        for (events::LineItem& item : ev.transaction.products) {
          if (Fnv(item.product_id) % 2 == 0) {
            m.products.product_category.emplace(item.product_id, "Catalog " + item.category);
          }
          item.category.clear();
        }
        encoded.clear();
        events::Encode(ev, encoded);
        line = encoded;
      }
    }
    m.lines.push_back(line);
    max_seen = std::max(max_seen, ev.timestamp());
    if (ev.topic == events::Topic::kTransactions && !first_tx) {
      first_tx = line;
      first_time = ev.timestamp();
    }
    if (ev.topic == events::Topic::kProductViews && !first_view) first_view = line;
    if (ev.topic == events::Topic::kTransactions && !mid_tx &&
        ev.timestamp() >= kGeneratedStart + 5 * kMicrosPerMinute) {
      mid_tx = line;
      mid_time = ev.timestamp();
    }

    // A late copy under a new id, 20–120 s before the newest time.
    if (ev.topic == events::Topic::kTransactions && rng.OneIn(80)) {
      events::Event copy = ev;
      copy.transaction.transaction_id += "-late";
      copy.transaction.timestamp = max_seen - rng.Between(20'000, 120'000) * kMilli;
      encoded.clear();
      events::Encode(copy, encoded);
      m.lines.push_back(encoded);
    }
    // An exact duplicate a few lines later.
    if (rng.OneIn(120)) repeats.emplace(i + static_cast<size_t>(rng.Between(0, 50)), line);
    for (auto [it, end] = repeats.equal_range(i); it != end; ++it) m.lines.push_back(it->second);
    // Exact copies of the first transaction and view beyond the dedup horizon (new again,
    // and late), and of a transaction 3 minutes old (a duplicate, not late).
    if (first_tx && first_view && !beyond_horizon_done &&
        max_seen > first_time + 11 * kMicrosPerMinute) {
      m.lines.push_back(*first_tx);
      m.lines.push_back(*first_view);
      beyond_horizon_done = true;
    }
    if (mid_tx && !within_horizon_done && max_seen > mid_time + 3 * kMicrosPerMinute) {
      m.lines.push_back(*mid_tx);
      within_horizon_done = true;
    }
    if ((i + 1) % malformed_every == 0 && next_malformed < malformed.size()) {
      m.lines.push_back(malformed[next_malformed++]);
      ++m.malformed;
      if (next_malformed == 3) m.lines.push_back("");  // an empty line: skipped, not counted
    }
  }
  EXPECT_TRUE(beyond_horizon_done && within_horizon_done);
  EXPECT_EQ(next_malformed, malformed.size());
  return m;
}

// The hand-built stream (12:00:00Z = 1709726400 s, a multiple of 30 s). Lateness 5 s, so
// after line 5 the watermark is 12:00:35.
const std::vector<std::string>& HandBuiltLines() {
  static const std::vector<std::string> kLines =
      {
          // 1: the first event; nothing before it can be late.
          R"({"event_type":"product_views","event_id":"V-1","user_id":"U-A","session_id":"S-A","product_id":"P-1","category":"Books","timestamp":"2024-03-06T12:00:00Z","duration_seconds":5})",
          // 2: exactly on a window start: in [11:59:30, 12:00:30) and [12:00:00, 12:01:00).
          R"({"event_type":"transactions","transaction_id":"T-1","user_id":"U-A","timestamp":"2024-03-06T12:00:00Z","products":[{"product_id":"P-1","category":"Books","quantity":2,"price":10.00}],"total_amount":20.00,"payment_method":"credit_card","country":"US"})",
          // 3: the last microsecond of [11:59:30, 12:00:30); two categories.
          R"({"event_type":"transactions","transaction_id":"T-2","user_id":"U-B","timestamp":"2024-03-06T12:00:29.999999Z","products":[{"product_id":"P-2","category":"Toys","quantity":1,"price":5.00},{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":6.00,"payment_method":"paypal","country":"DE","city":"Berlin","currency":"EUR","device":"mobile"})",
          // 4: on the next window start: in [12:00:00, 12:01:00) and [12:00:30, 12:01:30).
          R"({"event_type":"transactions","transaction_id":"T-3","user_id":"U-A","session_id":"S-A","timestamp":"2024-03-06T12:00:30Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":3.00}],"total_amount":3.00,"payment_method":"credit_card","country":"US"})",
          // 5: the newest time becomes 12:00:40, the watermark 12:00:35.
          R"({"event_type":"product_views","event_id":"V-2","user_id":"U-C","session_id":"S-C","product_id":"P-2","category":"Toys","timestamp":"2024-03-06T12:00:40Z","duration_seconds":1})",
          // 6: exactly at the watermark: NOT late.
          R"({"event_type":"transactions","transaction_id":"T-4","user_id":"U-B","timestamp":"2024-03-06T12:00:35Z","products":[{"product_id":"P-2","category":"Toys","quantity":1,"price":7.00}],"total_amount":7.00,"payment_method":"paypal","country":"DE"})",
          // 7: a microsecond below the watermark: late (no sales; scored at 12:00:35; U-C's home
          // is DE: geo_mismatch).
          R"({"event_type":"transactions","transaction_id":"T-5","user_id":"U-C","timestamp":"2024-03-06T12:00:34.999999Z","products":[{"product_id":"P-2","category":"Toys","quantity":1,"price":100.00}],"total_amount":100.00,"payment_method":"paypal","country":"FR"})",
          // 8, 9: exact repeats of lines 3 and 5: duplicates.
          R"({"event_type":"transactions","transaction_id":"T-2","user_id":"U-B","timestamp":"2024-03-06T12:00:29.999999Z","products":[{"product_id":"P-2","category":"Toys","quantity":1,"price":5.00},{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":6.00,"payment_method":"paypal","country":"DE","city":"Berlin","currency":"EUR","device":"mobile"})",
          R"({"event_type":"product_views","event_id":"V-2","user_id":"U-C","session_id":"S-C","product_id":"P-2","category":"Toys","timestamp":"2024-03-06T12:00:40Z","duration_seconds":1})",
          // 10: 12:00:41Z written with an offset, numbers as strings; U-D is not a customer.
          R"({"event_type":"transactions","transaction_id":"T-6","user_id":"U-D","timestamp":"2024-03-06T14:00:41+02:00","products":[{"product_id":"P-3","category":"Garden","quantity":"1","price":"12.34"}],"total_amount":"12.34","payment_method":"credit_card","country":"US"})",
          // 11: 12:00:42 naive (UTC); no category, the catalog says Kitchen.
          R"({"event_type":"transactions","transaction_id":"T-7","user_id":"U-D","timestamp":"2024-03-06T12:00:42","products":[{"product_id":"P-CAT","quantity":1,"price":2.50}],"total_amount":2.50,"payment_method":"credit_card","country":"US"})",
          // 12: 12:00:43.5Z with a space; no category anywhere: unknown.
          R"({"event_type":"transactions","transaction_id":"T-8","user_id":"U-D","timestamp":"2024-03-06 12:00:43.5Z","products":[{"product_id":"P-NOWHERE","quantity":2,"price":0.75}],"total_amount":1.50,"payment_method":"credit_card","country":"US"})",
          // 13–18: six transactions of U-V within 60 s: the sixth fires velocity.
          R"({"event_type":"transactions","transaction_id":"T-V1","user_id":"U-V","timestamp":"2024-03-06T12:00:45Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-V2","user_id":"U-V","timestamp":"2024-03-06T12:00:46Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-V3","user_id":"U-V","timestamp":"2024-03-06T12:00:47Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-V4","user_id":"U-V","timestamp":"2024-03-06T12:00:48Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-V5","user_id":"U-V","timestamp":"2024-03-06T12:00:49Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-V6","user_id":"U-V","timestamp":"2024-03-06T12:00:50Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          // 19: high_value and geo_mismatch (U-E lives in the US).
          R"({"event_type":"transactions","transaction_id":"T-HV","user_id":"U-E","timestamp":"2024-03-06T12:00:51Z","products":[{"product_id":"P-4","category":"Electronics","quantity":1,"price":6000.00}],"total_amount":6000.00,"payment_method":"credit_card","country":"UK"})",
          // 20: unusual_quantity (11 > 10).
          R"({"event_type":"transactions","transaction_id":"T-Q","user_id":"U-F","timestamp":"2024-03-06T12:00:52Z","products":[{"product_id":"P-1","category":"Books","quantity":11,"price":1.00}],"total_amount":11.00,"payment_method":"credit_card","country":"US"})",
          // 21: amount_mismatch (2 cents off); 22: one cent off is not a mismatch.
          R"({"event_type":"transactions","transaction_id":"T-AM","user_id":"U-F","timestamp":"2024-03-06T12:00:53Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":10.00}],"total_amount":10.02,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-AM-OK","user_id":"U-F","timestamp":"2024-03-06T12:00:54Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":10.00}],"total_amount":10.01,"payment_method":"credit_card","country":"US"})",
          // 23–27: five transactions of U-W at 12:01:00–12:01:04.
          R"({"event_type":"transactions","transaction_id":"T-W1","user_id":"U-W","timestamp":"2024-03-06T12:01:00Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-W2","user_id":"U-W","timestamp":"2024-03-06T12:01:01Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-W3","user_id":"U-W","timestamp":"2024-03-06T12:01:02Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-W4","user_id":"U-W","timestamp":"2024-03-06T12:01:03Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          R"({"event_type":"transactions","transaction_id":"T-W5","user_id":"U-W","timestamp":"2024-03-06T12:01:04Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          // 28: the watermark becomes 12:01:25.
          R"({"event_type":"product_views","event_id":"V-3","user_id":"U-C","session_id":"S-C","product_id":"P-2","category":"Toys","timestamp":"2024-03-06T12:01:30Z","duration_seconds":1})",
          // 29: late; its effective time 12:01:25 makes it U-W's sixth within 60 s: velocity
          // (by its event time 12:00:00 it would be the first).
          R"({"event_type":"transactions","transaction_id":"T-W6","user_id":"U-W","timestamp":"2024-03-06T12:00:00Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          // 30: U-V's seventh, 60 s after its second: (12:00:46, 12:01:46] holds only 5.
          R"({"event_type":"transactions","transaction_id":"T-V7","user_id":"U-V","timestamp":"2024-03-06T12:01:46Z","products":[{"product_id":"P-1","category":"Books","quantity":1,"price":1.00}],"total_amount":1.00,"payment_method":"credit_card","country":"US"})",
          // 31: an empty line (skipped, its number not reused); 32, 33: dead letters.
          "",
          R"({"event_type":"transactions","transaction_id":"T-BAD","user_id":"U-A","timestamp":"2024-03-06T12:01:47Z","products":[{"product_id":"P-1","quantity":0,"price":1.00}],"total_amount":0,"payment_method":"credit_card","country":"US"})",
          "not json",
      };
  return kLines;
}

TestCatalog HandBuiltCatalog() {
  TestCatalog c;
  c.home_country = {{"U-A", "US"}, {"U-B", "DE"}, {"U-C", "DE"}, {"U-E", "US"},
                    {"U-F", "US"}, {"U-V", "US"}, {"U-W", "US"}};
  c.product_category = {{"P-CAT", "Kitchen"}};
  return c;
}

//! A prepared input file with its catalog.
struct Input {
  std::string path;
  TestCatalog catalog;
  int64_t malformed = 0;  //!< lines Mutate made to be rejected
};

// The input files, each made on first use (ctest runs every test in its own process) in a
// temporary folder removed at exit.
class Inputs {
 public:
  static Inputs& Get() {
    static Inputs inputs;
    return inputs;
  }
  ~Inputs() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  //! The seed profile at 50 events per second of event time: 60,000 events in 20 minutes.
  const Input& Generated() {
    if (!generated_) {
      Input in;
      in.path = dir_ + "/generated.jsonl";
      GeneratorConfig config;
      config.profile = GeneratorProfile::kSeed;
      config.seed = 7;
      config.rate = 0;  // unpaced, at max_event_rate
      config.max_event_rate = 50;
      config.count = 60'000;
      config.products = 20'000;
      config.start = kGeneratedStart;
      config.anomaly_rate = 0.02;
      {
        Result<std::unique_ptr<bus::Sink>> sink = bus::OpenFileSink(in.path);
        EXPECT_TRUE(sink.ok()) << sink.status().ToString();
        Result<generator::GeneratorStats> stats = generator::RunGenerator(config, **sink);
        EXPECT_TRUE(stats.ok()) << stats.status().ToString();
      }
      in.catalog = CustomersOf(ReadLines(in.path));
      in.catalog.Merge(SomeProductsOf(ReadLines(in.path)));
      generated_ = std::move(in);
    }
    return *generated_;
  }

  const Input& Mutated() {
    if (!mutated_) {
      mutation_ = Mutate(Texts(ReadLines(Generated().path)));
      Input in;
      in.path = dir_ + "/mutated.jsonl";
      WriteLines(in.path, mutation_.lines);
      in.catalog = CustomersOf(ReadLines(in.path));
      in.catalog.Merge(mutation_.products);
      in.malformed = mutation_.malformed;
      mutated_ = std::move(in);
    }
    return *mutated_;
  }

  const Input& HandBuilt() {
    if (!hand_built_) {
      Input in;
      in.path = dir_ + "/hand_built.jsonl";
      WriteLines(in.path, HandBuiltLines());
      in.catalog = HandBuiltCatalog();
      hand_built_ = std::move(in);
    }
    return *hand_built_;
  }

  //! The mutated stream (11:00–11:20), then the hand-built one (12:00).
  const Input& Combined() {
    if (!combined_) {
      Input in;
      in.path = dir_ + "/combined.jsonl";
      in.catalog = Mutated().catalog;
      in.catalog.Merge(HandBuilt().catalog);
      std::vector<std::string> both = mutation_.lines;
      both.insert(both.end(), HandBuiltLines().begin(), HandBuiltLines().end());
      WriteLines(in.path, both);
      combined_ = std::move(in);
    }
    return *combined_;
  }

 private:
  Inputs() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "gm-pipeline-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir_ = tmpl;
  }

  std::string dir_;
  std::optional<Input> generated_, mutated_, hand_built_, combined_;
  Mutation mutation_;
};

// --- Running the engine --------------------------------------------------------------------

// A wall clock that moves 60 ms whenever it is read: with checkpoints every 100 ms, one
// follows about every poll of the file, deterministically and without waiting.
class TickingClock final : public Clock {
 public:
  Micros Now() const override { return now_.fetch_add(60 * kMilli); }

 private:
  mutable std::atomic<Micros> now_{1'800'000'000LL * kSecond};
};

struct RunOutcome {
  Status status;
  EngineStats stats;
};

// Whether `lookup` holds exactly `catalog` (what the brute force assumes the engine reads).
Status SameCatalog(const CatalogLookup& lookup, const TestCatalog& catalog) {
  if (lookup.customers() != catalog.home_country.size() ||
      lookup.products() != catalog.product_category.size()) {
    return Internal("CatalogLookup::Load read " + std::to_string(lookup.customers()) +
                    " customers and " + std::to_string(lookup.products()) + " products");
  }
  for (const auto& [user, country] : catalog.home_country) {
    if (lookup.HomeCountryOf(user) != country) {
      return Internal("CatalogLookup::Load: home country of " + user + " is '" +
                      std::string(lookup.HomeCountryOf(user)) + "'");
    }
  }
  for (const auto& [product, category] : catalog.product_category) {
    if (lookup.CategoryOf(product) != category) {
      return Internal("CatalogLookup::Load: category of " + product + " is '" +
                      std::string(lookup.CategoryOf(product)) + "'");
    }
  }
  return Status::Ok();
}

// Runs `path` with consumer group "pipeline-test" and the catalog loaded from the database,
// which must be `catalog`: to EOF, closing every window (until_eof), or — when
// `stop_after_received` > 0 — as a live run that does not treat EOF as the end, stopped once
// a committed checkpoint covers that many messages (so its windows stay open).
RunOutcome RunEngine(store::ConnectionPool& pool, const std::string& path,
                     const TestCatalog& catalog_rows, int64_t stop_after_received = 0,
                     const StreamConfig& config = TestStreamConfig()) {
  Result<std::unique_ptr<CatalogLookup>> catalog = CatalogLookup::Load(pool);
  if (!catalog.ok()) return {catalog.status(), {}};
  if (Status s = SameCatalog(**catalog, catalog_rows); !s.ok()) return {s, {}};
  std::unique_ptr<CheckpointStore> store = NewPostgresCheckpointStore(pool);
  TickingClock clock;
  std::atomic<bool> stop{false};
  EngineOptions options;
  options.config = config;
  options.consumer_group = "pipeline-test";
  options.tasks = kTasks;
  options.clock = &clock;
  if (stop_after_received > 0) {
    options.on_checkpoint = [&](const EngineStats& s) {
      if (s.received >= stop_after_received) stop = true;
    };
  }
  Engine engine(options, *store, **catalog);
  Status status = engine.RunFile(path, /*until_eof=*/stop_after_received == 0, stop);
  return {status, engine.stats()};
}

std::string Canonical(const std::string& path) {
  return std::filesystem::weakly_canonical(path).string();
}

// One migrated database of the test's cluster holding a catalog.
struct Database {
  std::unique_ptr<store::Connection> conn;
  std::unique_ptr<store::ConnectionPool> pool;
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    inputs_ = &Inputs::Get();
    server_ = &cluster_.Start();
  }

  // A fresh database `name` (the cluster's own one first) with the schema and `catalog`.
  std::unique_ptr<Database> OpenDatabase(const std::string& name, const TestCatalog& catalog) {
    if (name != server_->database()) {
      std::unique_ptr<store::Connection> admin = cluster_.Connect();
      EXPECT_TRUE(admin != nullptr && admin->Execute("CREATE DATABASE " + name).ok());
    }
    auto db = std::make_unique<Database>();
    Result<std::unique_ptr<store::Connection>> conn =
        store::Connection::Open(server_->UrlFor(name), 10 * kSecond);
    EXPECT_TRUE(conn.ok()) << conn.status().ToString();
    if (!conn.ok()) return nullptr;
    db->conn = std::move(conn).value();
    Result<std::vector<store::Migration>> migrated =
        store::Migrate(*db->conn, store::BuiltinMigrations());
    EXPECT_TRUE(migrated.ok()) << migrated.status().ToString();
    InsertCatalog(*db->conn, catalog);
    store::PoolOptions options;
    options.url = server_->UrlFor(name);
    options.size = 4;
    options.connect_timeout = 10 * kSecond;
    db->pool = std::make_unique<store::ConnectionPool>(options);
    return db;
  }

  static void InsertCatalog(store::Connection& conn, const TestCatalog& catalog) {
    pqxx::work tx(conn.pqxx());
    std::string sql;
    auto flush = [&](const char* head) {
      if (!sql.empty()) tx.exec(head + sql);
      sql.clear();
    };
    const char* kCustomers = "INSERT INTO customers (user_id, name, country) VALUES ";
    for (const auto& [user, country] : catalog.home_country) {
      sql += (sql.empty() ? "(" : ",(") + tx.quote(user) + "," + tx.quote("Customer " + user) +
             "," + tx.quote(country) + ")";
      if (sql.size() > (1 << 20)) flush(kCustomers);
    }
    flush(kCustomers);
    const char* kProducts =
        "INSERT INTO products (product_id, name, category, price_cents, initial_stock) VALUES ";
    for (const auto& [product, category] : catalog.product_category) {
      sql += (sql.empty() ? "(" : ",(") + tx.quote(product) + "," + tx.quote("Product " + product) +
             "," + tx.quote(category) + ",100,50)";
      if (sql.size() > (1 << 20)) flush(kProducts);
    }
    flush(kProducts);
    tx.commit();
  }

  // Runs `input` into a fresh database `name`, checks the run and returns the database.
  std::unique_ptr<Database> RunClean(const std::string& name, const Input& input) {
    std::unique_ptr<Database> db = OpenDatabase(name, input.catalog);
    if (db == nullptr) return nullptr;
    RunOutcome run = RunEngine(*db->pool, input.path, input.catalog);
    EXPECT_TRUE(run.status.ok()) << run.status.ToString();
    return db;
  }

  Expected BruteForceOf(const Input& input) {
    return BruteForce(ReadLines(input.path), input.catalog, TestStreamConfig(),
                      Canonical(input.path));
  }

  Inputs* inputs_ = nullptr;
  TestCluster cluster_;
  store::EmbeddedPostgres* server_ = nullptr;
};

// --- The tests -----------------------------------------------------------------------------

TEST_F(PipelineTest, GeneratedStreamMatchesBruteForce) {
  const Input& input = inputs_->Generated();
  std::unique_ptr<Database> db = RunClean("globalmart", input);
  ASSERT_NE(db, nullptr);
  const Expected e = BruteForceOf(input);
  // What the input exercises (so a generator change cannot make this test vacuous).
  EXPECT_EQ(e.counts.received, 60'000);
  EXPECT_EQ(e.counts.invalid, 0);
  EXPECT_GT(e.transactions.size(), 10'000u);
  std::map<std::string, int64_t> fired;
  for (const auto& [id, scorings] : e.rules) {
    for (const std::string& type : scorings.front()) ++fired[type];
  }
  for (const char* type :
       {"high_value", "unusual_quantity", "velocity", "geo_mismatch", "amount_mismatch"}) {
    EXPECT_GT(fired[type], 0) << type;
  }
  // Sessions, carts and inventory of every kind.
  int64_t converted = 0, abandoned = 0, recovered = 0, reserved = 0, resolved = 0, missing = 0;
  for (const auto& [key, r] : e.sessions) converted += r.converted;
  for (const auto& [key, r] : e.abandonments) (r.recovered ? recovered : abandoned) += 1;
  for (const auto& [key, r] : e.alerts) resolved += r.status == "resolved";
  for (const auto& [key, r] : e.inventory) missing += !r.in_catalog;
  for (const auto& [key, r] : e.inventory) reserved += r.reserved_stock != 0;
  EXPECT_GT(e.sessions.size(), 1'000u);
  EXPECT_GT(converted, 100);
  EXPECT_GT(abandoned, 100);
  // (The generator buys within the cart timeout, so it never recovers an abandoned cart;
  // sessions_test covers recovery.)
  EXPECT_GT(e.alerts.size(), 10u);
  EXPECT_GT(resolved, 0);
  EXPECT_GT(missing, 10);
  EXPECT_GT(e.inventory.size() - missing, 100u);
  EXPECT_EQ(reserved, 0) << "every cart was bought or abandoned at the end of the file";
  std::cout << e.sessions.size() << " sessions (" << converted << " converted), " << abandoned
            << " abandoned carts, " << recovered << " recovered, " << e.inventory.size()
            << " products (" << missing << " missing from the catalog), " << e.alerts.size()
            << " low-stock alerts (" << resolved << " resolved)\n";
  ExpectMatches(e, ReadTables(*db->conn));
}

TEST_F(PipelineTest, MutatedStreamMatchesBruteForce) {
  const Input& input = inputs_->Mutated();
  std::unique_ptr<Database> db = RunClean("globalmart", input);
  ASSERT_NE(db, nullptr);
  const Expected e = BruteForceOf(input);
  EXPECT_EQ(e.counts.invalid, input.malformed) << "every malformed line is rejected";
  EXPECT_GT(e.counts.late, 50);
  EXPECT_GT(e.counts.duplicate, 100);
  int64_t rescored = 0, catalog_items = 0, unknown_items = 0;
  for (const auto& [id, scorings] : e.rules) rescored += scorings.size() > 1;
  for (const auto& [key, item] : e.items) {
    catalog_items += item.category.starts_with("Catalog ");
    unknown_items += item.category == "unknown";
  }
  EXPECT_EQ(rescored, 1) << "the transaction repeated beyond the dedup horizon";
  EXPECT_GT(catalog_items, 0);
  EXPECT_GT(unknown_items, 0);
  ExpectMatches(e, ReadTables(*db->conn));
}

TEST_F(PipelineTest, HandBuiltBoundariesMatchBruteForceAndHandCounts) {
  const Input& input = inputs_->HandBuilt();
  std::unique_ptr<Database> db = RunClean("globalmart", input);
  ASSERT_NE(db, nullptr);
  const Expected e = BruteForceOf(input);
  const Tables t = ReadTables(*db->conn);
  ExpectMatches(e, t);

  // The cases by hand, against the database (and so the brute force with it).
  // 33 lines, 32 non-empty; late: T-5, T-W6; duplicates: lines 8, 9; dead: lines 32, 33.
  EXPECT_EQ(t.counts, (Counts{32, 30, 2, 2, 2}));
  EXPECT_EQ(t.dead_letters.size(), 2u);
  EXPECT_TRUE(t.dead_letters.contains(32) && t.dead_letters.contains(33));
  const Micros noon = 1709726400LL * kSecond;
  auto sales = [&](Micros start, const std::string& category, const std::string& country) {
    auto it = t.sales.find({start, start + 60 * kSecond, category, country});
    return it == t.sales.end() ? SalesValue{0, 0, 0, false} : it->second;
  };
  // [11:59:30, 12:00:30): T-1 and T-2 (at 12:00:29.999999), not T-3 (at 12:00:30).
  EXPECT_EQ(sales(noon - 30 * kSecond, "ALL", "ALL"), (SalesValue{2600, 2, 4, true}));
  EXPECT_EQ(sales(noon - 30 * kSecond, "Books", "DE"), (SalesValue{100, 1, 1, true}));
  // Toys in [12:00:00, 12:01:00): T-2 and T-4 (at the watermark); T-5 (late) is left out.
  EXPECT_EQ(sales(noon, "Toys", "DE"), (SalesValue{1200, 2, 2, true}));
  EXPECT_EQ(sales(noon, "Toys", "ALL"), (SalesValue{1200, 2, 2, true}));
  EXPECT_EQ(sales(noon + 30 * kSecond, "Toys", "ALL"), (SalesValue{700, 1, 1, true}));
  EXPECT_EQ(sales(noon, "ALL", "FR").transaction_count, 0);
  // Categories from the catalog and from nowhere.
  EXPECT_EQ(sales(noon, "Kitchen", "US"), (SalesValue{250, 1, 1, true}));
  EXPECT_EQ(sales(noon, "unknown", "US"), (SalesValue{150, 1, 2, true}));
  // T-W1..W5 in [12:01:00, 12:02:00); T-W6 is late; T-V7 is in.
  EXPECT_EQ(sales(noon + 60 * kSecond, "Books", "US"), (SalesValue{600, 6, 6, true}));
  EXPECT_EQ(t.items.at({"T-7", 1}).category, "Kitchen");
  EXPECT_EQ(t.items.at({"T-8", 1}).category, "unknown");
  EXPECT_EQ(t.transactions.at("T-6").event_time, noon + 41 * kSecond);
  EXPECT_EQ(t.transactions.at("T-8").event_time, noon + 43'500 * kMilli);
  EXPECT_TRUE(t.transactions.contains("T-5"));   // late ones are archived
  EXPECT_TRUE(t.transactions.contains("T-W6"));  // and scored:
  auto types = [&](const std::string& id) {
    auto it = t.anomalies.find(id);
    return it == t.anomalies.end() ? std::vector<std::string>{} : it->second.types;
  };
  using Types = std::vector<std::string>;
  EXPECT_EQ(types("T-5"), (Types{"geo_mismatch"}));
  EXPECT_EQ(types("T-V5"), Types{});
  EXPECT_EQ(types("T-V6"), (Types{"velocity"}));
  EXPECT_EQ(types("T-V7"), Types{});
  EXPECT_EQ(types("T-W6"), (Types{"velocity"}));
  EXPECT_EQ(types("T-HV"), (Types{"high_value", "geo_mismatch"}));
  EXPECT_EQ(types("T-Q"), (Types{"unusual_quantity"}));
  EXPECT_EQ(types("T-AM"), (Types{"amount_mismatch"}));
  EXPECT_EQ(types("T-AM-OK"), Types{});
  EXPECT_EQ(t.anomalies.size(), 6u);
}

TEST_F(PipelineTest, CombinedStreamMatchesBruteForceAndARerunChangesNothing) {
  const Input& input = inputs_->Combined();
  std::unique_ptr<Database> db = RunClean("globalmart", input);
  ASSERT_NE(db, nullptr);
  const Tables first = ReadTables(*db->conn);
  ExpectMatches(BruteForceOf(input), first);

  // The same group again: it resumes at EOF, reads nothing and writes nothing.
  RunOutcome again = RunEngine(*db->pool, input.path, input.catalog);
  ASSERT_TRUE(again.status.ok()) << again.status.ToString();
  EXPECT_EQ(again.stats.received, 0);
  ExpectSameTables(first, ReadTables(*db->conn));
}

// A run stopped after the first half of a file and resumed once the rest was appended (as a
// live file grows) ends in the tables of one run over the whole file. The first run reads a
// file holding only the first half, so where it stops does not depend on timing.
TEST_F(PipelineTest, TwoHalvesGiveTheTablesOfOneRun) {
  const Input& combined = inputs_->Combined();
  std::string content;
  {
    std::ifstream in(combined.path, std::ios::binary);
    content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // Both runs read the same path: offsets and dead letters name the file by it.
  Input input = combined;
  input.path = (std::filesystem::path(combined.path).parent_path() / "halves.jsonl").string();
  auto write = [&](std::string_view bytes, std::ios::openmode mode) {
    std::ofstream out(input.path, std::ios::binary | mode);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(out.good()) << input.path;
  };
  write(content, std::ios::trunc);
  std::unique_ptr<Database> clean = RunClean("globalmart", input);
  ASSERT_NE(clean, nullptr);
  const Tables expected = ReadTables(*clean->conn);
  const std::vector<Line> all = ReadLines(input.path);

  // The first half: the lines up to and including the newline that ends the middle one.
  size_t split = 0;
  for (size_t newlines = 0; newlines < all.size() / 2; ++split) {
    if (content[split] == '\n') ++newlines;
  }
  write(std::string_view(content).substr(0, split), std::ios::trunc);
  const std::vector<Line> first_half = ReadLines(input.path);
  ASSERT_GT(first_half.size(), 100u);
  ASSERT_LT(first_half.size(), all.size());

  std::unique_ptr<Database> halves = OpenDatabase("halves", input.catalog);
  ASSERT_NE(halves, nullptr);
  RunOutcome first = RunEngine(*halves->pool, input.path, input.catalog,
                               /*stop_after_received=*/static_cast<int64_t>(first_half.size()));
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();
  EXPECT_EQ(first.stats.received, static_cast<int64_t>(first_half.size()));
  {
    pqxx::work tx(halves->conn->pqxx());
    // It resumes right after the first half, and windows are still open (EOF closed nothing).
    EXPECT_EQ(tx.exec1("SELECT next_offset FROM stream_offsets")[0].as<int64_t>(),
              first_half.back().number + 1);
    EXPECT_GT(tx.exec1("SELECT count(*) FROM sales_metrics WHERE NOT is_final")[0].as<int64_t>(),
              0);
  }

  write(std::string_view(content).substr(split), std::ios::app);
  RunOutcome second = RunEngine(*halves->pool, input.path, input.catalog);
  ASSERT_TRUE(second.status.ok()) << second.status.ToString();
  EXPECT_EQ(second.stats.received, static_cast<int64_t>(all.size() - first_half.size()));
  ExpectSameTables(expected, ReadTables(*halves->conn));
}

TEST_F(PipelineTest, ProcessorsTurnedOffLeaveTheirTablesEmpty) {
  const Input& input = inputs_->Generated();
  const Expected all = BruteForceOf(input);
  struct Case {
    const char* database;
    StreamProcessors on;
  };
  const Case cases[] = {
      {"issue_three", {.sales = true, .anomalies = true, .archive = true,
                       .sessions = false, .inventory = false}},
      {"sales_only", {.sales = true, .anomalies = false, .archive = false,
                      .sessions = false, .inventory = false}},
      {"shop_state", {.sales = false, .anomalies = false, .archive = false,
                      .sessions = true, .inventory = true}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.database);
    std::unique_ptr<Database> db = OpenDatabase(c.database, input.catalog);
    ASSERT_NE(db, nullptr);
    StreamConfig config = TestStreamConfig();
    config.processors = c.on;
    RunOutcome run = RunEngine(*db->pool, input.path, input.catalog, 0, config);
    ASSERT_TRUE(run.status.ok()) << run.status.ToString();
    // The enabled processors' tables are those of a run with all of them; the ingestion
    // counts (kafka_metrics) do not depend on which processors read the events.
    Expected e = all;
    if (!c.on.archive) {
      e.transactions.clear();
      e.items.clear();
    }
    if (!c.on.sales) e.sales.clear();
    if (!c.on.anomalies) e.rules.clear();
    if (!c.on.sessions) {
      e.sessions.clear();
      e.abandonments.clear();
    }
    if (!c.on.inventory) {
      e.inventory.clear();
      e.alerts.clear();
    }
    const Tables tables = ReadTables(*db->conn);
    ExpectMatches(e, tables);
    if (!c.on.anomalies) {
      EXPECT_TRUE(tables.anomalies.empty());
    }
    EXPECT_EQ(run.stats.anomalies, static_cast<int64_t>(tables.anomalies.size()));
  }
}

}  // namespace
}  // namespace gm::stream
