#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "bus/null_sink.h"
#include "generator/generator.h"
#include "test_util.h"

namespace gm::generator {
namespace {

using testing::kStart;
using testing::TestConfig;

struct Sent {
  std::string topic, key, payload;
  Micros time;
};

class CapturingSink final : public bus::Sink {
 public:
  Status Send(std::string_view topic, std::string_view key, std::string_view payload,
              Micros event_time) override {
    if (fail_after_ >= 0 && static_cast<int64_t>(sent.size()) >= fail_after_) {
      return Unavailable("broker gone");
    }
    sent.push_back({std::string(topic), std::string(key), std::string(payload), event_time});
    return Status::Ok();
  }
  Status Flush(std::chrono::milliseconds) override {
    ++flushes;
    return Status::Ok();
  }
  std::vector<Sent> sent;
  int flushes = 0;
  int64_t fail_after_ = -1;
};

GeneratorConfig Unpaced(GeneratorProfile profile = GeneratorProfile::kSeed) {
  GeneratorConfig c = TestConfig(profile);
  c.rate = 0;
  c.max_event_rate = 500;
  return c;
}

TEST(RunnerTest, SameConfigGivesByteIdenticalOutput) {
  GeneratorConfig config = Unpaced();
  config.count = 5000;
  CapturingSink a, b, c;
  ASSERT_TRUE(RunGenerator(config, a).ok());
  ASSERT_TRUE(RunGenerator(config, b).ok());
  config.seed = 99;
  ASSERT_TRUE(RunGenerator(config, c).ok());
  ASSERT_EQ(a.sent.size(), 5000u);
  ASSERT_EQ(b.sent.size(), 5000u);
  int same = 0;
  for (size_t i = 0; i < a.sent.size(); ++i) {
    ASSERT_EQ(a.sent[i].payload, b.sent[i].payload);
    ASSERT_EQ(a.sent[i].key, b.sent[i].key);
    same += a.sent[i].payload == c.sent[i].payload;
  }
  EXPECT_EQ(same, 0);
  EXPECT_EQ(a.flushes, 1);
}

TEST(RunnerTest, SendsEachEventToItsTopicWithItsKeyAndTime) {
  GeneratorConfig config = Unpaced();
  config.count = 20'000;
  CapturingSink sink;
  Result<GeneratorStats> stats = RunGenerator(config, sink);
  ASSERT_TRUE(stats.ok());
  std::map<std::string, int64_t> topics;
  Micros last = kStart;
  for (const Sent& s : sink.sent) {
    ++topics[s.topic];
    ASSERT_GE(s.time, last);
    last = s.time;
    ASSERT_NE(s.payload.find("\"event_type\":\"" + s.topic + "\""), std::string::npos);
    const std::string key_field =
        s.topic == "inventory_updates" ? "\"product_id\":\"" : "\"user_id\":\"";
    ASSERT_NE(s.payload.find(key_field + s.key + "\""), std::string::npos) << s.payload;
  }
  EXPECT_GT(topics["transactions"], 0);
  EXPECT_GT(topics["product_views"], 0);
  EXPECT_GT(topics["cart_events"], 0);
  EXPECT_GT(topics["inventory_updates"], 0);
  EXPECT_EQ(stats->events, 20'000);
  EXPECT_EQ(stats->per_topic[0], topics["transactions"]);
}

TEST(RunnerTest, PacesEventTimeAgainstTheClock) {
  GeneratorConfig config = TestConfig(GeneratorProfile::kSeed);
  config.rate = 500;
  config.count = 2500;  // about 5 s of event time
  ManualClock clock(1'000'000 * kMicrosPerSecond);
  RunOptions options;
  options.clock = &clock;
  int64_t sleeps = 0;
  Micros longest = 0;
  options.sleep = [&](Micros d) {
    ++sleeps;
    longest = std::max(longest, d);
    clock.Advance(d);
  };
  bus::NullSink sink;
  Result<GeneratorStats> stats = RunGenerator(config, sink, options);
  ASSERT_TRUE(stats.ok());
  const Micros wall = clock.Now() - 1'000'000 * kMicrosPerSecond;
  const Micros event_span = stats->last_event_time - kStart;
  EXPECT_NEAR(static_cast<double>(wall), static_cast<double>(event_span), 20'000.0);
  EXPECT_NEAR(static_cast<double>(event_span), 5e6, 0.5e6);
  EXPECT_LE(longest, 10 * kMicrosPerMilli);  // small slices, never one long sleep
  EXPECT_GT(sleeps, 400);
  EXPECT_FALSE(stats->behind);
}

TEST(RunnerTest, StartDefaultsToTheClock) {
  GeneratorConfig config = TestConfig(GeneratorProfile::kSeed);
  config.start.reset();
  config.rate = 0;
  config.count = 10;
  ManualClock clock(kStart + 123'456);
  RunOptions options;
  options.clock = &clock;
  CapturingSink sink;
  Result<GeneratorStats> stats = RunGenerator(config, sink, options);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->start, kStart + 123'000);
  EXPECT_GE(sink.sent.front().time, kStart + 123'000);
}

TEST(RunnerTest, StopsAtDurationOfEventTime) {
  GeneratorConfig config = Unpaced();
  config.duration = 10 * kMicrosPerSecond;
  CapturingSink sink;
  Result<GeneratorStats> stats = RunGenerator(config, sink);
  ASSERT_TRUE(stats.ok());
  EXPECT_LT(sink.sent.back().time, kStart + 10 * kMicrosPerSecond);
  EXPECT_NEAR(static_cast<double>(sink.sent.size()), 5000, 600);
}

TEST(RunnerTest, StopFlagEndsTheRunAndFlushes) {
  GeneratorConfig config = TestConfig(GeneratorProfile::kSeed);
  config.rate = 500;
  std::atomic<bool> stop{false};
  ManualClock clock(kStart);
  RunOptions options;
  options.clock = &clock;
  options.stop = &stop;
  options.sleep = [&](Micros d) {
    clock.Advance(d);
    if (clock.Now() > kStart + 3 * kMicrosPerSecond) stop = true;
  };
  CapturingSink sink;
  Result<GeneratorStats> stats = RunGenerator(config, sink, options);
  ASSERT_TRUE(stats.ok());
  EXPECT_NEAR(static_cast<double>(sink.sent.size()), 1500, 300);
  EXPECT_EQ(sink.flushes, 1);
}

TEST(RunnerTest, BackfillsHistoryUnpacedBeforeLiveEvents) {
  GeneratorConfig config = TestConfig(GeneratorProfile::kRealistic);
  config.rate = 500;
  config.count = 100;
  config.backfill = 2 * kMicrosPerDay;
  config.backfill_per_day = 5000;
  ManualClock clock(kStart);
  RunOptions options;
  options.clock = &clock;
  options.sleep = [&](Micros d) { clock.Advance(d); };
  CapturingSink sink;
  Result<GeneratorStats> stats = RunGenerator(config, sink, options);
  ASSERT_TRUE(stats.ok());
  int64_t history = 0;
  for (const Sent& s : sink.sent) {
    ASSERT_GE(s.time, kStart - 2 * kMicrosPerDay);
    if (s.time < kStart) ++history;
  }
  EXPECT_EQ(history, stats->backfill_events);
  EXPECT_NEAR(static_cast<double>(history), 10'000, 1000);  // restocks come on top
  EXPECT_EQ(stats->events - stats->backfill_events, 100);
  EXPECT_LT(clock.Now() - kStart, kMicrosPerSecond);  // history was not paced
}

TEST(RunnerTest, WritesTruthLinesForLabelledTransactions) {
  GeneratorConfig config = Unpaced();
  config.count = 30'000;
  config.anomaly_rate = 0.1;
  std::ostringstream truth;
  RunOptions options;
  options.truth = &truth;
  bus::NullSink sink;
  Result<GeneratorStats> stats = RunGenerator(config, sink, options);
  ASSERT_TRUE(stats.ok());
  std::istringstream in(truth.str());
  std::string line;
  int64_t lines = 0, injected = 0;
  while (std::getline(in, line)) {
    ++lines;
    ASSERT_EQ(line.rfind("{\"transaction_id\":\"T", 0), 0u) << line;
    injected += line.find("\"injected\":null") == std::string::npos;
  }
  EXPECT_GT(lines, 0);
  EXPECT_EQ(injected, stats->injected);
  EXPECT_GE(lines, stats->labelled);
  EXPECT_GE(lines, stats->injected);
  EXPECT_GT(stats->injected, 0.08 * stats->per_topic[0]);
}

TEST(RunnerTest, SinkFailureStopsTheRunWithItsError) {
  GeneratorConfig config = Unpaced();
  CapturingSink sink;
  sink.fail_after_ = 10;
  Result<GeneratorStats> stats = RunGenerator(config, sink);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace gm::generator
