#include "bus/memory_bus.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "bus/partitioner.h"

namespace gm::bus {
namespace {

using SteadyClock = std::chrono::steady_clock;

//! Most records one Poll takes from one queue, so one busy partition cannot starve the
//! others and the producer is released promptly.
constexpr size_t kMaxBatch = 1024;
//! Record buffers bigger than this are freed after delivery instead of being recycled,
//! so one huge message does not pin its memory in a queue slot forever.
constexpr size_t kMaxRecycledBytes = 64 * 1024;

//! A queue rings its reader's doorbell when it turns non-empty and when it has gathered a
//! full batch. A reader with nothing to read waits for the first ring; woken by a trickle,
//! it lingers up to kLinger for a full batch, so a fast producer is answered with batches
//! instead of one wake-up per message (like Kafka's fetch.wait.max.ms).
constexpr size_t kFullBatch = kMaxBatch / 4;
constexpr std::chrono::microseconds kLinger{1000};

//! How a source sleeps until its queues have something for it. Counters instead of
//! flags, so a ring between the reader's scan and its wait is never lost: the reader
//! waits only while a counter still has the value it read before scanning. Only a ring
//! the reader is waiting for costs a wake-up.
class Doorbell {
 public:
  struct Seen {
    uint64_t rings = 0;
    uint64_t full_rings = 0;
  };

  //! Called by a queue: `full_batch` when it has just gathered kFullBatch records.
  void Ring(bool full_batch) {
    bool wake = false;
    {
      std::lock_guard lock(mu_);
      ++rings_;
      if (full_batch) ++full_rings_;
      wake = want_ == Want::kAny || (want_ == Want::kFullBatch && full_batch);
    }
    if (wake) cv_.notify_all();
  }

  //! Ends every wait for good (the bus closed).
  void Close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }

  Seen seen() const {
    std::lock_guard lock(mu_);
    return {rings_, full_rings_};
  }

  //! Returns after any ring since `seen`, at `deadline`, or when closed.
  void WaitForAny(const Seen& seen, SteadyClock::time_point deadline) {
    Wait(Want::kAny, deadline, [&] { return rings_ != seen.rings; });
  }

  //! Returns after a full-batch ring since `seen`, at `deadline`, or when closed.
  void WaitForFullBatch(const Seen& seen, SteadyClock::time_point deadline) {
    Wait(Want::kFullBatch, deadline, [&] { return full_rings_ != seen.full_rings; });
  }

 private:
  enum class Want { kNothing, kAny, kFullBatch };

  template <typename Ready>
  void Wait(Want want, SteadyClock::time_point deadline, Ready ready) {
    std::unique_lock lock(mu_);
    want_ = want;
    cv_.wait_until(lock, deadline, [&] { return closed_ || ready(); });
    want_ = Want::kNothing;
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t rings_ = 0;          // guarded by mu_
  uint64_t full_rings_ = 0;     // guarded by mu_
  Want want_ = Want::kNothing;  // guarded by mu_; what the (single) reader waits for
  bool closed_ = false;         // guarded by mu_
};

//! One record in a queue slot or a reader's batch. The key and payload share one buffer,
//! so a record costs one allocation at most, and none once buffers are recycled.
struct Record {
  std::string bytes;  //!< key bytes followed by payload bytes
  uint32_t key_size = 0;
  Micros event_time = 0;
};

//! One (topic, partition): a bounded FIFO ring of records with Kafka-like offsets
//! (0, 1, 2, ... in push order). Thread-safe; meant for many senders and one reader.
class PartitionQueue {
 public:
  explicit PartitionQueue(size_t capacity)
      : slots_(std::max<size_t>(capacity, 1)), full_batch_(std::min(kFullBatch, slots_.size())) {}
  PartitionQueue(const PartitionQueue&) = delete;
  PartitionQueue& operator=(const PartitionQueue&) = delete;

  //! Appends a record, blocking while the queue is full. Unavailable once closed.
  Status Push(std::string_view key, std::string_view payload, Micros event_time) {
    std::shared_ptr<Doorbell> wake;
    bool full_batch = false;
    {
      std::unique_lock lock(mu_);
      if (size_ == slots_.size() && !closed_) {
        ++waiting_senders_;
        not_full_.wait(lock, [&] { return size_ < slots_.size() || closed_; });
        --waiting_senders_;
      }
      if (closed_) return Unavailable("the memory bus is closed");
      size_t tail = head_ + size_;
      if (tail >= slots_.size()) tail -= slots_.size();
      Record& r = slots_[tail];
      // A copy into the slot's recycled buffer: no allocation in steady state.
      r.bytes.assign(key);
      r.bytes.append(payload);
      r.key_size = static_cast<uint32_t>(key.size());
      r.event_time = event_time;
      ++size_;
      if (size_ == 1 || size_ == full_batch_) {
        wake = reader_;
        full_batch = size_ == full_batch_;
      }
    }
    if (wake) wake->Ring(full_batch);
    return Status::Ok();
  }

