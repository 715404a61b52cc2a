// InventoryTracker against the independent brute force of shop_brute_force.h (DESIGN.md §6
// Inventory): it replays each product's changes on its own and derives the alerts from the
// list of available levels after each change. Random changes, and hand-built ones per edge
// case whose rows are also written out by hand.
#include "stream/processors/inventory.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <ostream>
#include <random>
#include <variant>

#include "shop_brute_force.h"

// The expected rows of the hand-built cases name only the fields that differ from a
// default-constructed row.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace gm::stream {

// Printers for failure messages (found by ADL, so in the rows' namespace).
void PrintTo(const InventoryRow& r, std::ostream* os) {
  *os << "{" << r.product_id << " (" << r.category << "), in catalog " << r.in_catalog << ", task "
      << r.task << ", current " << r.current_stock << ", reserved " << r.reserved_stock << ", at "
      << r.last_event_time << "}";
}
void PrintTo(const LowStockAlertRow& r, std::ostream* os) {
  *os << "{" << r.product_id << " #" << r.alert_no << " " << r.status << " " << r.severity
      << ", task " << r.task << ", available " << r.available_stock << " (lowest "
      << r.lowest_available << "), opened " << r.opened_at << ", updated " << r.updated_at
      << ", resolved " << r.resolved_at << "}";
}

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

