#pragma once

#include <cstdint>
#include <string_view>

namespace gm::bus {

//! Kafka's murmur2 hash of a key, bit-identical to the Java client's
//! `org.apache.kafka.common.utils.Utils.murmur2` (and librdkafka's rd_murmur2).
uint32_t Murmur2(std::string_view key);

//! The partition Java clients and librdkafka's `murmur2_random` partitioner choose for a
//! non-empty key: (murmur2(key) & 0x7fffffff) % partitions. REQUIRES: partitions > 0.
int32_t PartitionForKey(std::string_view key, int32_t partitions);

}  // namespace gm::bus
