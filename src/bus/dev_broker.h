#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace gm::bus {

//! librdkafka's mock cluster on 127.0.0.1: a real Kafka-protocol server, in memory, for
//! development and tests only (it keeps about the newest 5 MiB per partition). Every topic
//! is created up front because the mock does not answer CreateTopics.
class DevBroker {
 public:
  //! Starts `brokers` mock brokers with `topics` of `partitions` partitions each.
  static Result<std::unique_ptr<DevBroker>> Start(int brokers,
                                                  const std::vector<std::string>& topics,
                                                  int32_t partitions);
  ~DevBroker();
  DevBroker(const DevBroker&) = delete;
  DevBroker& operator=(const DevBroker&) = delete;

  //! "127.0.0.1:PORT,..." for bootstrap.servers.
  const std::string& bootstrap_servers() const;

 private:
  DevBroker();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gm::bus
