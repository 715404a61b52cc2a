#include "bus/memory_bus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bus/partitioner.h"

namespace gm::bus {
namespace {

using namespace std::chrono_literals;

struct Received {
  std::string topic;
  int32_t partition;
  int64_t offset;
  std::string key;
  std::string payload;
  Micros event_time;
};

// Polls until `count` messages arrived (or 10 s passed).
std::vector<Received> ReadN(Source& source, size_t count) {
  std::vector<Received> out;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    Result<size_t> n = source.Poll(
        [&](const Message& m) {
          out.push_back({std::string(m.topic), m.partition, m.offset, std::string(m.key),
                         std::string(m.payload), m.event_time});
        },
        100ms);
    EXPECT_TRUE(n.ok());
  }
  return out;
}

TEST(MemoryBusTest, KeysGoToTheirMurmur2PartitionInOrderWithSequentialOffsets) {
  MemoryBus bus({"transactions", "product_views"}, 6, 100'000);
  auto sink = bus.NewSink();
  constexpr int kMessages = 20'000;
  for (int i = 0; i < kMessages; ++i) {
    std::string key = "user-" + std::to_string(i % 97);
    ASSERT_TRUE(
        sink->Send(i % 3 ? "transactions" : "product_views", key, std::to_string(i), i).ok());
  }
  auto source = bus.NewSource();
  std::vector<Received> got = ReadN(*source, kMessages);
  ASSERT_EQ(got.size(), static_cast<size_t>(kMessages));
  EXPECT_TRUE(source->AtEnd());

  std::map<std::pair<std::string, int32_t>, int64_t> next_offset;
  std::map<std::string, int> last_seq_of_key;
  for (const Received& r : got) {
    EXPECT_EQ(r.partition, PartitionForKey(r.key, 6)) << r.key;
    int64_t& expected = next_offset[{r.topic, r.partition}];
    EXPECT_EQ(r.offset, expected) << r.topic << "/" << r.partition;
    expected = r.offset + 1;
    int seq = std::stoi(r.payload);
    EXPECT_EQ(r.event_time, seq);
    auto [it, inserted] = last_seq_of_key.try_emplace(r.topic + "/" + r.key, seq);
    if (!inserted) {
      EXPECT_LT(it->second, seq) << "order of key " << r.key;
      it->second = seq;
    }
  }
}

TEST(MemoryBusTest, MessagesWithoutKeyAreSpreadRoundRobin) {
  MemoryBus bus({"t"}, 6, 100);
  auto sink = bus.NewSink();
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(sink->Send("t", "", "x", 0).ok());
  auto source = bus.NewSource();
  std::map<int32_t, int> per_partition;
  for (const Received& r : ReadN(*source, 12)) ++per_partition[r.partition];
  ASSERT_EQ(per_partition.size(), 6u);
  for (auto [p, n] : per_partition) EXPECT_EQ(n, 2) << "partition " << p;
}

TEST(MemoryBusTest, UnknownTopicIsInvalidArgument) {
  MemoryBus bus({"t"}, 2, 10);
  Status s = bus.NewSink()->Send("nope", "k", "v", 0);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("nope"), std::string::npos);
}

TEST(MemoryBusTest, SourceReadsOnlyItsPartitionsRoundRobin) {
  MemoryBus bus({"a", "b"}, 4, 1000);
  auto sink = bus.NewSink();
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(sink->Send(i % 2 ? "a" : "b", "k" + std::to_string(i), "v", 0).ok());
  }
  auto source = bus.NewSource({1, 3});
  std::set<int32_t> partitions;
  size_t total = 0;
  while (true) {
    Result<size_t> n =
        source->Poll([&](const Message& m) { partitions.insert(m.partition); }, 50ms);
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    total += *n;
  }
  EXPECT_EQ(partitions, (std::set<int32_t>{1, 3}));
  EXPECT_GT(total, 0u);
  EXPECT_TRUE(source->AtEnd());
  // The other partitions still hold the rest.
  auto rest = bus.NewSource({0, 2});
  EXPECT_FALSE(rest->AtEnd());
  EXPECT_EQ(ReadN(*rest, 400 - total).size(), 400 - total);
}

TEST(MemoryBusTest, PollTimesOutWhenEmpty) {
  MemoryBus bus({"t"}, 1, 10);
  auto source = bus.NewSource();
  EXPECT_TRUE(source->AtEnd());
  auto start = std::chrono::steady_clock::now();
  Result<size_t> n = source->Poll([](const Message&) {}, 100ms);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  EXPECT_GE(elapsed, 90ms);
  EXPECT_LT(elapsed, 5s);
}

