// IdTable against std::map through random inserts, lookups and erasures (index reuse and
// backward-shift deletion included).

#include "stream/processors/id_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace gm::stream {
namespace {

TEST(IdTableTest, FindsWhatWasInsertedUntilErased) {
  IdTable<int> table;
  EXPECT_EQ(table.Find("U1"), IdTable<int>::kNone);
  const uint32_t a = table.Insert("U1");
  table.value(a) = 7;
  const uint32_t b = table.Insert("U2");
  EXPECT_NE(a, b);
  EXPECT_EQ(table.Find("U1"), a);
  EXPECT_EQ(table.value(table.Find("U1")), 7);
  EXPECT_EQ(table.id(b), "U2");
  EXPECT_EQ(table.size(), 2u);
  table.Erase(a);
  EXPECT_EQ(table.Find("U1"), IdTable<int>::kNone);
  EXPECT_EQ(table.Find("U2"), b);
  // An erased index is reused, with a fresh value.
  const uint32_t c = table.Insert("U3");
  EXPECT_EQ(c, a);
  EXPECT_EQ(table.value(c), 0);
  EXPECT_EQ(table.size(), 2u);
}

TEST(IdTableTest, MatchesAMapThroughRandomInsertsAndErasures) {
  std::mt19937_64 rng(11);
  IdTable<int64_t> table;
  std::map<std::string, int64_t> model;
  for (int i = 0; i < 300'000; ++i) {
    const std::string id = "U" + std::to_string(rng() % 20'000);
    const uint32_t found = table.Find(id);
    auto it = model.find(id);
    ASSERT_EQ(found != IdTable<int64_t>::kNone, it != model.end()) << "step " << i;
    if (it != model.end()) {
      ASSERT_EQ(table.value(found), it->second);
      ASSERT_EQ(table.id(found), id);
      if (rng() % 2 == 0) {
        table.Erase(found);
        model.erase(it);
      } else {
        table.value(found) = ++it->second;
      }
    } else {
      table.value(table.Insert(id)) = i;
      model[id] = i;
    }
    ASSERT_EQ(table.size(), model.size());
  }
  std::map<std::string, int64_t> walked;
  table.ForEach([&](uint32_t index, std::string_view id, int64_t value) {
    EXPECT_EQ(table.Find(id), index);
    walked[std::string(id)] = value;
  });
  EXPECT_EQ(walked, model);
}

// Prefetching is only a hint: on an empty table, for an absent id and for a present one
// it changes nothing.
TEST(IdTableTest, PrefetchChangesNothing) {
  IdTable<int> table;
  table.PrefetchSlot("a");
  table.PrefetchEntry("a");
  const uint32_t a = table.Insert("a");
  table.value(a) = 7;
  table.PrefetchSlot("a");
  table.PrefetchEntry("a");
  table.PrefetchSlot("b");
  table.PrefetchEntry("b");
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.Find("a"), a);
  EXPECT_EQ(table.value(a), 7);
  EXPECT_EQ(table.Find("b"), IdTable<int>::kNone);
}

}  // namespace
}  // namespace gm::stream
