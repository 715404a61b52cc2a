#pragma once

#include <spdlog/logger.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "bus/bus.h"
#include "common/time.h"
#include "events/event.h"

namespace gm::cli {

//! Counts of one consumer, per topic.
struct TopicCounts {
  std::array<uint64_t, events::kTopicCount> valid{};
  uint64_t invalid = 0;
  uint64_t Total() const;
};

//! A service that drains a bus source, decodes every message with the event decoder and
//! logs per-topic rates every `interval` (the first consumer `up` runs; stream processors
//! replace it in later issues). Invalid messages are counted and the first few reasons
//! logged. Start() spawns one thread; Stop() drains what is queued, joins and logs totals.
class TopicRateReporter {
 public:
  TopicRateReporter(bus::Source& source, Micros interval, const Clock& clock,
                    std::shared_ptr<spdlog::logger> log);
  ~TopicRateReporter();
  TopicRateReporter(const TopicRateReporter&) = delete;
  TopicRateReporter& operator=(const TopicRateReporter&) = delete;

  void Start();
  //! REQUIRES: the producers have stopped (else draining may not end).
  void Stop();
  //! Totals so far. Thread-safe.
  TopicCounts totals() const;

 private:
  void Run();
  void Report(const TopicCounts& now, const TopicCounts& before, Micros elapsed) const;

  bus::Source& source_;
  const Micros interval_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  std::atomic<bool> stopping_{false};
  std::array<std::atomic<uint64_t>, events::kTopicCount> valid_{};
  std::atomic<uint64_t> invalid_{0};
  std::thread thread_;
};

}  // namespace gm::cli