  //! Moves up to out.size() of the oldest records into `out` (swapping buffers, so the
  //! reader's old buffers are recycled by later pushes). Returns how many, and sets
  //! *first_offset to the offset of out[0].
  size_t Take(std::vector<Record>& out, int64_t* first_offset) {
    size_t n = 0;
    bool wake_senders = false;
    {
      std::lock_guard lock(mu_);
      n = std::min(size_, out.size());
      for (size_t i = 0; i < n; ++i) {
        Record& slot = slots_[head_];
        std::swap(out[i].bytes, slot.bytes);
        out[i].key_size = slot.key_size;
        out[i].event_time = slot.event_time;
        if (++head_ == slots_.size()) head_ = 0;
      }
      *first_offset = next_offset_;
      next_offset_ += static_cast<int64_t>(n);
      size_ -= n;
      wake_senders = n > 0 && waiting_senders_ > 0;
    }
    if (wake_senders) not_full_.notify_all();
    return n;
  }

  bool Empty() const {
    std::lock_guard lock(mu_);
    return size_ == 0;
  }

  //! Sets the doorbell rung when the queue turns non-empty. ClearReader removes it only
  //! if it is still `expected`, so a closing source cannot unhook a newer one.
  void SetReader(std::shared_ptr<Doorbell> reader) {
    std::lock_guard lock(mu_);
    reader_ = std::move(reader);
  }
  void ClearReader(const Doorbell* expected) {
    std::lock_guard lock(mu_);
    if (reader_.get() == expected) reader_.reset();
  }

  //! Fails later pushes, wakes blocked senders; returns the reader to wake.
  std::shared_ptr<Doorbell> Close() {
    std::shared_ptr<Doorbell> reader;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      reader = reader_;
    }
    not_full_.notify_all();
    return reader;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable not_full_;
  std::vector<Record> slots_;         // guarded by mu_; a ring of capacity records
  const size_t full_batch_;           //!< records that make a batch worth waking the reader for
  size_t head_ = 0;                   // guarded by mu_; slot of the oldest record
  size_t size_ = 0;                   // guarded by mu_
  int64_t next_offset_ = 0;           // guarded by mu_; offset of the oldest record
  int waiting_senders_ = 0;           // guarded by mu_
  bool closed_ = false;               // guarded by mu_
  std::shared_ptr<Doorbell> reader_;  // guarded by mu_
};

struct TopicQueues {
  std::string name;
  std::vector<std::unique_ptr<PartitionQueue>> partitions;
  std::atomic<uint64_t> round_robin{0};  //!< spreads messages without a key
};

//! Everything the bus holds; shared by reference with its sinks and sources, which the
//! bus outlives (a documented requirement).
struct BusState {
  int32_t partitions = 1;
  std::vector<std::unique_ptr<TopicQueues>> topics;
  //! Immutable after construction; the views point into TopicQueues::name.
  std::unordered_map<std::string_view, TopicQueues*> by_name;
  std::atomic<bool> closed{false};
};

class MemorySink final : public Sink {
 public:
  explicit MemorySink(BusState& bus) : bus_(bus) {}

  Status Send(std::string_view topic, std::string_view key, std::string_view payload,
              Micros event_time) override {
    auto it = bus_.by_name.find(topic);
    if (it == bus_.by_name.end()) {
      return InvalidArgument("the memory bus has no topic '" + std::string(topic) + "'");
    }
    TopicQueues& t = *it->second;
    // Like Kafka: the murmur2 partition for a key; round robin without one.
    int32_t partition =
        key.empty() ? static_cast<int32_t>(t.round_robin.fetch_add(1, std::memory_order_relaxed) %
                                           static_cast<uint64_t>(bus_.partitions))
                    : PartitionForKey(key, bus_.partitions);
    return t.partitions[static_cast<size_t>(partition)]->Push(key, payload, event_time);
  }

  //! Sent messages are in the queues already: nothing to wait for.
  Status Flush(std::chrono::milliseconds) override { return Status::Ok(); }

 private:
  BusState& bus_;
};

class MemorySource final : public Source {
 public:
  struct Input {
    const std::string* topic;
    int32_t partition;
    PartitionQueue* queue;
  };

  MemorySource(BusState& bus, std::vector<Input> inputs)
      : bus_(bus),
        inputs_(std::move(inputs)),
        doorbell_(std::make_shared<Doorbell>()),
        batch_(kMaxBatch) {
    for (const Input& in : inputs_) in.queue->SetReader(doorbell_);
  }

