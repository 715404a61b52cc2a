#include "bus/internal/kafka_client.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "common/logging.h"
#include "common/time.h"

namespace gm::bus::internal {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};
//! One metadata request waits at least this long (and at most the current backoff, if
//! longer), so retries and their log lines keep coming while the cluster is away.
constexpr std::chrono::milliseconds kMinAttempt{500};

ClientContext& ContextOf(const rd_kafka_t* rk) {
  return *static_cast<ClientContext*>(rd_kafka_opaque(rk));
}

// librdkafka logs with syslog levels from its own threads. Two kinds go to debug level to
// keep the console readable: connection failures ("FAIL"), which the error callback also
// reports and the connect loop summarises, and warnings that a consumer property is
// ignored by a producer (or the reverse): kafka.properties serve both.
void LogCallback(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  spdlog::logger& log = ContextOf(rk).log();
  spdlog::level::level_enum lvl = level <= 4   ? spdlog::level::warn
                                  : level <= 6 ? spdlog::level::info
                                               : spdlog::level::debug;
  if (std::strcmp(facility, "FAIL") == 0 ||
      (std::strcmp(facility, "CONFWARN") == 0 && std::strstr(text, "will be ignored by this"))) {
    lvl = spdlog::level::debug;
  }
  log.log(lvl, "librdkafka {}: {}", facility, text);
}

void ErrorCallback(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto& context = *static_cast<ClientContext*>(opaque);
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  // "1/1 brokers are down" says less than the transport error that preceded it.
  if (code != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) context.RecordError(reason);
  context.log().log(context.quiet() ? spdlog::level::debug : spdlog::level::warn,
                    "Kafka client error ({}): {}", rd_kafka_err2name(code), reason);
}

void DeliveryCallback(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  static_cast<ClientContext*>(opaque)->OnDelivery(*message);
}

void RebalanceCallback(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                       rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<ClientContext*>(opaque)->OnRebalance(rk, err, partitions);
}

Status SetProperty(rd_kafka_conf_t* conf, const std::string& name, const std::string& value,
                   bool from_user) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) !=
      RD_KAFKA_CONF_OK) {
    std::string key = from_user ? "kafka.properties." + name : name;
    return InvalidArgument("Kafka property " + key + "='" + value + "': " + errstr);
  }
  return Status::Ok();
}

}  // namespace

ClientContext::ClientContext(std::string brokers)
    : brokers_(std::move(brokers)), logger_(Logger("bus")) {}

void ClientContext::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t,
                                rd_kafka_topic_partition_list_t*) {
  rd_kafka_assign(rk, nullptr);
}

void ClientContext::RecordError(std::string message) {
  std::lock_guard lock(mu_);
  last_error_ = std::move(message);
}

std::string ClientContext::LastError() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

void ClientContext::SetQuiet(bool quiet) {
  std::lock_guard lock(mu_);
  quiet_ = quiet;
}

bool ClientContext::quiet() const {
  std::lock_guard lock(mu_);
  return quiet_;
}

Result<Handle> NewClient(rd_kafka_type_t type, const KafkaConfig& config,
                         const Properties& defaults, ClientContext& context) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Status status = SetProperty(conf, "bootstrap.servers", config.brokers, false);
  if (status.ok()) status = SetProperty(conf, "client.id", "globalmart", false);
  // librdkafka's own reconnect backoff grows to 10 s by default; keep it at the connect
  // loop's cap so a broker that comes back is noticed as soon.
  if (status.ok()) status = SetProperty(conf, "reconnect.backoff.max.ms", "5000", false);
  for (const auto& [name, value] : defaults) {
    if (status.ok()) status = SetProperty(conf, name, value, false);
  }
  for (const auto& [name, value] : config.properties) {
    if (status.ok()) status = SetProperty(conf, name, value, true);
  }
  if (!status.ok()) {
    rd_kafka_conf_destroy(conf);
    return status;
  }
  rd_kafka_conf_set_opaque(conf, &context);
  rd_kafka_conf_set_log_cb(conf, LogCallback);
  rd_kafka_conf_set_error_cb(conf, ErrorCallback);
  if (type == RD_KAFKA_PRODUCER) rd_kafka_conf_set_dr_msg_cb(conf, DeliveryCallback);
  if (type == RD_KAFKA_CONSUMER) rd_kafka_conf_set_rebalance_cb(conf, RebalanceCallback);

  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);  // still ours when rd_kafka_new fails
    return InvalidArgument(std::string("cannot create a Kafka client: ") + errstr);
  }
  return Handle(rk);
}

Result<Metadata> WaitForCluster(rd_kafka_t* rk, const KafkaConfig& config, ClientContext& context,
                                bool all_topics) {
  const auto timeout = std::chrono::milliseconds(config.connect_timeout / kMicrosPerMilli);
  const SteadyClock::time_point deadline = SteadyClock::now() + timeout;
  std::chrono::milliseconds backoff = kFirstBackoff;
  context.SetQuiet(true);
  std::string last_error;
  for (int attempt = 1;; ++attempt) {
    auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    const auto attempt_timeout =
        std::max(std::min(remaining, std::max(kMinAttempt, backoff)), std::chrono::milliseconds(1));
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, all_topics ? 1 : 0, nullptr, &md,
                                                static_cast<int>(attempt_timeout.count()));
    rd_kafka_poll(rk, 0);  // serves the error callback, which records what went wrong
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      context.SetQuiet(false);
      if (attempt > 1) context.log().info("reached Kafka at {}", config.brokers);
      return Metadata(md);
    }
    last_error = context.LastError();
    if (last_error.empty()) last_error = rd_kafka_err2str(err);
    remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (remaining.count() <= 0) break;
    const auto pause = std::min(backoff, remaining);
    context.log().warn("cannot reach Kafka at {} yet ({}); retry {} in {}", config.brokers,
                       last_error, attempt, DurationText(pause));
    std::this_thread::sleep_for(pause);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
  context.SetQuiet(false);
  return Unavailable("cannot reach Kafka at " + config.brokers + " after " + DurationText(timeout) +
                     ": " + last_error);
}

std::string FullTopicName(const KafkaConfig& config, std::string_view topic) {
  std::string name = config.topic_prefix;
  name.append(topic);
  return name;
}

std::string DurationText(std::chrono::milliseconds d) {
  return FormatDuration(static_cast<Micros>(d.count()) * kMicrosPerMilli);
}

}  // namespace gm::bus::internal
