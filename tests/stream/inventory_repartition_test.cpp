// The stock re-partition topic of Kafka mode (DESIGN.md §6 Scale-out): its record encoding,
// and the product stage's dropping of changes a restarted upstream task sends again.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "stream/checkpoint_store.h"
#include "stream/internal/stock_inbox.h"
#include "stream/internal/stock_record.h"
#include "stream/internal/task.h"

namespace gm::stream::internal {
namespace {

constexpr Micros kSec = kMicrosPerSecond;

StockChange Change(Micros time, int32_t partition, int64_t offset, uint32_t sub,
                   std::string product, int64_t sold, int64_t reserved = 0) {
  StockChange c;
  c.key = {.effective_time = time, .topic = 0, .partition = partition, .offset = offset};
  c.sub = sub;
  c.product_id = std::move(product);
  c.category = "Books";
  c.sold = sold;
  c.reserved = reserved;
  return c;
}

// --- Encoding --------------------------------------------------------------------------

TEST(StockRecordTest, ChangesAndWatermarksRoundTrip) {
  std::vector<StockRecord> records;
  StockRecord r;
  r.kind = StockRecord::Kind::kChange;
  r.upstream_task = 5;
  r.change = Change(1'767'225'600 * kSec + 123, 5, 987'654'321'012, 3, "PROD-ü-42", 7, -4);
  r.change.key.topic = 2;
  records.push_back(r);
  r.change = Change(-1, 0, 0, 0, "", 0, INT64_MIN);  // extremes and empty strings
  r.change.category.clear();
  records.push_back(r);
  for (Micros w : {kNoTime, Micros{0}, 1'767'225'600 * kSec, Micros{INT64_MAX}}) {
    StockRecord m;
    m.kind = StockRecord::Kind::kWatermark;
    m.upstream_task = 11;
    m.watermark = w;
    records.push_back(m);
  }
  for (const StockRecord& in : records) {
    std::string bytes;
    EncodeStockRecord(in, bytes);
    EXPECT_EQ(bytes[0], static_cast<char>(kStockRecordVersion));
    StockRecord out;
    ASSERT_TRUE(DecodeStockRecord(bytes, out).ok());
    EXPECT_EQ(out.kind, in.kind);
    EXPECT_EQ(out.upstream_task, in.upstream_task);
    if (in.kind == StockRecord::Kind::kWatermark) {
      EXPECT_EQ(out.watermark, in.watermark);
      continue;
    }
    EXPECT_EQ(out.change.key, in.change.key);
    EXPECT_EQ(out.change.sub, in.change.sub);
    EXPECT_EQ(out.change.product_id, in.change.product_id);
    EXPECT_EQ(out.change.category, in.change.category);
    EXPECT_EQ(out.change.sold, in.change.sold);
    EXPECT_EQ(out.change.reserved, in.change.reserved);
  }
}

TEST(StockRecordTest, RefusesBadRecords) {
  StockRecord r;
  r.change = Change(10 * kSec, 1, 2, 0, "P1", 1);
  std::string good;
  EncodeStockRecord(r, good);
  StockRecord out;
  // Every truncation, including the empty record.
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(DecodeStockRecord(good.substr(0, n), out).ok()) << "length " << n;
  }
  EXPECT_FALSE(DecodeStockRecord(good + "x", out).ok());  // trailing bytes
  std::string version = good;
  version[0] = static_cast<char>(kStockRecordVersion + 1);
  EXPECT_FALSE(DecodeStockRecord(version, out).ok());
  std::string kind = good;
  kind[1] = 'X';
  EXPECT_FALSE(DecodeStockRecord(kind, out).ok());
  EXPECT_FALSE(DecodeStockRecord("not a record", out).ok());
}

// --- The inbox ---------------------------------------------------------------------------

TEST(StockInboxTest, WatermarkIsTheLowestUpstreamOneAndNeverFalls) {
  StockInbox inbox;
  EXPECT_EQ(inbox.LowWatermark(3), kNoTime);
  inbox.OnWatermark(0, 50 * kSec);
  inbox.OnWatermark(2, 40 * kSec);
  EXPECT_EQ(inbox.LowWatermark(3), kNoTime);  // task 1 has not spoken
  inbox.OnWatermark(1, 60 * kSec);
  EXPECT_EQ(inbox.LowWatermark(3), 40 * kSec);
  inbox.OnWatermark(2, 20 * kSec);  // a restarted upstream republishes its older watermark
  EXPECT_EQ(inbox.LowWatermark(3), 40 * kSec);
  inbox.OnWatermark(2, 70 * kSec);
  EXPECT_EQ(inbox.LowWatermark(3), 50 * kSec);
  EXPECT_EQ(inbox.LowWatermark(2), 50 * kSec);
}

TEST(StockInboxTest, AdmitsEachPositionOnce) {
  StockInbox inbox;
  const StockPosition a{{.effective_time = 10 * kSec, .topic = 0, .partition = 1, .offset = 7}, 0};
  StockPosition a1 = a;
  a1.sub = 1;
  StockPosition b = a;
  b.key.offset = 8;
  EXPECT_TRUE(inbox.Admit(a, kNoTime));
  EXPECT_TRUE(inbox.Admit(a1, kNoTime));  // another change of the same event
  EXPECT_TRUE(inbox.Admit(b, kNoTime));
  EXPECT_FALSE(inbox.Admit(a, kNoTime));  // pending: sent again
  EXPECT_FALSE(inbox.Admit(a1, 5 * kSec));
  inbox.Forget(11 * kSec);  // applied: the watermark covers them now
  EXPECT_EQ(inbox.pending(), 0u);
  EXPECT_FALSE(inbox.Admit(a, 11 * kSec));
  EXPECT_FALSE(inbox.Admit(b, 11 * kSec));
  StockPosition later = a;
  later.key.effective_time = 11 * kSec;  // at the watermark: not applied yet
  EXPECT_TRUE(inbox.Admit(later, 11 * kSec));
}

// --- A product stage fed twice, across a snapshot ------------------------------------------

class RepartitionTaskTest : public testing::Test {
 protected:
  RepartitionTaskTest() { catalog_.AddProduct("P1", "Books", 1000, 100); }

