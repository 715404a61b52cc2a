// A warmed-up Decoder and Event decode without touching the heap, and the encoder only
// grows its output: the contract that keeps the stream and generator hot paths cheap.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "events/codec.h"
#include "test_messages.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// Counts every allocation in this test binary. Every replaceable form is replaced, so
// memory from one form is never released through another (ASan checks that pairing).
namespace {
void* CountedAlloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* CountedAllocOrThrow(std::size_t size) {
  if (void* p = CountedAlloc(size)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) { return CountedAllocOrThrow(size); }
void* operator new[](std::size_t size) { return CountedAllocOrThrow(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return CountedAlloc(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return CountedAlloc(size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace gm::events {
namespace {

namespace msg = testing_messages;

TEST(AllocationTest, WarmDecodeAndEncodeDoNotAllocate) {
  Decoder decoder;
  Event e;
  std::vector<std::string> inputs;
  for (Topic topic : kAllTopics) inputs.push_back(msg::ForTopic(topic).Json());
  inputs.push_back(msg::CartEvent().With("price", "\"19.995\"").With("quantity", "3.0").Json());
  std::string out;
  out.reserve(4096);
  for (int round = 0; round < 2; ++round) {
    const long before = g_allocations.load();
    for (const std::string& json : inputs) {
      // By topic (Kafka) and by event_type (JSONL).
      ASSERT_TRUE(decoder.Decode(std::nullopt, json, e).ok());
      ASSERT_TRUE(decoder.Decode(e.topic, json, e).ok());
      out.clear();
      Encode(e, out);
    }
    if (round == 1) {
      EXPECT_EQ(g_allocations.load() - before, 0) << "allocations when warm";
    }
  }
}

}  // namespace
}  // namespace gm::events
