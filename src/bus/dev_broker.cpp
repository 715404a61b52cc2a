#include "bus/dev_broker.h"

// rdkafka_mock.h must come after rdkafka.h (it checks).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstring>
#include <string>

#include "common/logging.h"

namespace gm::bus {
namespace {

// The mock cluster's own client never connects anywhere; its chatter is debug output.
void QuietLog(const rd_kafka_t*, int, const char* facility, const char* text) {
  Logger("bus")->debug("dev-broker librdkafka {}: {}", facility, text);
}

}  // namespace

struct DevBroker::Impl {
  rd_kafka_t* rk = nullptr;  //!< the handle the mock cluster is attached to
  rd_kafka_mock_cluster_t* cluster = nullptr;
  std::string bootstrap_servers;

  ~Impl() {
    if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
};

DevBroker::DevBroker() : impl_(std::make_unique<Impl>()) {}
DevBroker::~DevBroker() = default;

Result<std::unique_ptr<DevBroker>> DevBroker::Start(int brokers,
                                                    const std::vector<std::string>& topics,
                                                    int32_t partitions) {
  if (brokers < 1) return InvalidArgument("dev-broker needs at least one broker");
  if (partitions < 1) return InvalidArgument("dev-broker topics need at least one partition");

  std::unique_ptr<DevBroker> broker(new DevBroker());  // the constructor is private
  Impl& impl = *broker->impl_;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, QuietLog);
  char errstr[512];
  impl.rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (impl.rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Internal(std::string("dev-broker: cannot create a librdkafka client: ") + errstr);
  }
  impl.cluster = rd_kafka_mock_cluster_new(impl.rk, brokers);
  if (impl.cluster == nullptr) {
    return Unavailable("dev-broker: cannot start librdkafka's mock cluster on 127.0.0.1");
  }
  // Every topic up front: the mock does not answer CreateTopics, and topics it creates
  // on demand get 4 partitions rather than the configured count.
  for (const std::string& topic : topics) {
    rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(impl.cluster, topic.c_str(), partitions, /*replication=*/1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Internal("dev-broker: cannot create topic " + topic + ": " + rd_kafka_err2str(err));
    }
  }
  impl.bootstrap_servers = rd_kafka_mock_cluster_bootstraps(impl.cluster);
  return broker;
}

const std::string& DevBroker::bootstrap_servers() const { return impl_->bootstrap_servers; }

}  // namespace gm::bus
