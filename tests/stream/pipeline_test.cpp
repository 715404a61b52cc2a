// The stream engine end to end against an independent brute force (DESIGN.md §5–§6): JSONL
// files run through stream::Engine::RunFile into a throw-away PostgreSQL, and every table the
// engine derives from events is compared with what pipeline/brute_force.h computes from the
// same lines by the rules of §6, without calling stream/ code (events::Decoder parses lines and
// bus::PartitionForKey names a key's task; both are tested elsewhere).
//
// Inputs: a clean generated stream; the same stream mutated (local reordering, late copies,
// duplicates within and beyond the dedup horizon, malformed lines, timestamp and number
// spellings, items whose category comes from the catalog or nowhere); a hand-built stream of
// window and lateness boundaries; and their concatenation, also re-run after EOF and run in
// two halves.
//
// This file runs the engine and holds the tests; pipeline/ holds the rest: files_and_rows.h
// (files, the catalog, the rows), brute_force.h, tables.h (reading the database and comparing
// it) and inputs.h.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "../store/test_cluster.h"
#include "common/config.h"
#include "common/time.h"
#include "pipeline/brute_force.h"
#include "pipeline/files_and_rows.h"
#include "pipeline/inputs.h"
#include "pipeline/tables.h"
#include "store/connection.h"
#include "store/migrations.h"
#include "store/pool.h"
#include "stream/catalog_lookup.h"
#include "stream/checkpoint_store.h"
#include "stream/engine.h"

namespace gm::stream {
namespace {

using pipeline_testing::BruteForce;
using pipeline_testing::Counts;
using pipeline_testing::Expected;
using pipeline_testing::ExpectMatches;
using pipeline_testing::ExpectSameTables;
using pipeline_testing::Input;
using pipeline_testing::Inputs;
using pipeline_testing::kMilli;
using pipeline_testing::kSecond;
using pipeline_testing::kTasks;
using pipeline_testing::Line;
using pipeline_testing::ReadLines;
using pipeline_testing::ReadTables;
using pipeline_testing::SalesValue;
using pipeline_testing::Tables;
using pipeline_testing::TestCatalog;
using pipeline_testing::TestStreamConfig;
using store::testing::TestCluster;

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
  std::unique_ptr<Database> RunClean(const std::string& name, const Input& input,
                                     EngineStats* stats = nullptr) {
    std::unique_ptr<Database> db = OpenDatabase(name, input.catalog);
    if (db == nullptr) return nullptr;
    RunOutcome run = RunEngine(*db->pool, input.path, input.catalog);
    EXPECT_TRUE(run.status.ok()) << run.status.ToString();
    if (stats != nullptr) *stats = run.stats;
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
  EngineStats stats;
  std::unique_ptr<Database> db = RunClean("globalmart", input, &stats);
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
  // Products and customers missing from the catalog are processed (above) and counted.
  int64_t unknown_customers = 0;
  for (const auto& [id, t] : e.transactions) {
    unknown_customers += input.catalog.home_country.count(t.user_id) == 0;
  }
  EXPECT_GT(unknown_customers, 10);
  EXPECT_EQ(stats.products_missing_from_catalog, missing);
  EXPECT_EQ(stats.unknown_customers, unknown_customers);
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
  // 42 lines, 41 non-empty; late: T-5, T-W6 and lines 38–41; duplicates: lines 8, 9; dead:
  // lines 32, 33.
  EXPECT_EQ(t.counts, (Counts{41, 39, 2, 6, 2}));
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

  // Lines 34–42: late views, cart events and transactions are left out of sessions and carts;
  // late transactions and inventory updates still change stock, at the watermark (12:05:15).
  const Micros five = noon + 5 * 60 * kSecond;
  const SessionRow& late = t.sessions.at({"S-L", five});
  EXPECT_EQ(late.session_end, five + 20 * kSecond);
  EXPECT_EQ(late.page_views, 2);
  EXPECT_EQ(late.distinct_products_viewed, 1);
  EXPECT_EQ(late.cart_adds, 1);
  EXPECT_EQ(late.purchases, 0);
  EXPECT_EQ(late.total_amount, 0);
  EXPECT_FALSE(late.converted);
  EXPECT_TRUE(late.abandoned);
  // S-L's cart holds the 2 of its one timely add, abandoned at 12:05:10 + 1 min.
  std::vector<CartAbandonmentRow> abandoned;
  for (const auto& [key, row] : t.abandonments) {
    if (std::get<0>(key) == "S-L" || std::get<0>(key) == "S-M") abandoned.push_back(row);
  }
  ASSERT_EQ(abandoned.size(), 1u);
  EXPECT_EQ(abandoned[0].session_id, "S-L");
  EXPECT_EQ(abandoned[0].abandonment_time, five + 70 * kSecond);
  EXPECT_EQ(abandoned[0].products_in_cart, 1);
  EXPECT_EQ(abandoned[0].items_in_cart, 2);
  EXPECT_EQ(abandoned[0].cart_value, 800);
  EXPECT_EQ(abandoned[0].time_in_cart, 0);
  EXPECT_FALSE(abandoned[0].recovered);
  const SessionRow& bought = t.sessions.at({"S-M", five + 15 * kSecond});
  EXPECT_EQ(bought.purchases, 1);
  EXPECT_EQ(bought.total_amount, 600);
  EXPECT_TRUE(bought.converted);
  EXPECT_FALSE(bought.abandoned);
  // P-SHOP: 50 − 1 sold late; its reservation of 2 released at the abandonment.
  EXPECT_EQ(t.inventory.at("P-SHOP").current_stock, 49);
  EXPECT_EQ(t.inventory.at("P-SHOP").reserved_stock, 0);
  EXPECT_EQ(t.inventory.at("P-SHOP").last_event_time, five + 70 * kSecond);
  // P-BUY: 3 reserved, then sold and released by one purchase.
  EXPECT_EQ(t.inventory.at("P-BUY").current_stock, 47);
  EXPECT_EQ(t.inventory.at("P-BUY").reserved_stock, 0);
  EXPECT_EQ(t.inventory.at("P-BUY").last_event_time, five + 25 * kSecond);
  // P-COUNT: the late count of 7 replaces the catalog's 50 at the watermark: alert 1 opens.
  EXPECT_EQ(t.inventory.at("P-COUNT").current_stock, 7);
  EXPECT_EQ(t.inventory.at("P-COUNT").last_event_time, five + 15 * kSecond);
  const LowStockAlertRow& count_alert = t.alerts.at({"P-COUNT", 1});
  EXPECT_EQ(count_alert.status, "open");
  EXPECT_EQ(count_alert.severity, "low");
  EXPECT_EQ(count_alert.available_stock, 7);
  EXPECT_EQ(count_alert.opened_at, five + 15 * kSecond);
  EXPECT_FALSE(t.alerts.contains({"P-SHOP", 1}));
  EXPECT_FALSE(t.alerts.contains({"P-BUY", 1}));
  // The late purchase is not in sales: Shop in [12:05:00, 12:06:00) is T-M1 alone.
  EXPECT_EQ(sales(five, "Shop", "ALL"), (SalesValue{600, 1, 3, true}));
  EXPECT_TRUE(t.transactions.contains("T-L1"));
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
      {"issue_three",
       {.sales = true, .anomalies = true, .archive = true, .sessions = false, .inventory = false}},
      {"sales_only",
       {.sales = true,
        .anomalies = false,
        .archive = false,
        .sessions = false,
        .inventory = false}},
      {"shop_state",
       {.sales = false, .anomalies = false, .archive = false, .sessions = true, .inventory = true}},
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