testing::BfInventory BruteForce(const std::vector<Change>& changes, const CatalogLookup& catalog,
                                int64_t low, int64_t critical) {
  testing::BfCatalog bf_catalog;
  bf_catalog.initial_stock_of = [&](const std::string& p) { return catalog.InitialStockOf(p); };
  bf_catalog.category_of = [&](const std::string& p) { return std::string(catalog.CategoryOf(p)); };
  std::vector<testing::BfStockChange> list;
  for (const Change& c : changes) {
    testing::BfStockChange& b = list.emplace_back();
    b.time = c.time;
    b.product = c.product;
    if (const auto* s = std::get_if<StockChange>(&c.what)) {
      b.category = s->category;
      b.sold = s->sold;
      b.reserved = s->reserved;
    } else {
      b.update = std::get<events::InventoryUpdate>(c.what);
    }
  }
  return testing::InventoryBruteForce(list, bf_catalog, low, critical);
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
    std::string base;
    std::vector<std::string> increments;
    for (size_t i = 0; i < changes.size(); ++i) {
      const Change& c = changes[i];
      if (const auto* s = std::get_if<StockChange>(&c.what)) {
        tracker.ApplyChange(*s, out);
      } else {
        tracker.ApplyUpdate(std::get<events::InventoryUpdate>(c.what), c.time, out);
      }
      if (i % 37 == 0) tracker.Collect(rows);  // live rows along the way
      if (i == 100) {                          // and a snapshot round trip
        base.clear();
        SnapshotWriter w(base);
        tracker.Save(w);
        tracker.ClearChanges();
        SnapshotReader r(base);
        ASSERT_TRUE(tracker.Restore(r).ok());
      }
      if (i == 104 || i == 108 || i == 111) {  // incremental snapshots after it
        std::string& bytes = increments.emplace_back();
        SnapshotWriter w(bytes);
        tracker.SaveChanges(w);
        tracker.ClearChanges();
      }
      if (i == 111) {  // a restart from the full snapshot and the changes (just collected)
        SnapshotReader r(base);
        ASSERT_TRUE(tracker.Restore(r).ok());
        for (const std::string& bytes : increments) {
          SnapshotReader cr(bytes);
          ASSERT_TRUE(tracker.ApplyChanges(cr).ok());
          EXPECT_TRUE(cr.at_end());
        }
      }
    }
    tracker.Collect(rows);
    const testing::BfInventory e = BruteForce(changes, catalog, 10, 5);
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

// --- Hand-built changes, one per edge case ---------------------------------------------------

constexpr Micros kT0 = 1'700'000'000 * kSec;
constexpr Micros At(int64_t seconds) { return kT0 + seconds * kSec; }

Change Sale(Micros t, const std::string& product, int64_t sold) {
  StockChange s;
  s.key.effective_time = t;
  s.product_id = product;
  s.sold = sold;
  return {t, product, s};
}
Change Reservation(Micros t, const std::string& product, int64_t reserved) {
  StockChange s;
  s.key.effective_time = t;
  s.product_id = product;
  s.reserved = reserved;
  return {t, product, s};
}
Change Restock(Micros t, const std::string& product, int64_t change) {
  events::InventoryUpdate u;
  u.product_id = product;
  u.change = change;
  return {t, product, u};
}
Change Count(Micros t, const std::string& product, int64_t stock) {
  events::InventoryUpdate u;
  u.product_id = product;
  u.stock = stock;
  return {t, product, u};
}

struct Applied {
  std::map<std::string, InventoryRow> inventory;
  std::vector<LowStockAlertRow> alert_rows;  //!< every alert row, as written
};

// `changes` applied by a tracker of task 0 (low 10, critical 5), after checking its rows
// against the brute force.
Applied ApplyAll(const std::vector<Change>& changes, const CatalogLookup& catalog) {
  InventoryTracker tracker({.low = 10, .critical = 5}, catalog, 0);
  Applied a;
  InventoryTracker::Output out{a.alert_rows};
  for (const Change& c : changes) {
    if (const auto* s = std::get_if<StockChange>(&c.what)) {
      tracker.ApplyChange(*s, out);
    } else {
      tracker.ApplyUpdate(std::get<events::InventoryUpdate>(c.what), c.time, out);
    }
  }
  std::vector<InventoryRow> rows;
  tracker.Collect(rows);
  for (const InventoryRow& r : rows) a.inventory[r.product_id] = r;
  const testing::BfInventory e = BruteForce(changes, catalog, 10, 5);
  EXPECT_EQ(a.inventory, e.inventory);
  std::map<std::pair<std::string, int32_t>, LowStockAlertRow> alerts;
  for (const LowStockAlertRow& r : a.alert_rows) alerts[{r.product_id, r.alert_no}] = r;
  EXPECT_EQ(alerts, e.alerts);
  return a;
}

// g. Initial stock 12 (no alert); sales bring available to 8 (alert 1 opens, low), then 3
// (updated, critical); a restock of 20 resolves it; a later drop opens alert 2 — never two
// open at once.
TEST(InventoryTrackerTest, ARestockResolvesTheAlertAndALaterDropOpensTheNextOne) {
  CatalogLookup catalog;
  catalog.AddProduct("p", "garden", 1000, 12);
  const Applied a = ApplyAll(
      {Sale(At(1), "p", 4), Sale(At(2), "p", 5), Restock(At(3), "p", 20), Sale(At(4), "p", 15)},
      catalog);
  EXPECT_EQ(a.inventory.at("p"), (InventoryRow{.product_id = "p",
                                               .category = "garden",
                                               .in_catalog = true,
                                               .current_stock = 12 - 4 - 5 + 20 - 15,
                                               .last_event_time = At(4)}));
  const LowStockAlertRow opened{.product_id = "p",
                                .alert_no = 1,
                                .status = "open",
                                .severity = "low",
                                .available_stock = 8,
                                .lowest_available = 8,
                                .opened_at = At(1),
                                .updated_at = At(1)};
  const LowStockAlertRow updated{.product_id = "p",
                                 .alert_no = 1,
                                 .status = "updated",
                                 .severity = "critical",
                                 .available_stock = 3,
                                 .lowest_available = 3,
                                 .opened_at = At(1),
                                 .updated_at = At(2)};
  const LowStockAlertRow resolved{.product_id = "p",
                                  .alert_no = 1,
                                  .status = "resolved",
                                  .severity = "critical",
                                  .available_stock = 23,
                                  .lowest_available = 3,
                                  .opened_at = At(1),
                                  .updated_at = At(3),
                                  .resolved_at = At(3)};
  const LowStockAlertRow next{.product_id = "p",
                              .alert_no = 2,
                              .status = "open",
                              .severity = "low",
                              .available_stock = 8,
                              .lowest_available = 8,
                              .opened_at = At(4),
                              .updated_at = At(4)};
  EXPECT_EQ(a.alert_rows, (std::vector<LowStockAlertRow>{opened, updated, resolved, next}));
}

// h. An absolute count overrides the catalog's initial stock and later deltas apply on top of
// it; oversold stock is recorded as a negative level, not hidden. Product a: initial 100,
// 2 sold, counted 6 (alert opens), +3, 12 sold (−3), 1 reserved (available −4). Product b:
// its first change is a count of 50, so its catalog stock of 3 is never a level (no alert).
TEST(InventoryTrackerTest, AnAbsoluteCountOverridesTheInitialStockAndDeltasApplyOnTop) {
  CatalogLookup catalog;
  catalog.AddProduct("a", "toys", 500, 100);
  catalog.AddProduct("b", "toys", 500, 3);
  const Applied r = ApplyAll(
      {Sale(At(1), "a", 2), Count(At(2), "a", 6), Restock(At(3), "a", 3), Sale(At(4), "a", 12),
       Reservation(At(5), "a", 1), Count(At(6), "b", 50), Sale(At(7), "b", 1)},
      catalog);
  EXPECT_EQ(r.inventory.at("a"), (InventoryRow{.product_id = "a",
                                               .category = "toys",
                                               .in_catalog = true,
                                               .current_stock = -3,
                                               .reserved_stock = 1,
                                               .last_event_time = At(5)}));
  EXPECT_EQ(r.inventory.at("a").available(), -4);
  EXPECT_EQ(r.inventory.at("b"), (InventoryRow{.product_id = "b",
                                               .category = "toys",
                                               .in_catalog = true,
                                               .current_stock = 49,
                                               .last_event_time = At(7)}));
  auto alert = [](const char* status, const char* severity, int64_t available, int64_t lowest,
                  Micros updated) {
    return LowStockAlertRow{.product_id = "a",
                            .alert_no = 1,
                            .status = status,
                            .severity = severity,
                            .available_stock = available,
                            .lowest_available = lowest,
                            .opened_at = At(2),
                            .updated_at = updated};
  };
  EXPECT_EQ(r.alert_rows, (std::vector<LowStockAlertRow>{
                              alert("open", "low", 6, 6, At(2)),
                              alert("updated", "low", 9, 6, At(3)),
                              alert("updated", "critical", -3, -3, At(4)),
                              alert("updated", "critical", -4, -4, At(5)),
                          }));
}

}  // namespace
}  // namespace gm::stream
