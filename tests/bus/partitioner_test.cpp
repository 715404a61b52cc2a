// Murmur2/PartitionForKey must agree bit for bit with Kafka's Java client and librdkafka,
// or keys would land in different partitions than other producers put them.

#include "bus/partitioner.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <random>
#include <string>

namespace gm::bus {
namespace {

struct Vector {
  const char* key;
  uint32_t hash;
};

// librdkafka src/rdmurmur2.c, unittest_murmur2 (java_murmur2_results): the same key
// strings at several alignments, and the empty key.
constexpr Vector kLibrdkafkaVectors[] = {
    {"kafka", 0xd067cf64},
    {"giberish123456789", 0x8f552b0c},
    {"1234", 0x9fc97b14},
    {"234", 0xe7c009ca},
    {"34", 0x873930da},
    {"4", 0x5a4b5ca1},
    {"PreAmbleWillBeRemoved,ThePrePartThatIs", 0x78424f1c},
    {"reAmbleWillBeRemoved,ThePrePartThatIs", 0x4a62b377},
    {"eAmbleWillBeRemoved,ThePrePartThatIs", 0xe0e4e09e},
    {"AmbleWillBeRemoved,ThePrePartThatIs", 0x62b8b43f},
    {"", 0x106e08d9},
};

// Apache Kafka clients/src/test/.../utils/UtilsTest.java, testMurmur2 (signed ints).
struct JavaVector {
  const char* key;
  int32_t hash;
};
constexpr JavaVector kJavaVectors[] = {
    {"21", -973932308},
    {"foobar", -790332482},
    {"a-little-bit-long-string", -985981536},
    {"a-little-bit-longer-string", -1486304829},
    {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
    {"abc", 479470107},
};

TEST(Murmur2Test, MatchesLibrdkafkaVectors) {
  for (const Vector& v : kLibrdkafkaVectors) {
    EXPECT_EQ(Murmur2(v.key), v.hash) << "key '" << v.key << "'";
  }
}

TEST(Murmur2Test, MatchesJavaClientVectors) {
  for (const JavaVector& v : kJavaVectors) {
    EXPECT_EQ(static_cast<int32_t>(Murmur2(v.key)), v.hash) << "key '" << v.key << "'";
  }
}

TEST(Murmur2Test, HashesBytesNotCharacters) {
  // High bytes must be read unsigned, and a NUL is an ordinary byte.
  const std::string with_nul("a\0b", 3);
  EXPECT_NE(Murmur2(with_nul), Murmur2("a"));
  EXPECT_EQ(Murmur2("\xff\xfe\xfd"), Murmur2(std::string("\xff\xfe\xfd")));
}

TEST(PartitionForKeyTest, ClearsTheSignBitThenTakesTheModulus) {
  // Java: Utils.toPositive(murmur2("foobar")) % 50 == 16.
  EXPECT_EQ(PartitionForKey("foobar", 50), 16);
  for (const JavaVector& v : kJavaVectors) {
    for (int32_t n : {1, 2, 3, 6, 7, 12, 100, 1000}) {
      int32_t expected = static_cast<int32_t>((static_cast<uint32_t>(v.hash) & 0x7fffffffu) %
                                              static_cast<uint32_t>(n));
      EXPECT_EQ(PartitionForKey(v.key, n), expected) << v.key << " over " << n;
    }
  }
}

// librdkafka exports its partitioner; for a non-NULL key it never looks at the topic.
TEST(PartitionForKeyTest, AgreesWithLibrdkafkasMurmur2RandomPartitioner) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> length(1, 64);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 100'000; ++i) {
    std::string key(static_cast<size_t>(length(rng)), '\0');
    for (char& c : key) c = static_cast<char>(byte(rng));
    for (int32_t n : {1, 4, 6, 7, 24, 97}) {
      int32_t theirs = rd_kafka_msg_partitioner_murmur2_random(nullptr, key.data(), key.size(), n,
                                                               nullptr, nullptr);
      ASSERT_EQ(PartitionForKey(key, n), theirs) << "key #" << i << " over " << n;
    }
  }
}

}  // namespace
}  // namespace gm::bus
