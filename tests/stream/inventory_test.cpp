// InventoryTracker against an independent brute force (DESIGN.md §6 Inventory): the brute
// force replays each product's changes on its own and derives the alerts from the list of
// available levels after each change.
#include "stream/processors/inventory.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <variant>

namespace gm::stream {
namespace {

constexpr Micros kSec = kMicrosPerSecond;

struct Change {
  Micros time = 0;
  std::string product;
  std::variant<StockChange, events::InventoryUpdate> what;
};

std::vector<Change> RandomChanges(uint32_t seed, int n) {
  std::mt19937 rng(seed);
  auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<uint32_t>(k)); };
  std::vector<Change> out;
  Micros t = 1'700'000'000 * kSec;
  for (int i = 0; i < n; ++i) {
    t += pick(3) * kSec;  // equal times too
    Change c;
    c.time = t;
    c.product = "p" + std::to_string(pick(6));
    const int kind = pick(10);
    if (kind < 6) {
      StockChange s;
      s.key = {.effective_time = t, .topic = 0, .partition = 0, .offset = i};
      s.product_id = c.product;
      s.category = "from-event";
      if (kind < 3) s.sold = 1 + pick(4);
      if (kind >= 2) s.reserved = pick(7) - 3;
      c.what = s;
    } else {
      events::InventoryUpdate u;
      u.event_id = "i" + std::to_string(i);
      u.product_id = c.product;
      if (kind < 9) {
        u.change = pick(25) - 5;
      } else {
        u.stock = pick(15);
      }
      c.what = u;
    }
    out.push_back(std::move(c));
  }
  return out;
}

struct Expected {
  std::map<std::string, InventoryRow> inventory;
  std::map<std::pair<std::string, int32_t>, LowStockAlertRow> alerts;
};

Expected BruteForce(const std::vector<Change>& changes, const CatalogLookup& catalog,
                    int64_t low, int64_t critical) {
  Expected e;
  std::map<std::string, std::vector<const Change*>> per_product;
  for (const Change& c : changes) per_product[c.product].push_back(&c);
  for (const auto& [product, list] : per_product) {
    // The levels after each change, with their times; the initial stock counts as a
    // change unless an absolute count comes first.
    std::vector<std::pair<Micros, int64_t>> levels;
    InventoryRow row;
    row.product_id = product;
    const std::optional<int64_t> initial = catalog.InitialStockOf(product);
    row.in_catalog = initial.has_value();
    row.current_stock = initial.value_or(0);
    row.category = std::string(catalog.CategoryOf(product));
    const auto* first = std::get_if<events::InventoryUpdate>(&list.front()->what);
    if (!(first != nullptr && first->stock)) {
      levels.emplace_back(list.front()->time, row.available());
    }
    for (const Change* c : list) {
      if (const auto* s = std::get_if<StockChange>(&c->what)) {
        if (row.category.empty()) row.category = s->category;
        row.current_stock -= s->sold;
        row.reserved_stock += s->reserved;
      } else {
        const auto& u = std::get<events::InventoryUpdate>(c->what);
        row.current_stock = u.stock ? *u.stock : row.current_stock + *u.change;
      }
      row.last_event_time = c->time;
      levels.emplace_back(c->time, row.available());
    }
    e.inventory[product] = row;
    // Alerts: runs of consecutive levels below `low`.
    int32_t n = 0;
    std::optional<LowStockAlertRow> open;
    for (size_t i = 0; i < levels.size(); ++i) {
      const auto [time, available] = levels[i];
      if (available < low) {
        if (!open) {
          open = LowStockAlertRow{};
          open->product_id = product;
          open->alert_no = ++n;
          open->status = "open";
          open->available_stock = open->lowest_available = available;
          open->opened_at = open->updated_at = time;
          open->severity = available < critical ? "critical" : "low";
        } else if (available != open->available_stock) {
          open->status = "updated";
          open->available_stock = available;
          open->lowest_available = std::min(open->lowest_available, available);
          open->updated_at = time;
          open->severity = available < critical ? "critical" : "low";
        }
        e.alerts[{product, open->alert_no}] = *open;
      } else if (open) {
        open->status = "resolved";
        open->available_stock = available;
        open->updated_at = open->resolved_at = time;
        e.alerts[{product, open->alert_no}] = *open;
        open.reset();
      }
    }
  }
  return e;
}

