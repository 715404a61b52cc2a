#include "cli/topic_rates.h"

#include <fmt/format.h>

#include "events/codec.h"

namespace gm::cli {

uint64_t TopicCounts::Total() const {
  uint64_t sum = invalid;
  for (uint64_t v : valid) sum += v;
  return sum;
}

TopicRateReporter::TopicRateReporter(bus::Source& source, Micros interval, const Clock& clock,
                                     std::shared_ptr<spdlog::logger> log)
    : source_(source), interval_(interval), clock_(clock), log_(std::move(log)) {}

TopicRateReporter::~TopicRateReporter() {
  if (thread_.joinable()) Stop();
}

void TopicRateReporter::Start() {
  thread_ = std::thread([this] { Run(); });
}

void TopicRateReporter::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
  TopicCounts t = totals();
  log_->info(
      "consumed {} events in total: transactions {} | product_views {} | cart_events {} "
      "| inventory_updates {} | invalid {}",
      t.Total(), t.valid[0], t.valid[1], t.valid[2], t.valid[3], t.invalid);
}

TopicCounts TopicRateReporter::totals() const {
  TopicCounts t;
  for (int i = 0; i < events::kTopicCount; ++i) t.valid[i] = valid_[i].load();
  t.invalid = invalid_.load();
  return t;
}

void TopicRateReporter::Run() {
  events::Decoder decoder;
  events::Event event;
  int reasons_logged = 0;
  auto handle = [&](const bus::Message& m) {
    std::optional<events::Topic> topic;
    if (m.topic_is_schema) topic = events::TopicFromName(m.topic);
    Status s = decoder.Decode(topic, m.payload, event);
    if (s.ok()) {
      valid_[static_cast<int>(event.topic)].fetch_add(1, std::memory_order_relaxed);
    } else {
      invalid_.fetch_add(1, std::memory_order_relaxed);
      if (reasons_logged < 10) {
        ++reasons_logged;
        log_->warn("invalid event on {}[{}] at offset {}: {}", m.topic, m.partition, m.offset,
                   s.message());
      }
    }
  };
  Micros last_report = clock_.Now();
  TopicCounts before = totals();
  while (true) {
    Result<size_t> polled = source_.Poll(handle, std::chrono::milliseconds(100));
    if (!polled.ok()) {
      log_->error("consumer stopped: {}", polled.status().ToString());
      return;
    }
    // Stop once asked and everything queued is consumed, so no event is left uncounted.
    if (stopping_.load() && *polled == 0) return;
    Micros now = clock_.Now();
    if (now - last_report >= interval_) {
      TopicCounts current = totals();
      Report(current, before, now - last_report);
      before = current;
      last_report = now;
    }
  }
}

void TopicRateReporter::Report(const TopicCounts& now, const TopicCounts& before,
                               Micros elapsed) const {
  double seconds = static_cast<double>(elapsed) / kMicrosPerSecond;
  auto rate = [&](uint64_t a, uint64_t b) { return static_cast<double>(a - b) / seconds; };
  std::string line = fmt::format("rates over the last {} (events/s):",
                                 FormatDuration(elapsed / kMicrosPerSecond * kMicrosPerSecond));
  for (events::Topic t : events::kAllTopics) {
    int i = static_cast<int>(t);
    line += fmt::format(" {} {:.1f} |", events::TopicName(t), rate(now.valid[i], before.valid[i]));
  }
  line += fmt::format(" total {:.1f} | invalid {}", rate(now.Total(), before.Total()),
                      now.invalid - before.invalid);
  log_->info("{}", line);
}

}  // namespace gm::cli
