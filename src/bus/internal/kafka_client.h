#pragma once

// Internal to bus/: what the Kafka sink, source, admin and dev broker share. Nobody
// outside src/bus/ includes this.

#include <librdkafka/rdkafka.h>
#include <spdlog/logger.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/config.h"
#include "common/status.h"

namespace gm::bus::internal {

//! librdkafka properties in the order they are applied.
using Properties = std::vector<std::pair<std::string, std::string>>;

//! What librdkafka's callbacks reach through the configuration's opaque pointer: the
//! logger, the last error the client reported, and hooks the producer and consumer
//! override. Must outlive the rd_kafka_t it is registered with. Thread-safe (librdkafka
//! calls log callbacks from its own threads).
class ClientContext {
 public:
  explicit ClientContext(std::string brokers);
  virtual ~ClientContext() = default;
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;

  //! Producer delivery reports (served by rd_kafka_poll/rd_kafka_flush).
  virtual void OnDelivery(const rd_kafka_message_t&) {}
  //! Consumer group rebalances (served by rd_kafka_consumer_poll/consumer_close). The
  //! override must assign or unassign as librdkafka requires.
  virtual void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions);

  //! Remembers the latest client error (e.g. "Connect to ipv4#127.0.0.1:9092 failed:
  //! Connection refused") for messages that explain a failure.
  void RecordError(std::string message);
  std::string LastError() const;

  //! While quiet, client errors are logged at debug level (the connect loop reports
  //! them itself, once per retry).
  void SetQuiet(bool quiet);
  bool quiet() const;

  const std::string& brokers() const { return brokers_; }
  spdlog::logger& log() const { return *logger_; }

 private:
  const std::string brokers_;
  const std::shared_ptr<spdlog::logger> logger_;
  mutable std::mutex mu_;
  std::string last_error_;  // guarded by mu_
  bool quiet_ = false;      // guarded by mu_
};

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
using Metadata = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

//! Creates a client: bootstrap.servers from config.brokers, client.id globalmart,
//! reconnect.backoff.max.ms 5000, then `defaults`, then
//! config.properties (last, so users can override anything), with logging, error,
//! delivery-report (producers) and rebalance (consumers) callbacks routed to `context`.
//! InvalidArgument names the property librdkafka rejected.
Result<Handle> NewClient(rd_kafka_type_t type, const KafkaConfig& config,
                         const Properties& defaults, ClientContext& context);

//! Fetches cluster metadata until a broker answers, retrying with exponential backoff
//! (100 ms doubling up to 5 s) and logging each retry, for at most config.connect_timeout.
//! `all_topics` asks for every topic (for EnsureTopics). Returns Unavailable("cannot reach
//! Kafka at <brokers> after <timeout>: <last error>") when nothing answers in time.
//! REQUIRES: the client's main queue is not yet redirected to the consumer queue.
Result<Metadata> WaitForCluster(rd_kafka_t* rk, const KafkaConfig& config, ClientContext& context,
                                bool all_topics);

//! config.topic_prefix + topic.
std::string FullTopicName(const KafkaConfig& config, std::string_view topic);

//! A duration for messages: "30s", "250ms".
std::string DurationText(std::chrono::milliseconds d);

}  // namespace gm::bus::internal
