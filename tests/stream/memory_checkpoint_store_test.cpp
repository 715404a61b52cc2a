// MemoryCheckpointStore: the stand-in for PostgreSQL in engine tests, so it must refuse what
// the PostgreSQL store refuses (fencing, bad rows) and keep rows by key. And
// NullCheckpointStore, which drops everything (benchmarks).
#include <gtest/gtest.h>

#include "store_contract.h"
#include "stream/checkpoint_store.h"

namespace gm::stream {
namespace {

CheckpointBatch NewBatch(const std::string& group, int64_t generation) {
  CheckpointBatch b;
  b.consumer_group = group;
  b.generation = generation;
  b.owner = "test";
  return b;
}

void AddTransaction(CheckpointBatch& b, const std::string& id) {
  b.transactions.Text(id).Text("U1").Null().Timestamp(0).Int(100).Int(100).Text("cash");
  b.transactions.Text("US").Null().Null().Null().Bool(false).EndRow();
  b.transaction_items.Text(id).Int16(1).Text("P1").Text("Books").Int32(1).Int(100).EndRow();
}

SalesRow Sales(const std::string& category, int64_t total) {
  SalesRow s;
  s.window_start = 0;
  s.window_end = 60'000'000;
  s.category = category;
  s.country = "US";
  s.total_amount = total;
  return s;
}

TEST(CheckpointBatchTest, ColumnsClearAndNoRows) {
  EXPECT_EQ(TransactionColumns().size(), 12u);
  EXPECT_EQ(TransactionColumns().front(), "transaction_id");
  EXPECT_EQ(TransactionColumns().back(), "amount_mismatch");
  EXPECT_EQ(TransactionItemColumns(),
            (std::vector<std::string>{"transaction_id", "line_no", "product_id", "category",
                                      "quantity", "price_cents"}));
  CheckpointBatch b = NewBatch("g", 3);
  EXPECT_TRUE(b.NoRows());
  b.offsets.push_back({"t", 0, 1});
  b.snapshots[0] = "s";
  EXPECT_TRUE(b.NoRows());  // offsets and snapshots are not rows
  AddTransaction(b, "T1");
  EXPECT_FALSE(b.NoRows());
  b.sales.push_back(Sales("Books", 1));
  b.metrics.emplace_back();
  b.Clear();
  EXPECT_TRUE(b.NoRows());
  EXPECT_TRUE(b.offsets.empty());
  EXPECT_TRUE(b.snapshots.empty());
  EXPECT_EQ(b.transactions.rows(), 0);
  EXPECT_EQ(b.consumer_group, "g");
  EXPECT_EQ(b.generation, 3);
  for (auto* rows : {&b.transactions, &b.transaction_items}) EXPECT_TRUE(rows->status().ok());
  b.anomalies.emplace_back();
  EXPECT_FALSE(b.NoRows());
}

TEST(MemoryCheckpointStoreTest, KeepsTheLatestOffsetsAndSnapshotsPerGroup) {
  MemoryCheckpointStore store;
  Result<RestoredCheckpoint> none = store.Load("g");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->offsets.empty());
  EXPECT_EQ(none->max_generation, 0);

  CheckpointBatch b = NewBatch("g", 2);
  b.offsets = {{"tx", 1, 10}, {"tx", 0, 5}};
  b.snapshots = {{0, std::string("a\0b", 3)}, {1, "one"}};
  ASSERT_TRUE(store.Commit(b).ok());
  b = NewBatch("g", 3);
  b.offsets = {{"tx", 0, 8}};
  b.snapshots = {{1, "two"}};
  ASSERT_TRUE(store.Commit(b).ok());
  CheckpointBatch other = NewBatch("h", 9);
  other.offsets = {{"tx", 0, 99}};
  ASSERT_TRUE(store.Commit(other).ok());

  Result<RestoredCheckpoint> r = store.Load("g");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->offsets, (std::vector<SourceOffset>{{"tx", 0, 8}, {"tx", 1, 10}}));
  EXPECT_EQ(r->snapshots,
            (std::map<int32_t, std::string>{{0, std::string("a\0b", 3)}, {1, "two"}}));
  EXPECT_EQ(r->max_generation, 3);
  EXPECT_EQ(store.Load("h")->max_generation, 9);
  EXPECT_EQ(store.totals().commits, 3);
}

TEST(MemoryCheckpointStoreTest, CompactionReplacesTheSnapshotsItCovers) {
  MemoryCheckpointStore store;
  testing::CheckCompaction(store);
  EXPECT_EQ(store.totals().compactions, 2);
}

TEST(MemoryCheckpointStoreTest, IncrementalSnapshotsFollowTheirFullOneUntilTheNext) {
  MemoryCheckpointStore store;
  testing::CheckIncrementalSnapshots(store);
}