  ~MemorySource() override {
    for (const Input& in : inputs_) in.queue->ClearReader(doorbell_.get());
  }

  Result<size_t> Poll(const MessageHandler& handler, std::chrono::milliseconds timeout) override {
    const SteadyClock::time_point deadline = SteadyClock::now() + timeout;
    for (;;) {
      // Read the doorbell before scanning: a push after the scan rings it, so the waits
      // below cannot miss it.
      const Doorbell::Seen seen = doorbell_->seen();
      size_t delivered = 0;
      const size_t n = inputs_.size();
      for (size_t k = 0; k < n; ++k) {
        delivered += Drain(inputs_[(next_input_ + k) % n], handler);
      }
      if (n > 0) next_input_ = (next_input_ + 1) % n;
      if (delivered > 0) return delivered;
      if (bus_.closed.load(std::memory_order_acquire)) return size_t{0};
      if (SteadyClock::now() >= deadline) return size_t{0};
      doorbell_->WaitForAny(seen, deadline);
      doorbell_->WaitForFullBatch(seen, std::min(deadline, SteadyClock::now() + kLinger));
    }
  }

  bool AtEnd() const override {
    return std::all_of(inputs_.begin(), inputs_.end(),
                       [](const Input& in) { return in.queue->Empty(); });
  }

  Status Commit(const std::vector<PartitionOffset>&) override { return Status::Ok(); }

 private:
  // Takes one batch from `in` and hands it to `handler` outside the queue's lock.
  size_t Drain(const Input& in, const MessageHandler& handler) {
    int64_t first_offset = 0;
    const size_t n = in.queue->Take(batch_, &first_offset);
    for (size_t i = 0; i < n; ++i) {
      Record& r = batch_[i];
      Message m;
      m.topic = *in.topic;
      m.partition = in.partition;
      m.offset = first_offset + static_cast<int64_t>(i);
      m.key = std::string_view(r.bytes).substr(0, r.key_size);
      m.payload = std::string_view(r.bytes).substr(r.key_size);
      m.event_time = r.event_time;
      m.topic_is_schema = true;
      handler(m);
      if (r.bytes.capacity() > kMaxRecycledBytes) std::string().swap(r.bytes);
    }
    return n;
  }

  BusState& bus_;
  const std::vector<Input> inputs_;
  const std::shared_ptr<Doorbell> doorbell_;
  std::vector<Record> batch_;  //!< recycled record buffers, kMaxBatch of them
  size_t next_input_ = 0;      //!< where the next Poll starts its round-robin sweep
};

}  // namespace

struct MemoryBus::Impl : BusState {};

MemoryBus::MemoryBus(std::vector<std::string> topics, int32_t partitions, size_t capacity)
    : impl_(std::make_unique<Impl>()) {
  assert(partitions > 0 && capacity > 0);
  impl_->partitions = std::max<int32_t>(partitions, 1);
  for (std::string& name : topics) {
    if (impl_->by_name.count(name) > 0) continue;
    auto t = std::make_unique<TopicQueues>();
    t->name = std::move(name);
    for (int32_t p = 0; p < impl_->partitions; ++p) {
      t->partitions.push_back(std::make_unique<PartitionQueue>(capacity));
    }
    impl_->by_name.emplace(t->name, t.get());
    impl_->topics.push_back(std::move(t));
  }
}

MemoryBus::~MemoryBus() = default;

std::unique_ptr<Sink> MemoryBus::NewSink() { return std::make_unique<MemorySink>(*impl_); }

std::unique_ptr<Source> MemoryBus::NewSource(std::vector<int32_t> partitions) {
  if (partitions.empty()) {
    for (int32_t p = 0; p < impl_->partitions; ++p) partitions.push_back(p);
  }
  std::vector<MemorySource::Input> inputs;
  // Partition-major order, so a round-robin sweep visits one task's topics together.
  for (int32_t p : partitions) {
    assert(p >= 0 && p < impl_->partitions);
    if (p < 0 || p >= impl_->partitions) continue;
    for (const auto& t : impl_->topics) {
      inputs.push_back({&t->name, p, t->partitions[static_cast<size_t>(p)].get()});
    }
  }
  return std::make_unique<MemorySource>(*impl_, std::move(inputs));
}

void MemoryBus::Close() {
  impl_->closed.store(true, std::memory_order_release);
  for (const auto& t : impl_->topics) {
    for (const auto& q : t->partitions) {
      if (std::shared_ptr<Doorbell> reader = q->Close()) reader->Close();
    }
  }
}

int32_t MemoryBus::partitions() const { return impl_->partitions; }

}  // namespace gm::bus
