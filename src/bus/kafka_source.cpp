// The Kafka consumer behind OpenKafkaSource (declared in bus/kafka_bus.h).

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "bus/internal/kafka_client.h"
#include "bus/kafka_bus.h"

namespace gm::bus {
namespace {

using SteadyClock = std::chrono::steady_clock;

//! Most messages one Poll delivers, so callers regain control regularly.
constexpr size_t kMaxPollMessages = 10'000;

//! Consumer defaults; kafka.properties are applied after these and may override them.
internal::Properties ConsumerDefaults(const KafkaConfig& config) {
  return {
      {"group.id", config.group_id},
      {"enable.auto.commit", "false"},  // offsets are committed by Commit() only
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "true"},  // drives AtEnd()
      {"auto.offset.reset", "earliest"},
  };
}

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using ListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

//! (topic, partition) ordering that also accepts string_view keys, so lookups per
//! message do not build strings.
struct PartitionLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
  }
};

class KafkaSource final : public Source, private internal::ClientContext {
 public:
  KafkaSource(const KafkaConfig& config, KafkaSourceOptions options)
      : ClientContext(config.brokers), config_(config), options_(std::move(options)) {}

  ~KafkaSource() override {
    if (rk_ == nullptr) return;
    if (subscribed_) {
      // Leaves the group: revokes (and, if asked, commits) the assignment first.
      rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk_);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        log().warn("closing the Kafka consumer: {}", rd_kafka_err2str(err));
      }
      rd_kafka_destroy(rk_);
    } else {
      rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    }
  }

  KafkaSource(const KafkaSource&) = delete;
  KafkaSource& operator=(const KafkaSource&) = delete;

  Status Open(const std::vector<std::string>& topics) {
    Result<internal::Handle> handle =
        internal::NewClient(RD_KAFKA_CONSUMER, config_, ConsumerDefaults(config_), *this);
    if (!handle.ok()) return handle.status();
    rk_ = std::move(handle).value().release();  // closed by hand in the destructor
    Result<internal::Metadata> md =
        internal::WaitForCluster(rk_, config_, *this, /*all_topics=*/false);
    if (!md.ok()) return md.status();
    rd_kafka_poll_set_consumer(rk_);  // one queue: messages, errors and rebalances

    ListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
    for (const std::string& topic : topics) {
      rd_kafka_topic_partition_list_add(list.get(), internal::FullTopicName(config_, topic).c_str(),
                                        RD_KAFKA_PARTITION_UA);
    }
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, list.get());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return InvalidArgument(std::string("cannot subscribe to Kafka topics: ") +
                             rd_kafka_err2str(err));
    }
    subscribed_ = true;
    return Status::Ok();
  }

  Result<size_t> Poll(const MessageHandler& handler, std::chrono::milliseconds timeout) override {
    const SteadyClock::time_point deadline = SteadyClock::now() + timeout;
    size_t delivered = 0;
    while (delivered < kMaxPollMessages) {
      // Wait only for the first message; then take what has already arrived.
      int wait_ms = 0;
      if (delivered == 0) {
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
        wait_ms = static_cast<int>(std::max<int64_t>(left.count(), 0));
      }
      MessagePtr m(rd_kafka_consumer_poll(rk_, wait_ms));
      if (!m) {
        if (delivered > 0 || SteadyClock::now() >= deadline) break;
        continue;
      }
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (PartitionState* state = Find(rd_kafka_topic_name(m->rkt), m->partition)) {
          state->at_eof = true;
        }
        if (delivered == 0 && AtEnd()) break;
        continue;
      }
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (Status s = ConsumerError(*m); !s.ok()) return s;
        continue;
      }
      const char* topic = rd_kafka_topic_name(m->rkt);
      // librdkafka drops messages of revoked partitions, so the partition is assigned.
      if (PartitionState* state = Find(topic, m->partition)) {
        state->at_eof = false;
        state->next_offset = m->offset + 1;
      }

      Message message;
      message.topic = topic;
      message.partition = m->partition;
      message.offset = m->offset;
      if (m->key != nullptr) message.key = {static_cast<const char*>(m->key), m->key_len};
      if (m->payload != nullptr) {
        message.payload = {static_cast<const char*>(m->payload), m->len};
      }
      rd_kafka_timestamp_type_t type;
      int64_t ms = rd_kafka_message_timestamp(m.get(), &type);
      message.event_time = ms > 0 ? ms * kMicrosPerMilli : 0;
      message.topic_is_schema = true;
      handler(message);
      ++delivered;
    }
    return delivered;
  }

  bool AtEnd() const override {
    return has_assignment_ && std::all_of(assigned_.begin(), assigned_.end(),
                                          [](const auto& kv) { return kv.second.at_eof; });
  }

  Status Commit(const std::vector<PartitionOffset>& offsets) override {
    if (offsets.empty()) return Status::Ok();
    ListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
    for (const PartitionOffset& po : offsets) {
      rd_kafka_topic_partition_list_add(list.get(), po.topic.c_str(), po.partition)->offset =
          po.offset;
    }
    return CommitList(list.get());
  }

 private:
  struct PartitionState {
    bool at_eof = false;
    int64_t next_offset = -1;  //!< after the last delivered message; -1 = none yet
  };
  using Key = std::pair<std::string, int32_t>;

  PartitionState* Find(std::string_view topic, int32_t partition) {
    auto it = assigned_.find(std::pair<std::string_view, int32_t>(topic, partition));
    return it == assigned_.end() ? nullptr : &it->second;
  }

  Status CommitList(rd_kafka_topic_partition_list_t* list) {
    rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list, /*async=*/0);
    if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return Status::Ok();  // nothing to commit
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int i = 0; i < list->cnt; ++i) {
        if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          err = list->elems[i].err;
          break;
        }
      }
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
    return Unavailable("cannot commit offsets of group " + config_.group_id + " to Kafka at " +
                       config_.brokers + ": " + rd_kafka_err2str(err));
  }

  // Errors delivered as messages: fatal ones end the source, the rest (a broker going
  // away, a topic that does not exist yet) are logged and librdkafka keeps retrying.
  Status ConsumerError(const rd_kafka_message_t& m) {
    std::string text = rd_kafka_message_errstr(&m);
    if (m.err == RD_KAFKA_RESP_ERR__FATAL) {
      char reason[512];
      rd_kafka_fatal_error(rk_, reason, sizeof reason);
      return Internal("the Kafka consumer failed for good: " + std::string(reason));
    }
    if (text != last_logged_error_) log().warn("Kafka consumer: {}", text);
    last_logged_error_ = std::move(text);
    RecordError(last_logged_error_);
    return Status::Ok();
  }

  static std::vector<PartitionOffset> ToOffsets(const rd_kafka_topic_partition_list_t& list) {
    std::vector<PartitionOffset> out;
    out.reserve(static_cast<size_t>(list.cnt));
    for (int i = 0; i < list.cnt; ++i) {
      out.push_back({list.elems[i].topic, list.elems[i].partition, -1});
    }
    return out;
  }

  // Runs on the polling thread, inside rd_kafka_consumer_poll or consumer_close.
  void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                   rd_kafka_topic_partition_list_t* partitions) override {
    // NULL while the consumer closes (its group request failed): not cooperative then.
    const char* protocol = rd_kafka_rebalance_protocol(rk);
    const bool cooperative = protocol != nullptr && std::strcmp(protocol, "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      if (!cooperative) assigned_.clear();
      for (int i = 0; i < partitions->cnt; ++i) {
        assigned_[Key(partitions->elems[i].topic, partitions->elems[i].partition)] = {};
      }
      has_assignment_ = true;
      log().info("group {}: assigned {} partitions ({} in total)", config_.group_id,
                 partitions->cnt, assigned_.size());
      if (options_.on_assign) {
        std::vector<PartitionOffset> offsets = ToOffsets(*partitions);
        options_.on_assign(offsets);
        for (int i = 0; i < partitions->cnt && i < static_cast<int>(offsets.size()); ++i) {
          if (offsets[static_cast<size_t>(i)].offset >= 0) {
            partitions->elems[i].offset = offsets[static_cast<size_t>(i)].offset;
          }
        }
      }
      if (cooperative) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, partitions)) {
          log().error("group {}: cannot assign: {}", config_.group_id, rd_kafka_error_string(e));
          rd_kafka_error_destroy(e);
        }
      } else {
        rd_kafka_assign(rk, partitions);
      }
      return;
    }
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      Revoke(rk, *partitions);
      if (cooperative) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, partitions)) {
          log().error("group {}: cannot unassign: {}", config_.group_id, rd_kafka_error_string(e));
          rd_kafka_error_destroy(e);
        }
      } else {
        rd_kafka_assign(rk, nullptr);
      }
      return;
    }
    log().error("group {}: rebalance failed: {}", config_.group_id, rd_kafka_err2str(err));
    assigned_.clear();
    has_assignment_ = false;
    rd_kafka_assign(rk, nullptr);
  }

  void Revoke(rd_kafka_t* rk, const rd_kafka_topic_partition_list_t& partitions) {
    std::vector<PartitionOffset> revoked = ToOffsets(partitions);
    for (PartitionOffset& po : revoked) {
      auto it = assigned_.find(std::pair<std::string_view, int32_t>(po.topic, po.partition));
      if (it != assigned_.end()) po.offset = it->second.next_offset;
    }
    log().info("group {}: {} partitions revoked", config_.group_id, revoked.size());
    if (options_.on_revoke) options_.on_revoke(revoked);
    // A lost assignment (session timed out) may already belong to someone else: its
    // offsets must not be committed.
    if (options_.commit_delivered_on_revoke && !rd_kafka_assignment_lost(rk)) {
      ListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(revoked.size())));
      for (const PartitionOffset& po : revoked) {
        if (po.offset < 0) continue;
        rd_kafka_topic_partition_list_add(list.get(), po.topic.c_str(), po.partition)->offset =
            po.offset;
      }
      if (list->cnt > 0) {
        if (Status s = CommitList(list.get()); !s.ok()) log().warn("{}", s.message());
      }
    }
    for (const PartitionOffset& po : revoked) {
      auto it = assigned_.find(std::pair<std::string_view, int32_t>(po.topic, po.partition));
      if (it != assigned_.end()) assigned_.erase(it);
    }
    // Between giving partitions back and the next assignment the source is not at its
    // end: it does not know yet what it will read.
    if (assigned_.empty()) has_assignment_ = false;
  }

  const KafkaConfig config_;
  const KafkaSourceOptions options_;
  rd_kafka_t* rk_ = nullptr;  //!< owned; closed and destroyed by the destructor
  bool subscribed_ = false;
  // The fields below are touched only by the polling thread (rebalances run inside
  // Poll or the destructor), so they need no lock.
  std::map<Key, PartitionState, PartitionLess> assigned_;
  bool has_assignment_ = false;  //!< the group has assigned partitions (possibly none)
  std::string last_logged_error_;
};

}  // namespace

Result<std::unique_ptr<Source>> OpenKafkaSource(const KafkaConfig& config,
                                                const std::vector<std::string>& topics,
                                                KafkaSourceOptions options) {
  auto source = std::make_unique<KafkaSource>(config, std::move(options));
  if (Status s = source->Open(topics); !s.ok()) return s;
  return std::unique_ptr<Source>(std::move(source));
}

}  // namespace gm::bus