TEST(MemoryCheckpointStoreTest, AnOlderGenerationIsFencedAndNothingOfItApplied) {
  MemoryCheckpointStore store;
  CheckpointBatch owner = NewBatch("g", 5);
  owner.offsets = {{"tx", 0, 10}};
  owner.snapshots = {{1, "five"}};
  ASSERT_TRUE(store.Commit(owner).ok());

  CheckpointBatch old = NewBatch("g", 4);
  old.offsets = {{"tx", 1, 1}, {"tx", 0, 20}};
  AddTransaction(old, "T1");
  old.sales.push_back(Sales("Books", 100));
  old.anomalies.emplace_back().transaction_id = "T1";
  Status s = store.Commit(old);
  ASSERT_EQ(s.code(), ErrorCode::kAborted) << s.ToString();
  EXPECT_NE(s.message().find("tx[0]"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("generation 5"), std::string::npos) << s.message();

  CheckpointBatch old_state = NewBatch("g", 4);
  old_state.snapshots = {{1, "four"}};
  s = store.Commit(old_state);
  ASSERT_EQ(s.code(), ErrorCode::kAborted);
  EXPECT_NE(s.message().find("task 1"), std::string::npos) << s.message();

  Result<RestoredCheckpoint> r = store.Load("g");
  EXPECT_EQ(r->offsets, (std::vector<SourceOffset>{{"tx", 0, 10}}));
  EXPECT_EQ(r->snapshots.at(1), "five");
  EXPECT_EQ(store.totals().commits, 1);
  EXPECT_EQ(store.totals().transactions, 0);
  EXPECT_TRUE(store.SalesTable().empty());
  EXPECT_TRUE(store.Anomalies().empty());

  // The same generation, a newer one, and another group are not fenced.
  ASSERT_TRUE(store.Commit(owner).ok());
  CheckpointBatch newer = NewBatch("g", 6);
  newer.offsets = {{"tx", 0, 30}};
  ASSERT_TRUE(store.Commit(newer).ok());
  EXPECT_TRUE(store.Commit(NewBatch("elsewhere", 1)).ok());
  EXPECT_EQ(store.Load("g")->offsets, (std::vector<SourceOffset>{{"tx", 0, 30}}));
}

TEST(MemoryCheckpointStoreTest, ABadArchiveRowRefusesTheWholeBatch) {
  MemoryCheckpointStore store;
  CheckpointBatch b = NewBatch("g", 1);
  b.offsets = {{"tx", 0, 10}};
  b.sales.push_back(Sales("Books", 100));
  AddTransaction(b, "good");
  AddTransaction(b, std::string("b\0d", 3));
  Status s = store.Commit(b);
  ASSERT_EQ(s.code(), ErrorCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("NUL"), std::string::npos) << s.message();
  EXPECT_TRUE(store.Load("g")->offsets.empty());
  EXPECT_TRUE(store.SalesTable().empty());
  EXPECT_EQ(store.totals().commits, 0);

  CheckpointBatch short_row = NewBatch("g", 1);
  short_row.transaction_items.Text("T").EndRow();
  EXPECT_EQ(store.Commit(short_row).code(), ErrorCode::kInvalidArgument);
}

TEST(MemoryCheckpointStoreTest, KeepsRowsByKeyAndCountsWhatItWasGiven) {
  MemoryCheckpointStore store;
  CheckpointBatch b = NewBatch("g", 1);
  AddTransaction(b, "T1");
  AddTransaction(b, "T2");
  b.sales = {Sales("Books", 100), Sales("Toys", 50), Sales("Books", 150)};
  AnomalyRow a;
  a.transaction_id = "T2";
  a.score = 0.6;
  b.anomalies.push_back(a);
  a.transaction_id = "T1";
  b.anomalies.push_back(a);
  DeadLetterRow d;
  d.topic = "tx";
  d.offset = 7;
  d.reason = "first";
  b.dead_letters.push_back(d);
  ASSERT_TRUE(store.Commit(b).ok());

  // The same rows again, with other values: anomalies and dead letters keep the first,
  // sales rows take the latest.
  b.anomalies[0].score = 0.9;
  b.dead_letters[0].reason = "second";
  b.sales = {Sales("Books", 400)};
  ASSERT_TRUE(store.Commit(b).ok());

  std::vector<SalesRow> sales = store.SalesTable();
  ASSERT_EQ(sales.size(), 2u);
  EXPECT_EQ(sales[0].category, "Books");
  EXPECT_EQ(sales[0].total_amount, 400);
  EXPECT_EQ(sales[1].total_amount, 50);
  std::vector<AnomalyRow> anomalies = store.Anomalies();
  ASSERT_EQ(anomalies.size(), 2u);
  EXPECT_EQ(anomalies[0].transaction_id, "T1");
  EXPECT_EQ(anomalies[1].transaction_id, "T2");
  EXPECT_EQ(anomalies[1].score, 0.6);
  ASSERT_EQ(store.DeadLetters().size(), 1u);
  EXPECT_EQ(store.DeadLetters()[0].reason, "first");

  const MemoryCheckpointStore::Totals t = store.totals();
  EXPECT_EQ(t.commits, 2);
  EXPECT_EQ(t.transactions, 4);
  EXPECT_EQ(t.transaction_items, 4);
  EXPECT_EQ(t.anomalies, 4);
  EXPECT_EQ(t.sales_rows, 4);
  EXPECT_EQ(t.dead_letters, 2);
}

// `stream --null-store` and the processing core's benchmark: accepts everything, keeps
// nothing, so a later run starts afresh.
TEST(NullCheckpointStoreTest, CountsCommitsAndKeepsNothing) {
  NullCheckpointStore store;
  Result<int64_t> first = store.Claim("g", {0, 1}, "test");
  Result<int64_t> second = store.Claim("g", {0, 1}, "test");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_GT(*second, *first);
  CheckpointBatch b = NewBatch("g", *second);
  b.offsets.push_back({"t", 0, 42});
  b.snapshots[0] = "state";
  AddTransaction(b, "T1");
  AddTransaction(b, "T2");
  ASSERT_TRUE(store.Commit(b).ok());
  EXPECT_TRUE(store.Compact("g", 0, *second, 1, "state").ok());
  EXPECT_EQ(store.commits(), 1);
  EXPECT_EQ(store.transactions(), 2);
  Result<RestoredCheckpoint> loaded = store.Load("g");
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->offsets.empty());
  EXPECT_TRUE(loaded->snapshots.empty());
  EXPECT_EQ(loaded->max_generation, 0);
}

}  // namespace
}  // namespace gm::stream
