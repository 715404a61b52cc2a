#pragma once

// The event bus (DESIGN.md §2): the only way components exchange events, so stream
// processors cannot tell which mode they run in.
//
//   Sink    ← the generator writes here          Source → processors read here
//   memory  (bus/memory_bus.h)  in-process bounded queues, embedded mode (`up`)
//   kafka   (bus/kafka_bus.h)   librdkafka producer / consumer group, distributed mode
//   file    (bus/file_bus.h)    JSONL, one event per line (import, export, tests)
//   null    (bus/null_sink.h)   counts and discards (benchmarks)
//   `--to` specs → a Sink: bus/sink_spec.h; Kafka without Kafka: bus/dev_broker.h.
//
// Shared rules: a key always lands in PartitionForKey(key, partitions) (bus/partitioner.h,
// Kafka's murmur2), so the three user-keyed topics are co-partitioned whichever bus runs;
// messages without a key are spread. Offsets grow by one per message in a partition
// (Kafka offsets, memory sequence numbers from 0, file line numbers from 1).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"

namespace gm::events {
struct Event;
}

namespace gm::bus {

//! One record read from a source. The views are valid only during the handler call.
struct Message {
  std::string_view topic;    //!< topic name; for a JSONL file, the file's path
  int32_t partition = 0;     //!< 0 for a file
  int64_t offset = 0;        //!< Kafka offset, memory-queue sequence, or 1-based line number
  std::string_view key;      //!< user_id or product_id; empty for file lines
  std::string_view payload;  //!< the JSON bytes
  Micros event_time = 0;     //!< producer-supplied event time (Kafka timestamp); 0 if unknown
  //! True when `topic` names a shop topic whose schema applies; false for JSONL files,
  //! whose lines name their topic in `event_type`.
  bool topic_is_schema = true;
  //! The event already decoded, from an in-process producer that never had bad input to
  //! report: the consumer uses it instead of decoding `payload` and may take its contents
  //! (swap them out). Unlike the views, it stays valid until the source's next Poll.
  //! Null for everything read from outside the process.
  events::Event* event = nullptr;
};

//! A (topic, partition) pair and a position in it.
struct PartitionOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;  //!< the next offset to read
};

using MessageHandler = std::function<void(const Message&)>;

//! Where events come from: memory queues, a Kafka consumer group or a JSONL file.
//! A Source is used by one thread at a time.
class Source {
 public:
  virtual ~Source() = default;

  //! Waits up to `timeout` for messages and calls `handler` for each, in offset order
  //! within a partition. Returns how many were delivered (0 on timeout), or an error
  //! when the source failed in a way retrying will not fix.
  virtual Result<size_t> Poll(const MessageHandler& handler, std::chrono::milliseconds timeout) = 0;

  //! True when every partition this source reads has been read to its current end
  //! (EOF for a file, the high watermark for Kafka, an empty queue for memory).
  virtual bool AtEnd() const = 0;

  //! Records that everything before `offsets` is processed (Kafka: commits to the group;
  //! others: no-op). The database, not this, is the source of truth for exactly-once.
  virtual Status Commit(const std::vector<PartitionOffset>& offsets) = 0;
};

//! Where events go. Thread-safe unless an implementation says otherwise.
class Sink {
 public:
  virtual ~Sink() = default;

  //! Queues one message. The partition is chosen from `key` by the murmur2 partitioner
  //! (bus/partitioner.h) so every sink puts a key where Java Kafka clients would. May
  //! block to apply backpressure. Returns an error when the message cannot be queued.
  virtual Status Send(std::string_view topic, std::string_view key, std::string_view payload,
                      Micros event_time) = 0;

  //! Waits until everything sent so far is durable in the sink (written, acknowledged).
  virtual Status Flush(std::chrono::milliseconds timeout) = 0;

  //! Queues one message for an explicit `partition` of `topic` (internal topics that are
  //! co-partitioned with the shop topics, and records every partition must see). Sinks
  //! without partitions refuse it: InvalidArgument. Otherwise as Send.
  virtual Status SendToPartition(std::string_view topic, int32_t partition, std::string_view key,
                                 std::string_view payload, Micros event_time) {
    (void)topic, (void)partition, (void)key, (void)payload, (void)event_time;
    return InvalidArgument("this sink cannot send to an explicit partition");
  }
};

}  // namespace gm::bus
