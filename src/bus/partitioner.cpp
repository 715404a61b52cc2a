#include "bus/partitioner.h"

#include <cassert>

namespace gm::bus {

// MurmurHash2 (Austin Appleby) as Kafka's Java client computes it: seed 0x9747b28c, the
// key read as little-endian 32-bit words whatever the host's byte order, and the tail
// folded in byte by byte. Any deviation would send keys to different partitions than Java
// producers and librdkafka's murmur2 partitioners, breaking co-partitioning.
uint32_t Murmur2(std::string_view key) {
  constexpr uint32_t kSeed = 0x9747b28c;
  constexpr uint32_t kM = 0x5bd1e995;
  constexpr int kR = 24;

  const auto* data = reinterpret_cast<const unsigned char*>(key.data());
  size_t len = key.size();
  uint32_t h = kSeed ^ static_cast<uint32_t>(len);

  while (len >= 4) {
    uint32_t k = static_cast<uint32_t>(data[0]) | (static_cast<uint32_t>(data[1]) << 8) |
                 (static_cast<uint32_t>(data[2]) << 16) | (static_cast<uint32_t>(data[3]) << 24);
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
    data += 4;
    len -= 4;
  }

  switch (len) {
    case 3:
      h ^= static_cast<uint32_t>(data[2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<uint32_t>(data[1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= static_cast<uint32_t>(data[0]);
      h *= kM;
      break;
    default:
      break;
  }

  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return h;
}

int32_t PartitionForKey(std::string_view key, int32_t partitions) {
  assert(partitions > 0);
  return static_cast<int32_t>((Murmur2(key) & 0x7fffffffu) % static_cast<uint32_t>(partitions));
}

}  // namespace gm::bus
