// Test helper for kafka_cli_test.sh: one member of a consumer group, reading with
// OpenKafkaSource and printing "TOPIC PARTITION OFFSET" per message to stdout. It commits
// what it has read after every poll and when partitions are taken away, so a member that
// takes over starts right after. A summary goes to stderr.
//
//   group_reader --brokers HOST:PORT --group G --topics a,b [--idle-ms 4000]
//                [--ready-file PATH] [--done-file PATH] [--max-seconds 120]
//                [--log-level info] [--property NAME=VALUE ...]
//
// --ready-file is created once the group has given this member its partitions and they
// are read to the end: the script starts producing when every member is ready, so no
// rebalance happens while messages flow. The reader exits (0) once --done-file exists
// (if given) and its partitions have stayed at the end, without a rebalance, for
// --idle-ms; it exits 1 on an error or after --max-seconds.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bus/kafka_bus.h"
#include "common/logging.h"

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

int Usage() {
  std::cerr << "usage: group_reader --brokers B --group G --topics a,b [--idle-ms N] "
               "[--ready-file PATH] [--done-file PATH] [--max-seconds N] [--log-level L] "
               "[--property NAME=VALUE ...]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  gm::KafkaConfig config;
  std::vector<std::string> topics;
  int idle_ms = 4000;
  int max_seconds = 120;
  std::string log_level = "info";
  std::string ready_file;
  std::string done_file;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return Usage();
    std::string value = argv[++i];
    if (arg == "--brokers") {
      config.brokers = value;
    } else if (arg == "--group") {
      config.group_id = value;
    } else if (arg == "--topics") {
      topics = Split(value, ',');
    } else if (arg == "--idle-ms") {
      idle_ms = std::atoi(value.c_str());
    } else if (arg == "--max-seconds") {
      max_seconds = std::atoi(value.c_str());
    } else if (arg == "--ready-file") {
      ready_file = value;
    } else if (arg == "--done-file") {
      done_file = value;
    } else if (arg == "--log-level") {
      log_level = value;
    } else if (arg == "--property") {
      size_t eq = value.find('=');
      if (eq == std::string::npos) return Usage();
      config.properties[value.substr(0, eq)] = value.substr(eq + 1);
    } else {
      return Usage();
    }
  }
  if (topics.empty()) return Usage();
  if (gm::Status s = gm::InitLogging(log_level, "", ""); !s.ok()) {
    std::cerr << "group_reader: " << s.message() << "\n";
    return 2;
  }

  gm::bus::KafkaSourceOptions options;
  options.commit_delivered_on_revoke = true;
  int rebalances = 0;
  options.on_assign = [&](const std::vector<gm::bus::PartitionOffset>&) { ++rebalances; };
  options.on_revoke = [&](const std::vector<gm::bus::PartitionOffset>&) { ++rebalances; };
  auto source = gm::bus::OpenKafkaSource(config, topics, options);
  if (!source.ok()) {
    std::cerr << "group_reader: " << source.status().message() << "\n";
    return 1;
  }

  std::string out;
  std::map<std::pair<std::string, int32_t>, int64_t> next;  // positions to commit
  size_t total = 0;
  bool ready = false;
  const auto deadline = Clock::now() + std::chrono::seconds(max_seconds);
  Clock::time_point quiet_since = Clock::now();
  int rebalances_seen = 0;
  while (true) {
    if (Clock::now() > deadline) {
      std::cerr << "group_reader: not done after " << max_seconds << " s (read " << total << ")\n";
      return 1;
    }
    out.clear();
    gm::Result<size_t> n = (*source)->Poll(
        [&](const gm::bus::Message& m) {
          out.append(m.topic);
          out += ' ';
          out += std::to_string(m.partition);
          out += ' ';
          out += std::to_string(m.offset);
          out += '\n';
          next[{std::string(m.topic), m.partition}] = m.offset + 1;
        },
        std::chrono::milliseconds(100));
    if (!n.ok()) {
      std::cerr << "group_reader: " << n.status().message() << "\n";
      return 1;
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    total += *n;
    if (!next.empty()) {
      std::vector<gm::bus::PartitionOffset> offsets;
      for (const auto& [tp, offset] : next) offsets.push_back({tp.first, tp.second, offset});
      next.clear();
      if (gm::Status s = (*source)->Commit(offsets); !s.ok()) {
        std::cerr << "group_reader: " << s.message() << "\n";
      }
    }
    const bool at_end = (*source)->AtEnd();
    if (at_end && !ready && !ready_file.empty()) {
      ready = true;
      std::ofstream(ready_file) << "ready\n";
    }
    if (*n > 0 || !at_end || rebalances != rebalances_seen ||
        (!done_file.empty() && !std::filesystem::exists(done_file))) {
      rebalances_seen = rebalances;
      quiet_since = Clock::now();
    } else if (Clock::now() - quiet_since >= std::chrono::milliseconds(idle_ms)) {
      break;
    }
  }
  std::fflush(stdout);
  std::cerr << "group_reader: " << config.group_id << ": read " << total << " messages\n";
  return 0;
}
