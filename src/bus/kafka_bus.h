#pragma once

// The Kafka bus (distributed mode), on librdkafka.
//
// - Topic names: every name the bus is given (EnsureTopics, Send, OpenKafkaSource) gets
//   kafka.topic_prefix prepended. What comes back (Message::topic) is the broker's real
//   name, prefix included, and Commit() takes those real names.
// - Connecting: opening a sink or source (and EnsureTopics) first fetches cluster
//   metadata, retrying with exponential backoff (100 ms doubling to 5 s, each retry
//   logged) for kafka.connect_timeout, then fails with Unavailable — never a crash or a
//   hang past the timeout.
// - Properties: kafka.properties are applied after the bus's own settings, so SASL/SSL
//   or any tuning (see librdkafka's CONFIGURATION.md) can be set or overridden.
// - Keys: an empty key is sent as no key (librdkafka spreads those randomly); any other
//   key lands in PartitionForKey(key, partitions) (bus/partitioner.h).

#include <functional>
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
//! Topics that exist already are left as they are (whatever their partition count).
Status EnsureTopics(const KafkaConfig& config, const std::vector<std::string>& topics,
                    int32_t partitions);

//! An idempotent, lz4-compressing, batching producer using the murmur2_random
//! partitioner; kafka.properties are applied last so they can override anything.
//! Message timestamps are the event times (milliseconds). Send blocks while librdkafka's
//! local queue is full (backpressure). Flush fails with Unavailable when messages could
//! not be delivered since the previous Flush, and Timeout when some are still in flight.
//! Fails with Unavailable after retrying with backoff for kafka.connect_timeout when no
//! broker answers. Thread-safe. The destructor waits up to 30 s for queued messages.
Result<std::unique_ptr<Sink>> OpenKafkaSink(const KafkaConfig& config);

//! Optional behaviour of a Kafka source around consumer-group rebalances.
struct KafkaSourceOptions {
  //! When partitions are taken away (a rebalance, or the source closing), first commit
  //! the position after the last message delivered from each, as if Commit() had been
  //! called with it. For readers whose handler finishes the work (tools, tests), so the
  //! next owner starts exactly there. Off by default: only Commit() commits.
  bool commit_delivered_on_revoke = false;
  //! Called inside Poll when the group assigns partitions to this source, each with
  //! offset -1. Setting an entry's offset (≥ 0) makes reading start there instead of at
  //! the group's committed offset (how a reader that stores its offsets elsewhere — the
  //! stream engine, in PostgreSQL — resumes).
  std::function<void(std::vector<PartitionOffset>&)> on_assign;
  //! Called inside Poll (or the destructor) before partitions are taken away; offset =
  //! the position after the last delivered message, or -1 if none was delivered. The last
  //! chance to record progress for them. Must not call into the source.
  std::function<void(const std::vector<PartitionOffset>&)> on_revoke;
};

//! A consumer in group kafka.group_id reading `topics` with manual offset control
//! (auto-commit off; Commit() commits synchronously). Starts at the group's committed
//! offsets, else at the earliest. AtEnd() once the group has assigned partitions and
//! every assigned partition has reached its high watermark since its last message (false
//! while a rebalance is in progress). Poll delivers per partition in offset order, up to
//! 10,000 messages per call; transient errors (a broker away, a missing topic) are logged
//! and retried by librdkafka, only fatal ones are returned. Rebalances are served inside
//! Poll. Not thread-safe (one polling thread); the destructor leaves the group cleanly.
//! Note: librdkafka's mock cluster (dev-broker) refuses commits while a rebalance is in
//! progress (real Kafka accepts them), so a hand-over there can re-deliver messages.
Result<std::unique_ptr<Source>> OpenKafkaSource(const KafkaConfig& config,
                                                const std::vector<std::string>& topics,
                                                KafkaSourceOptions options = {});

}  // namespace gm::bus