  // The product stage's row for P1 after advancing to what the inbox allows.
  static InventoryRow Advance(Task& task, int32_t tasks) {
    CheckpointBatch batch;
    task.AdvanceInventory(task.inbox().LowWatermark(tasks), batch);
    task.CollectLive(batch, /*now=*/0, /*session_live_interval=*/0);
    for (const InventoryRow& row : batch.inventory) {
      if (row.product_id == "P1") return row;
    }
    return {};
  }

  StreamConfig config_;
  CatalogLookup catalog_;
};

TEST_F(RepartitionTaskTest, ChangesSentAgainAreAppliedOnce) {
  constexpr int32_t kTasks = 2;
  auto task = std::make_unique<Task>(1, config_, catalog_);
  const StockChange a = Change(5 * kSec, 0, 100, 0, "P1", 3);
  const StockChange b = Change(12 * kSec, 1, 200, 0, "P1", 2);
  const StockChange b_reserve = Change(12 * kSec, 1, 200, 1, "P1", 0, 4);
  EXPECT_TRUE(task->AcceptStockChange(a));
  EXPECT_TRUE(task->AcceptStockChange(b));
  EXPECT_TRUE(task->AcceptStockChange(b_reserve));
  task->inbox().OnWatermark(0, 10 * kSec);
  task->inbox().OnWatermark(1, 10 * kSec);
  InventoryRow row = Advance(*task, kTasks);
  EXPECT_EQ(row.current_stock, 97);  // a only: b is at 12 s
  EXPECT_EQ(row.reserved_stock, 0);

  // Upstream task 0 restarted from a checkpoint before a: it sends a again (applied, below
  // the watermark), and b (still pending) comes again from task 1.
  EXPECT_FALSE(task->AcceptStockChange(a));
  EXPECT_FALSE(task->AcceptStockChange(b));
  EXPECT_FALSE(task->AcceptStockChange(b_reserve));

  // The product stage itself restarts from its snapshot: pending b and the upstream
  // watermarks come back, so b is refused again, while new work is taken.
  std::string snapshot;
  task->Save({}, snapshot);
  auto restored = std::make_unique<Task>(1, config_, catalog_);
  std::vector<ClockEntry> clocks;
  ASSERT_TRUE(restored->Restore(snapshot, clocks).ok());
  EXPECT_EQ(restored->inbox().LowWatermark(kTasks), 10 * kSec);
  EXPECT_FALSE(restored->AcceptStockChange(a));
  EXPECT_FALSE(restored->AcceptStockChange(b));
  EXPECT_FALSE(restored->AcceptStockChange(b_reserve));
  const StockChange c = Change(13 * kSec, 0, 300, 0, "P1", 1);
  EXPECT_TRUE(restored->AcceptStockChange(c));
  EXPECT_FALSE(restored->AcceptStockChange(c));
  restored->inbox().OnWatermark(0, 5 * kSec);  // task 0's restored watermark: no step back
  EXPECT_EQ(restored->inbox().LowWatermark(kTasks), 10 * kSec);

  restored->inbox().OnWatermark(0, INT64_MAX);
  restored->inbox().OnWatermark(1, INT64_MAX);
  row = Advance(*restored, kTasks);
  EXPECT_EQ(row.current_stock, 100 - 3 - 2 - 1);
  EXPECT_EQ(row.reserved_stock, 4);
  EXPECT_EQ(restored->pending(), 0u);
  EXPECT_EQ(restored->inbox().pending(), 0u);
  EXPECT_FALSE(restored->AcceptStockChange(c));
}

TEST_F(RepartitionTaskTest, VersionTwoSnapshotsStillRestore) {
  auto task = std::make_unique<Task>(0, config_, catalog_);
  ASSERT_TRUE(task->AcceptStockChange(Change(5 * kSec, 0, 1, 0, "P1", 3)));
  task->inbox().OnWatermark(0, 1 * kSec);
  std::string snapshot;
  task->Save({}, snapshot);
  // A version-2 snapshot is this one without the inbox (u32 count, one u32 + i64 entry).
  std::string v2 = snapshot.substr(0, snapshot.size() - (4 + 4 + 8));
  v2[0] = 2;
  auto restored = std::make_unique<Task>(0, config_, catalog_);
  std::vector<ClockEntry> clocks;
  ASSERT_TRUE(restored->Restore(v2, clocks).ok());
  EXPECT_EQ(restored->inbox().LowWatermark(1), kNoTime);  // no upstream watermarks yet
  EXPECT_FALSE(restored->AcceptStockChange(Change(5 * kSec, 0, 1, 0, "P1", 3)));  // pending
  // And an unknown version is refused, not misread.
  std::string v9 = snapshot;
  v9[0] = 9;
  EXPECT_FALSE(restored->Restore(v9, clocks).ok());
}

}  // namespace
}  // namespace gm::stream::internal
