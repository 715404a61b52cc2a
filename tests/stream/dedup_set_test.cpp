// DedupSet against a brute-force model of its contract: an id is a duplicate when its last
// first-sighting is at or after the cutoff; expiry and snapshots never change an answer.

#include "stream/internal/dedup_set.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace gm::stream::internal {
namespace {

TEST(DedupSetTest, RepeatWithinTheHorizonIsADuplicate) {
  DedupSet set;
  EXPECT_FALSE(set.CheckAndRemember(IdHash("T1"), 100, 0));
  EXPECT_TRUE(set.CheckAndRemember(IdHash("T1"), 150, 100));   // first seen at the cutoff
  EXPECT_FALSE(set.CheckAndRemember(IdHash("T1"), 200, 101));  // first sighting too old: new
  EXPECT_TRUE(set.CheckAndRemember(IdHash("T1"), 210, 200));   // ... and remembered at 200
  EXPECT_FALSE(set.CheckAndRemember(IdHash("T2"), 210, 200));
}

TEST(DedupSetTest, HashesAreStableAndSpread) {
  // Snapshots store the hash: it must not change between builds.
  EXPECT_EQ(IdHash(""), IdHash(""));
  EXPECT_NE(IdHash("T000001"), IdHash("T000002"));
  EXPECT_NE(IdHash("ab"), IdHash("ba"));
}

// The brute-force model: a random stream of ids with out-of-order times and a rising
// watermark; Step feeds one event to `set` and checks its verdict against the last
// first-sighting of each id (expiring every 997th event).
struct DedupModel {
  static constexpr Micros kHorizon = 1000;
  explicit DedupModel(uint64_t seed) : rng(seed) {}
  void Step(DedupSet& set, int i) {
    watermark += static_cast<Micros>(rng() % 3);
    const Micros t = watermark + static_cast<Micros>(rng() % 50) - 25;  // out of order
    const std::string id = "E" + std::to_string(rng() % 5000);
    const Micros cutoff = watermark - kHorizon;
    auto it = first_seen.find(id);
    const bool expected = it != first_seen.end() && it->second >= cutoff;
    if (!expected) first_seen[id] = t;
    ASSERT_EQ(set.CheckAndRemember(IdHash(id), t, cutoff), expected) << "event " << i;
    if (i % 997 == 0) set.Expire(cutoff);
  }
  std::mt19937_64 rng;
  std::map<std::string, Micros> first_seen;  // last first-sighting per id
  Micros watermark = 0;
};

// A set restored from a full snapshot of `set`.
DedupSet SavedAndRestored(const DedupSet& set) {
  std::string snapshot;
  SnapshotWriter w(snapshot);
  set.Save(w);
  DedupSet restored;
  SnapshotReader r(snapshot);
  EXPECT_TRUE(restored.Restore(r).ok());
  EXPECT_TRUE(r.at_end());
  return restored;
}

TEST(DedupSetTest, MatchesABruteForceModelThroughExpiryAndRestore) {
  DedupModel model(7);
  DedupSet set;
  for (int i = 0; i < 200'000; ++i) {
    model.Step(set, i);
    if (HasFatalFailure()) return;
    if (i % 50'000 == 49'999) set = SavedAndRestored(set);
  }
  // Expiry bounds memory: a snapshot holds one horizon of ids (not all 5000), and so does
  // a set restored from it.
  set.Expire(model.watermark - DedupModel::kHorizon);
  EXPECT_LE(SavedAndRestored(set).size(), 3000u);
}

TEST(DedupSetTest, MatchesTheModelThroughIncrementalSnapshots) {
  DedupModel model(11);
  DedupSet set;
  std::string base;
  std::vector<std::string> changes;
  int checkpoints = 0;
  for (int i = 0; i < 200'000; ++i) {
    model.Step(set, i);
    if (HasFatalFailure()) return;
    if (i % 3'001 != 3'000) continue;
    // A checkpoint: full every 10th, else the changes since the previous one.
    ++checkpoints;
    std::string bytes;
    SnapshotWriter w(bytes);
    if (checkpoints % 10 == 1) {
      set.Save(w);
      base = std::move(bytes);
      changes.clear();
    } else {
      set.SaveChanges(w);
      changes.push_back(std::move(bytes));
    }
    set.ClearChanges();
    if (checkpoints % 7 != 6) continue;
    // A restart from this checkpoint: the full snapshot with the changes applied.
    DedupSet restored;
    SnapshotReader r(base);
    ASSERT_TRUE(restored.Restore(r).ok());
    for (const std::string& c : changes) {
      SnapshotReader cr(c);
      ASSERT_TRUE(restored.ApplyChanges(cr).ok());
      EXPECT_TRUE(cr.at_end());
    }
    set = std::move(restored);
  }
  EXPECT_GT(checkpoints, 60);
}

TEST(DedupSetTest, ChecksForgetSightingsOlderThanTheCutoff) {
  // No Expire calls: the table still holds only a few horizons of ids (forgotten ones stay
  // until the table fills up and is rebuilt without them).
  DedupSet set;
  constexpr Micros kHorizon = 1000;
  for (Micros t = 0; t < 100'000; ++t) {
    ASSERT_FALSE(set.CheckAndRemember(IdHash("E" + std::to_string(t)), t, t - kHorizon));
    ASSERT_LE(set.size(), static_cast<size_t>(4 * kHorizon)) << "at " << t;
  }
  // A repeat within the horizon is still found, an older one is new again.
  EXPECT_TRUE(set.CheckAndRemember(IdHash("E99500"), 100'000, 100'000 - kHorizon));
  EXPECT_FALSE(set.CheckAndRemember(IdHash("E98000"), 100'000, 100'000 - kHorizon));
}

TEST(DedupSetTest, CorruptSnapshotIsRefused) {
  std::string snapshot = "\x01\x02";
  SnapshotReader r(snapshot);
  DedupSet set;
  EXPECT_FALSE(set.Restore(r).ok());
}

}  // namespace
}  // namespace gm::stream::internal
