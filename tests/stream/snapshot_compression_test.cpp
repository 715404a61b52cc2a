#include "stream/internal/snapshot_compression.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace gm::stream::internal {
namespace {

std::string Restored(const std::string& stored) {
  std::string out = "leftover";
  Status s = DecompressSnapshot(stored, out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(SnapshotCompressionTest, RoundTripsAndShrinksSnapshotLikeBytes) {
  // Ids, JSON and small counters, like a task snapshot.
  std::string raw;
  for (int i = 0; i < 20'000; ++i) {
    raw += "{\"user_id\":\"u" + std::to_string(i % 977) + "\",\"price\":" + std::to_string(i) + "}";
    raw += std::string(1, static_cast<char>(i & 7));
  }
  std::string stored;
  CompressSnapshot(raw, stored);
  EXPECT_LT(stored.size() * 3, raw.size()) << "snapshot-like bytes shrink at least 3×";
  EXPECT_EQ(Restored(stored), raw);

  std::string random(1 << 16, '\0');
  std::mt19937_64 rng(1);
  for (char& c : random) c = static_cast<char>(rng());
  CompressSnapshot(random, stored);
  EXPECT_EQ(Restored(stored), random);
  CompressSnapshot("", stored);
  EXPECT_EQ(Restored(stored), "");
}

TEST(SnapshotCompressionTest, UncompressedSnapshotsReadAsTheyAre) {
  // Written before compression: a full snapshot starts with its version, changes with 0x43.
  for (const std::string& legacy :
       {std::string("\x03rest", 5), std::string("\x43rest", 5), std::string(), std::string("ab")}) {
    EXPECT_EQ(Restored(legacy), legacy);
  }
}

TEST(SnapshotCompressionTest, ABrokenFrameIsAnError) {
  std::string stored;
  CompressSnapshot(std::string(100'000, 'x'), stored);
  stored.resize(stored.size() / 2);
  std::string out;
  Status s = DecompressSnapshot(stored, out);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("zstd"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace gm::stream::internal
