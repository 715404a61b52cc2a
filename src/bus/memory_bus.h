#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bus/bus.h"

namespace gm::bus {

//! In-process partitioned queues: the embedded-mode event bus. Each (topic, partition) is
//! a bounded FIFO; Send blocks while the target queue is full (backpressure, never
//! unbounded growth) and partitions by key exactly like Kafka (bus/partitioner.h).
//! Thread-safe. Outlives every sink and source created from it.
class MemoryBus {
 public:
  //! `topics` are created up front with `partitions` queues of `capacity` messages each.
  //! Memory: a full bus holds topics × partitions × capacity messages (key + payload).
  MemoryBus(std::vector<std::string> topics, int32_t partitions, size_t capacity);
  ~MemoryBus();
  MemoryBus(const MemoryBus&) = delete;
  MemoryBus& operator=(const MemoryBus&) = delete;

  //! A sink into this bus (thread-safe; any number of them). Sending to an unknown topic
  //! returns InvalidArgument; an empty key is spread round robin. Flush is a no-op.
  std::unique_ptr<Sink> NewSink();

  //! A source reading `partitions` (all when empty) of every topic. Each queue should be
  //! read by one source (only the newest source of a queue is woken when it fills);
  //! messages are removed as they are delivered, and offsets count from 0 per queue.
  //! Poll takes up to 1,024 messages per queue, sweeping the queues round robin; woken by
  //! a trickle it waits up to 1 ms more for a batch, so a fast producer is not answered
  //! one message at a time. The handler must not throw (the rest of a batch would be
  //! lost). Commit is a no-op.
  std::unique_ptr<Source> NewSource(std::vector<int32_t> partitions = {});

  //! Wakes blocked senders and pollers; afterwards Send fails with Unavailable and Poll
  //! drains what is left, then returns 0.
  void Close();

  int32_t partitions() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gm::bus
