#include "brute_force.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../shop_brute_force.h"
#include "bus/partitioner.h"
#include "common/money.h"
#include "events/codec.h"
#include "stream/event_order.h"

namespace gm::stream::pipeline_testing {
namespace {

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

}  // namespace

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

}  // namespace gm::stream::pipeline_testing
