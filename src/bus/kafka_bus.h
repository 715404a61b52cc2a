#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "common/config.h"

namespace gm::bus {

//! Creates the topics that do not exist yet, with `partitions` partitions each, through
//! the admin API. Returns Unavailable when the cluster cannot be reached within
//! kafka.connect_timeout and Timeout (with a clear message) when the broker does not
//! create them within kafka.create_timeout. Names get kafka.topic_prefix prepended.
Status EnsureTopics(const KafkaConfig& config, const std::vector<std::string>& topics,
                    int32_t partitions);

//! An idempotent, lz4-compressing, batching producer using the murmur2_random
//! partitioner; kafka.properties are applied last so they can override anything.
//! Fails with Unavailable after retrying with backoff for kafka.connect_timeout when no
//! broker answers. Thread-safe.
Result<std::unique_ptr<Sink>> OpenKafkaSink(const KafkaConfig& config);

//! A consumer in group kafka.group_id reading `topics` with manual offset control
//! (auto-commit off; Commit() commits explicitly). AtEnd() once every assigned partition
//! has reached its high watermark.
Result<std::unique_ptr<Source>> OpenKafkaSource(const KafkaConfig& config,
                                                const std::vector<std::string>& topics);

}  // namespace gm::bus
