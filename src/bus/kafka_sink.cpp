// The Kafka producer behind OpenKafkaSink (declared in bus/kafka_bus.h).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "bus/internal/kafka_client.h"
#include "bus/kafka_bus.h"

namespace gm::bus {
namespace {

using internal::ClientContext;
using internal::DurationText;

//! The destructor waits this long for queued messages before giving up on them.
constexpr std::chrono::milliseconds kCloseFlushTimeout{30'000};
//! Every this many sends, Send serves delivery reports so they do not pile up.
constexpr uint64_t kPollEvery = 256;

//! Producer defaults; kafka.properties are applied after these and may override them.
const internal::Properties& ProducerDefaults() {
  static const internal::Properties kDefaults = {
      {"enable.idempotence", "true"},  // no duplicates or reordering on retries
      {"compression.type", "lz4"},
      {"linger.ms", "5"},
      {"batch.num.messages", "100000"},
      {"batch.size", "1000000"},
      {"queue.buffering.max.messages", "1000000"},
      // Where Java clients put a key (bus/partitioner.h); random for messages without one.
      {"partitioner", "murmur2_random"},
  };
  return kDefaults;
}

//! Counts delivery reports; they arrive on whichever thread polls the producer.
class SinkContext final : public ClientContext {
 public:
  using ClientContext::ClientContext;

  void OnDelivery(const rd_kafka_message_t& message) override {
    if (message.err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
    failed_.fetch_add(1, std::memory_order_relaxed);
    RecordError(rd_kafka_message_errstr(&message));
  }

  //! Delivery failures since the last call.
  uint64_t TakeFailures() { return failed_.exchange(0, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> failed_{0};
};

class KafkaSink final : public Sink {
 public:
  explicit KafkaSink(const KafkaConfig& config) : config_(config), context_(config.brokers) {}

  ~KafkaSink() override {
    if (!handle_) return;
    rd_kafka_t* rk = handle_.get();
    if (rd_kafka_flush(rk, static_cast<int>(kCloseFlushTimeout.count())) != 0) {
      context_.log().error("{} messages were not delivered to Kafka at {} within {}: {}",
                           rd_kafka_outq_len(rk), config_.brokers, DurationText(kCloseFlushTimeout),
                           context_.LastError());
    }
    if (uint64_t failed = context_.TakeFailures(); failed > 0) {
      context_.log().error("{} messages could not be delivered to Kafka at {}: {}", failed,
                           config_.brokers, context_.LastError());
    }
    std::lock_guard lock(mu_);
    for (auto& [name, rkt] : topics_) rd_kafka_topic_destroy(rkt);
    topics_.clear();
    handle_.reset();
  }

  KafkaSink(const KafkaSink&) = delete;
  KafkaSink& operator=(const KafkaSink&) = delete;

  Status Open() {
    Result<internal::Handle> handle =
        internal::NewClient(RD_KAFKA_PRODUCER, config_, ProducerDefaults(), context_);
    if (!handle.ok()) return handle.status();
    handle_ = std::move(handle).value();
    Result<internal::Metadata> md =
        internal::WaitForCluster(handle_.get(), config_, context_, /*all_topics=*/false);
    if (!md.ok()) return md.status();
    return Status::Ok();
  }

  Status Send(std::string_view topic, std::string_view key, std::string_view payload,
              Micros event_time) override {
    return Produce(topic, RD_KAFKA_PARTITION_UA, key, payload, event_time);
  }

  Status SendToPartition(std::string_view topic, int32_t partition, std::string_view key,
                         std::string_view payload, Micros event_time) override {
    if (partition < 0) return InvalidArgument("a partition number cannot be negative");
    return Produce(topic, partition, key, payload, event_time);
  }

  Status Produce(std::string_view topic, int32_t partition, std::string_view key,
                 std::string_view payload, Micros event_time) {
    rd_kafka_t* rk = handle_.get();
    rd_kafka_topic_t* rkt = Topic(topic);
    for (;;) {
      // An empty key is no key (NULL), so murmur2_random spreads those messages randomly,
      // as Java clients do, instead of hashing "".
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
          RD_KAFKA_V_TIMESTAMP(std::max<Micros>(event_time, 0) / kMicrosPerMilli),  // 0 = now
          RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        // Backpressure: the local queue is full until the brokers acknowledge batches.
        rd_kafka_poll(rk, 10);
        continue;
      }
      return ProduceError(err, topic, payload.size());
    }
    if (sends_.fetch_add(1, std::memory_order_relaxed) % kPollEvery == 0) rd_kafka_poll(rk, 0);
    return Status::Ok();
  }

  Status Flush(std::chrono::milliseconds timeout) override {
    rd_kafka_t* rk = handle_.get();
    rd_kafka_resp_err_t err = rd_kafka_flush(rk, static_cast<int>(timeout.count()));
    uint64_t failed = context_.TakeFailures();
    if (failed > 0) {
      return Unavailable(std::to_string(failed) + " messages could not be delivered to Kafka at " +
                         config_.brokers + ": " + context_.LastError());
    }
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
      return Status(ErrorCode::kTimeout, std::to_string(rd_kafka_outq_len(rk)) +
                                             " messages not yet acknowledged by Kafka at " +
                                             config_.brokers + " after " + DurationText(timeout));
    }
    return Status::Ok();
  }

 private:
  // The topic handle for `topic` (prefix applied), created on first use. Handles are
  // kept until the sink closes, so Send skips librdkafka's lookup by name.
  rd_kafka_topic_t* Topic(std::string_view topic) {
    std::lock_guard lock(mu_);
    auto it = topics_.find(topic);
    if (it != topics_.end()) return it->second;
    rd_kafka_topic_t* rkt =
        rd_kafka_topic_new(handle_.get(), internal::FullTopicName(config_, topic).c_str(), nullptr);
    topics_.emplace(std::string(topic), rkt);
    return rkt;
  }

  Status ProduceError(rd_kafka_resp_err_t err, std::string_view topic, size_t size) {
    std::string where = " (topic " + internal::FullTopicName(config_, topic) + ")";
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char reason[512];
      rd_kafka_fatal_error(handle_.get(), reason, sizeof reason);
      return Internal("the Kafka producer failed for good" + where + ": " + reason);
    }
    if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
      return Status(ErrorCode::kResourceExhausted, "a " + std::to_string(size) +
                                                       "-byte message is larger than Kafka's "
                                                       "message.max.bytes" +
                                                       where);
    }
    return Unavailable(std::string("cannot send to Kafka") + where + ": " + rd_kafka_err2str(err));
  }

  const KafkaConfig config_;
  SinkContext context_;      // outlives handle_ (declared first, destroyed last)
  internal::Handle handle_;  // thread-safe; set once by Open()
  std::atomic<uint64_t> sends_{0};
  std::mutex mu_;
  std::map<std::string, rd_kafka_topic_t*, std::less<>> topics_;  // guarded by mu_
};

}  // namespace

Result<std::unique_ptr<Sink>> OpenKafkaSink(const KafkaConfig& config) {
  auto sink = std::make_unique<KafkaSink>(config);
  if (Status s = sink->Open(); !s.ok()) return s;
  return std::unique_ptr<Sink>(std::move(sink));
}

}  // namespace gm::bus