TEST(InventoryTrackerTest, MatchesBruteForceOnRandomChanges) {
  CatalogLookup catalog;
  catalog.AddProduct("p0", "garden", 1000, 12);
  catalog.AddProduct("p1", "toys", 500, 3);
  catalog.AddProduct("p2", "books", 500, 100);
  // p3..p5 are missing from the catalog: they start at 0.
  int64_t alerts = 0, resolved = 0, critical = 0;
  for (uint32_t seed = 1; seed <= 80; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const std::vector<Change> changes = RandomChanges(seed, 200);
    InventoryTracker tracker({.low = 10, .critical = 5}, catalog, 2);
    std::vector<LowStockAlertRow> alert_rows;
    InventoryTracker::Output out{alert_rows};
    std::vector<InventoryRow> rows;
    for (size_t i = 0; i < changes.size(); ++i) {
      const Change& c = changes[i];
      if (const auto* s = std::get_if<StockChange>(&c.what)) {
        tracker.ApplyChange(*s, out);
      } else {
        tracker.ApplyUpdate(std::get<events::InventoryUpdate>(c.what), c.time, out);
      }
      if (i % 37 == 0) tracker.Collect(rows);  // live rows along the way
      if (i == 100) {  // and a snapshot round trip
        std::string bytes;
        SnapshotWriter w(bytes);
        tracker.Save(w);
        SnapshotReader r(bytes);
        ASSERT_TRUE(tracker.Restore(r).ok());
      }
    }
    tracker.Collect(rows);
    const Expected e = BruteForce(changes, catalog, 10, 5);
    std::map<std::string, InventoryRow> inventory;
    for (InventoryRow& r : rows) {
      EXPECT_EQ(r.task, 2);
      r.task = 0;
      inventory[r.product_id] = r;
    }
    EXPECT_EQ(inventory, e.inventory);
    std::map<std::pair<std::string, int32_t>, LowStockAlertRow> got;
    for (LowStockAlertRow& r : alert_rows) {
      r.task = 0;
      got[{r.product_id, r.alert_no}] = r;
    }
    EXPECT_EQ(got, e.alerts);
    // Never two open alerts for one product.
    std::map<std::string, int> open;
    for (const auto& [key, r] : got) open[key.first] += r.status != "resolved";
    for (const auto& [product, n] : open) EXPECT_LE(n, 1) << product;
    if (HasFailure()) return;
    for (const auto& [key, r] : got) {
      ++alerts;
      resolved += r.status == "resolved";
      critical += r.severity == "critical";
    }
  }
  EXPECT_GT(alerts, 500);
  EXPECT_GT(resolved, 200);
  EXPECT_GT(critical, 100);
}

TEST(InventoryTrackerTest, MissingProductsStartAtZeroOrTheirFirstStockCount) {
  CatalogLookup catalog;
  InventoryTracker tracker({.low = 10, .critical = 5}, catalog, 0);
  std::vector<LowStockAlertRow> alerts;
  InventoryTracker::Output out{alerts};
  events::InventoryUpdate count;
  count.product_id = "new";
  count.stock = 50;
  tracker.ApplyUpdate(count, 1 * kSec, out);
  StockChange sale;
  sale.product_id = "unknown";
  sale.sold = 2;
  sale.key.effective_time = 2 * kSec;
  tracker.ApplyChange(sale, out);
  std::vector<InventoryRow> rows;
  tracker.Collect(rows);
  ASSERT_EQ(rows.size(), 2u);
  std::map<std::string, InventoryRow> by_id;
  for (const InventoryRow& r : rows) by_id[r.product_id] = r;
  EXPECT_EQ(by_id["new"].current_stock, 50);
  EXPECT_FALSE(by_id["new"].in_catalog);
  EXPECT_EQ(by_id["unknown"].current_stock, -2) << "oversold is recorded, not hidden";
  // "new" never went below 10; "unknown" opened critical at 0, updated at -2.
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].status, "open");
  EXPECT_EQ(alerts[0].available_stock, 0);
  EXPECT_EQ(alerts[1].status, "updated");
  EXPECT_EQ(alerts[1].available_stock, -2);
  EXPECT_EQ(alerts[1].severity, "critical");
}

}  // namespace
}  // namespace gm::stream
