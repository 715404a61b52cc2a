#pragma once

#include <atomic>
#include <cstdint>

#include "bus/bus.h"

namespace gm::bus {

//! Discards everything; counts messages and bytes. For benchmarks and dry runs.
class NullSink final : public Sink {
 public:
  Status Send(std::string_view, std::string_view key, std::string_view payload, Micros) override {
    messages_.fetch_add(1, std::memory_order_relaxed);
    bytes_.fetch_add(key.size() + payload.size(), std::memory_order_relaxed);
    return Status::Ok();
  }
  Status Flush(std::chrono::milliseconds) override { return Status::Ok(); }

  uint64_t messages() const { return messages_.load(std::memory_order_relaxed); }
  uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> messages_{0};
  std::atomic<uint64_t> bytes_{0};
};

}  // namespace gm::bus