TEST(MemoryBusTest, PollWakesUpWhenAMessageArrives) {
  MemoryBus bus({"t"}, 3, 10);
  auto source = bus.NewSource();
  auto sink = bus.NewSink();
  auto start = std::chrono::steady_clock::now();
  std::thread sender([&] {
    std::this_thread::sleep_for(50ms);
    EXPECT_TRUE(sink->Send("t", "k", "v", 0).ok());
  });
  Result<size_t> n = source->Poll([](const Message&) {}, 10s);
  sender.join();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(MemoryBusTest, FullQueueBlocksSendUntilPollDrains) {
  MemoryBus bus({"t"}, 1, 4);
  auto sink = bus.NewSink();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(sink->Send("t", "k", std::to_string(i), 0).ok());
  std::atomic<bool> sent{false};
  std::thread sender([&] {
    EXPECT_TRUE(sink->Send("t", "k", "4", 0).ok());
    sent = true;
  });
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(sent.load()) << "Send must block while the queue is full";
  auto source = bus.NewSource();
  std::vector<Received> got = ReadN(*source, 5);
  sender.join();
  EXPECT_TRUE(sent.load());
  ASSERT_EQ(got.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(got[static_cast<size_t>(i)].offset, i);
    EXPECT_EQ(got[static_cast<size_t>(i)].payload, std::to_string(i));
  }
}

TEST(MemoryBusTest, CloseWakesBlockedSendersAndPollers) {
  MemoryBus bus({"t", "u"}, 1, 2);
  auto sink = bus.NewSink();
  ASSERT_TRUE(sink->Send("t", "k", "0", 0).ok());
  ASSERT_TRUE(sink->Send("t", "k", "1", 0).ok());
  auto source = bus.NewSource();
  // Drain "t" so the poller has to wait; then fill it again so a sender blocks.
  ASSERT_EQ(ReadN(*source, 2).size(), 2u);
  ASSERT_TRUE(sink->Send("t", "k", "2", 0).ok());
  ASSERT_TRUE(sink->Send("t", "k", "3", 0).ok());

  auto blocked_send = std::async(std::launch::async, [&] { return sink->Send("t", "k", "4", 0); });
  MemoryBus empty({"e"}, 1, 2);
  auto idle = empty.NewSource();
  auto blocked_poll =
      std::async(std::launch::async, [&] { return idle->Poll([](const Message&) {}, 30s); });
  std::this_thread::sleep_for(100ms);
  ASSERT_EQ(blocked_send.wait_for(0s), std::future_status::timeout);
  ASSERT_EQ(blocked_poll.wait_for(0s), std::future_status::timeout);

  auto start = std::chrono::steady_clock::now();
  bus.Close();
  empty.Close();
  Status s = blocked_send.get();
  EXPECT_EQ(s.code(), ErrorCode::kUnavailable);
  Result<size_t> polled = blocked_poll.get();
  ASSERT_TRUE(polled.ok());
  EXPECT_EQ(*polled, 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);

  // After Close: Send fails, Poll drains what is left without waiting, then returns 0.
  EXPECT_EQ(sink->Send("t", "k", "5", 0).code(), ErrorCode::kUnavailable);
  std::vector<std::string> left;
  Result<size_t> n = source->Poll([&](const Message& m) { left.emplace_back(m.payload); }, 30s);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(left, (std::vector<std::string>{"2", "3"}));
  start = std::chrono::steady_clock::now();
  n = source->Poll([](const Message&) {}, 30s);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST(MemoryBusTest, ManyProducersTwoConsumersLoseNothing) {
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 50'000;
  MemoryBus bus({"a", "b"}, 6, 256);  // small queues: lots of blocking and waking
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      auto sink = bus.NewSink();
      for (int i = 0; i < kPerProducer; ++i) {
        std::string key = "p" + std::to_string(p) + "-" + std::to_string(i % 50);
        ASSERT_TRUE(
            sink->Send(i % 2 ? "a" : "b", key, std::to_string(p) + ":" + std::to_string(i), 0)
                .ok());
      }
    });
  }
  std::atomic<int> remaining{kProducers * kPerProducer};
  auto consume = [&](std::vector<int32_t> partitions, std::vector<Received>* out) {
    auto source = bus.NewSource(std::move(partitions));
    while (remaining.load() > 0) {
      Result<size_t> n = source->Poll(
          [&](const Message& m) {
            out->push_back({std::string(m.topic), m.partition, m.offset, std::string(m.key),
                            std::string(m.payload), 0});
          },
          20ms);
      ASSERT_TRUE(n.ok());
      remaining -= static_cast<int>(*n);
    }
  };
  std::vector<Received> got1, got2;
  std::thread c1(consume, std::vector<int32_t>{0, 1, 2}, &got1);
  std::thread c2(consume, std::vector<int32_t>{3, 4, 5}, &got2);
  for (auto& t : producers) t.join();
  c1.join();
  c2.join();
  EXPECT_EQ(got1.size() + got2.size(), static_cast<size_t>(kProducers * kPerProducer));
  std::map<std::pair<std::string, int32_t>, int64_t> next_offset;
  std::map<std::string, int> last_of_key;
  for (const auto* got : {&got1, &got2}) {
    for (const Received& r : *got) {
      int64_t& expected = next_offset[{r.topic, r.partition}];
      ASSERT_EQ(r.offset, expected);
      expected = r.offset + 1;
      int seq = std::stoi(r.payload.substr(r.payload.find(':') + 1));
      auto [it, inserted] = last_of_key.try_emplace(r.topic + r.key, seq);
      if (!inserted) {
        ASSERT_LT(it->second, seq);
        it->second = seq;
      }
    }
  }
}

}  // namespace
}  // namespace gm::bus
