// AnomalyDetector snapshots: full and incremental ones restored mid-stream score exactly like
// the detector that wrote them, and corrupt ones are refused.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "anomaly_detector_test.h"
#include "stream/processors/anomaly_detector.h"

namespace gm::stream::anomaly_test {
namespace {

bool SameRows(const std::vector<AnomalyRow>& a, const std::vector<AnomalyRow>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].transaction_id != b[i].transaction_id || a[i].score != b[i].score ||
        a[i].types != b[i].types || a[i].description != b[i].description ||
        a[i].total_amount != b[i].total_amount || a[i].event_time != b[i].event_time) {
      return false;
    }
  }
  return true;
}

// Scores txs[from..] with both detectors (expiring every 5th), asserting bit-exact scores
// and equal tracked users throughout; rows go to rows_a and rows_b.
void ScoreBoth(AnomalyDetector& original, AnomalyDetector& restored,
               const std::vector<events::Transaction>& txs, size_t from,
               std::vector<AnomalyRow>& rows_a, std::vector<AnomalyRow>& rows_b) {
  for (size_t i = from; i < txs.size(); ++i) {
    if (i % 5 == 0) {
      original.Expire(txs[i].timestamp);
      restored.Expire(txs[i].timestamp);
      ASSERT_EQ(original.tracked_users(), restored.tracked_users());
    }
    const double a = original.Score(txs[i], txs[i].timestamp, rows_a);
    const double b = restored.Score(txs[i], txs[i].timestamp, rows_b);
    ASSERT_EQ(a, b) << i;  // bit-exact
  }
}

TEST_F(AnomalyDetectorTest, SaveRestoreMidStreamScoresIdentically) {
  CatalogLookup catalog;
  std::map<std::string, std::string> homes;
  const std::vector<events::Transaction> txs = RandomStream(7, 3000, catalog, homes);
  AnomalyDetector::Options options;
  options.baseline_ttl = 120 * kSec;  // so users are forgotten (and come back) on the way
  AnomalyDetector original(options, catalog);
  std::vector<AnomalyRow> rows;
  for (size_t i = 0; i < 1500; ++i) {
    if (i % 5 == 0) original.Expire(txs[i].timestamp);
    original.Score(txs[i], txs[i].timestamp, rows);
  }
  original.Expire(txs[1500].timestamp);

  std::string snapshot;
  SnapshotWriter writer(snapshot);
  original.Save(writer);
  AnomalyDetector restored(options, catalog);
  restored.Score(Spend("stale", kT0, 100), kT0, rows);  // replaced by Restore
  SnapshotReader reader(snapshot);
  ASSERT_TRUE(restored.Restore(reader).ok());
  EXPECT_TRUE(reader.at_end());
  EXPECT_EQ(restored.tracked_users(), original.tracked_users());
  std::string again;
  SnapshotWriter again_writer(again);
  restored.Save(again_writer);
  EXPECT_EQ(again.size(), snapshot.size()) << "the restored state saves the same entries";

  std::vector<AnomalyRow> rows_a, rows_b;
  int64_t statistical = 0;
  ScoreBoth(original, restored, txs, 1500, rows_a, rows_b);
  if (HasFatalFailure()) return;
  for (const AnomalyRow& row : rows_a) {
    statistical += std::count(row.types.begin(), row.types.end(), "statistical");
  }
  EXPECT_TRUE(SameRows(rows_a, rows_b));
  EXPECT_GT(statistical, 10) << "the statistical path was exercised";
}

// Incremental checkpoints: a full snapshot, then the changes (users scored, forgotten and
// back) every 100 transactions; the full one plus the changes must score like the original.
TEST_F(AnomalyDetectorTest, IncrementalSnapshotsRestoreMidStreamScoresIdentically) {
  CatalogLookup catalog;
  std::map<std::string, std::string> homes;
  const std::vector<events::Transaction> txs = RandomStream(11, 3000, catalog, homes);
  AnomalyDetector::Options options;
  options.baseline_ttl = 120 * kSec;  // so users are forgotten (and come back) on the way
  AnomalyDetector original(options, catalog);
  std::vector<AnomalyRow> rows;
  std::string base;
  std::vector<std::string> changes;
  for (size_t i = 0; i < 1700; ++i) {
    if (i % 5 == 0) original.Expire(txs[i].timestamp);
    original.Score(txs[i], txs[i].timestamp, rows);
    if (i % 100 != 50) continue;
    std::string bytes;
    SnapshotWriter writer(bytes);
    if (base.empty()) {
      original.Save(writer);
      base = std::move(bytes);
    } else {
      original.SaveChanges(writer);
      changes.push_back(std::move(bytes));
    }
    original.ClearChanges();
  }
  original.Expire(txs[1700].timestamp);
  {
    std::string bytes;
    SnapshotWriter writer(bytes);
    original.SaveChanges(writer);
    changes.push_back(std::move(bytes));
  }
  AnomalyDetector restored(options, catalog);
  SnapshotReader reader(base);
  ASSERT_TRUE(restored.Restore(reader).ok());
  for (const std::string& c : changes) {
    SnapshotReader cr(c);
    ASSERT_TRUE(restored.ApplyChanges(cr).ok());
    EXPECT_TRUE(cr.at_end());
  }
  EXPECT_EQ(restored.tracked_users(), original.tracked_users());

  std::vector<AnomalyRow> rows_a, rows_b;
  ScoreBoth(original, restored, txs, 1700, rows_a, rows_b);
  if (HasFatalFailure()) return;
  EXPECT_TRUE(SameRows(rows_a, rows_b));
}

TEST_F(AnomalyDetectorTest, RestoreRejectsCorruptSnapshots) {
  AnomalyDetector detector({}, catalog_);
  for (int i = 0; i < 6; ++i) detector.Score(Spend("u", kT0 + i, 100), kT0 + i, rows_);
  std::string snapshot;
  SnapshotWriter writer(snapshot);
  detector.Save(writer);

  for (size_t n = 0; n < snapshot.size(); ++n) {
    AnomalyDetector r({}, catalog_);
    r.Score(Spend("a", kT0, 100), kT0, rows_);
    r.Score(Spend("b", kT0, 100), kT0, rows_);
    SnapshotReader reader(std::string_view(snapshot).substr(0, n));
    EXPECT_EQ(r.Restore(reader).code(), ErrorCode::kInvalidArgument) << "truncated at " << n;
    EXPECT_EQ(r.tracked_users(), 2u) << "a failed restore leaves the state alone";
  }
  std::string bad = snapshot;
  bad[0] = 2;
  AnomalyDetector r({}, catalog_);
  SnapshotReader reader(bad);
  const Status s = r.Restore(reader);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("version"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace gm::stream::anomaly_test
