// EnsureTopics (bus/kafka_bus.h): the admin side of the Kafka bus. The producer is in
// kafka_sink.cpp, the consumer in kafka_source.cpp, what they share in internal/.

#include "bus/kafka_bus.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <string>

#include "bus/internal/kafka_client.h"

namespace gm::bus {
namespace {

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

//! Owns what one CreateTopics call allocates.
struct CreateTopicsCall {
  std::vector<rd_kafka_NewTopic_t*> topics;
  rd_kafka_AdminOptions_t* options = nullptr;
  rd_kafka_queue_t* queue = nullptr;
  rd_kafka_event_t* result = nullptr;

  ~CreateTopicsCall() {
    if (result != nullptr) rd_kafka_event_destroy(result);
    if (queue != nullptr) rd_kafka_queue_destroy(queue);
    if (options != nullptr) rd_kafka_AdminOptions_destroy(options);
    rd_kafka_NewTopic_destroy_array(topics.data(), topics.size());
  }
};

}  // namespace

Status EnsureTopics(const KafkaConfig& config, const std::vector<std::string>& topics,
                    int32_t partitions) {
  if (topics.empty()) return Status::Ok();
  if (partitions < 1) return InvalidArgument("topics need at least one partition");
  internal::ClientContext context(config.brokers);
  Result<internal::Handle> handle = internal::NewClient(RD_KAFKA_PRODUCER, config, {}, context);
  if (!handle.ok()) return handle.status();
  rd_kafka_t* rk = handle->get();

  // List first and create only what is missing: brokers that cannot create topics (the
  // mock cluster behind dev-broker) still work when every topic exists.
  Result<internal::Metadata> md = internal::WaitForCluster(rk, config, context, true);
  if (!md.ok()) return md.status();
  std::set<std::string> existing;
  for (int i = 0; i < (*md)->topic_cnt; ++i) {
    if ((*md)->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) existing.insert((*md)->topics[i].topic);
  }
  std::vector<std::string> missing;
  for (const std::string& topic : topics) {
    std::string name = internal::FullTopicName(config, topic);
    if (existing.count(name) == 0 &&
        std::find(missing.begin(), missing.end(), name) == missing.end()) {
      missing.push_back(std::move(name));
    }
  }
  if (missing.empty()) return Status::Ok();

  const auto timeout = std::chrono::milliseconds(config.create_timeout / kMicrosPerMilli);
  const std::string timeout_text = internal::DurationText(timeout);
  context.log().info("creating Kafka topics {} ({} partitions each) at {}", JoinNames(missing),
                     partitions, config.brokers);
  CreateTopicsCall call;
  char errstr[512];
  for (const std::string& name : missing) {
    // Replication factor -1: the broker's default (Kafka >= 2.4).
    rd_kafka_NewTopic_t* t =
        rd_kafka_NewTopic_new(name.c_str(), partitions, -1, errstr, sizeof errstr);
    if (t == nullptr) return InvalidArgument("cannot create topic " + name + ": " + errstr);
    call.topics.push_back(t);
  }
  call.options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  const int timeout_ms = static_cast<int>(timeout.count());
  if (rd_kafka_AdminOptions_set_request_timeout(call.options, timeout_ms, errstr, sizeof errstr) ||
      rd_kafka_AdminOptions_set_operation_timeout(call.options, timeout_ms, errstr,
                                                  sizeof errstr)) {
    return InvalidArgument(std::string("kafka.create_timeout: ") + errstr);
  }
  call.queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, call.topics.data(), call.topics.size(), call.options, call.queue);
  // librdkafka answers by the request timeout; the margin only guards against a hang.
  call.result = rd_kafka_queue_poll(call.queue, timeout_ms + 5000);

  const std::string what =
      "Kafka at " + config.brokers + " did not create topics " + JoinNames(missing);
  const std::string advice = "; create them yourself (" + std::to_string(partitions) +
                             " partitions each), or check that the broker accepts CreateTopics "
                             "(librdkafka's mock cluster does not: `globalmart dev-broker` "
                             "creates every topic at start, a stream group's internal topic "
                             "with --group GROUP)";
  if (call.result == nullptr || rd_kafka_event_error(call.result) == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    return Status(ErrorCode::kTimeout, what + " within " + timeout_text + advice);
  }
  if (rd_kafka_resp_err_t err = rd_kafka_event_error(call.result)) {
    return Unavailable(what + ": " + rd_kafka_event_error_string(call.result) + " (" +
                       rd_kafka_err2name(err) + ")" + advice);
  }
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(call.result), &count);
  std::string failures;
  for (size_t i = 0; i < count; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      continue;
    }
    const char* reason = rd_kafka_topic_result_error_string(results[i]);
    failures += std::string(failures.empty() ? "" : "; ") + rd_kafka_topic_result_name(results[i]) +
                ": " + (reason != nullptr ? reason : rd_kafka_err2str(err));
  }
  if (!failures.empty()) {
    return Unavailable("Kafka at " + config.brokers + " refused to create topics: " + failures);
  }
  return Status::Ok();
}

}  // namespace gm::bus
