// `globalmart dev-broker`: librdkafka's mock cluster as a stand-in Kafka for development.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bus/dev_broker.h"
#include "bus/sink_spec.h"
#include "cli/command.h"
#include "cli/signals.h"
#include "common/logging.h"

namespace gm::cli {
namespace {

//! Topics the pipeline uses internally, per stream consumer group (re-partitioning),
//! created next to the shop topics because the mock cluster does not answer CreateTopics.
//! Add new ones here.
std::vector<std::string> InternalTopics(const std::string& group) {
  return {bus::StockChangesTopic(group)};
}

constexpr char kHelpFooter[] =
    "What this is:\n"
    "  librdkafka's built-in MOCK CLUSTER, an in-memory Kafka-protocol server on 127.0.0.1\n"
    "  (random port), so Kafka mode can be tried without installing Kafka.\n"
    "  FOR DEVELOPMENT AND TESTS ONLY:\n"
    "  - it keeps only the newest ~5 MiB (or 100,000 message sets) per partition and\n"
    "    SILENTLY DROPS older data;\n"
    "  - all data is lost when it exits;\n"
    "  - it does not answer CreateTopics, so every topic is created at start (the four\n"
    "    shop topics, and the internal GROUP-stock_changes topic of kafka.group_id and of\n"
    "    each --group, with kafka.topic_prefix, --partitions partitions each); topics a\n"
    "    client asks for later are auto-created with 4 partitions, and `stream` refuses a\n"
    "    group whose internal topic is missing.\n"
    "  Runs until SIGINT/SIGTERM (Ctrl-C), then exits 0. Use a real Kafka cluster\n"
    "  (kafka.brokers) for anything else.\n"
    "\n"
    "Example:\n"
    "  globalmart dev-broker --bootstrap-file /tmp/bootstrap &\n"
    "  globalmart generate --to kafka --brokers \"$(cat /tmp/bootstrap)\" --count 100000\n"
    "  kcat -b \"$(cat /tmp/bootstrap)\" -L";

struct DevBrokerOptions {
  int brokers = 1;
  std::vector<std::string> groups;
  std::string bootstrap_file;
  FlagOverrides flags;
};

// Writes `text` to `path` through a temporary file and a rename, so a script polling
// for the file never reads it half-written.
bool WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text << '\n';
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

int RunDevBroker(const CliContext& ctx, const DevBrokerOptions& options) {
  std::optional<LoadedConfig> loaded = LoadConfigOrReport(ctx, &options.flags);
  if (!loaded) return kExitUsage;
  const Config& config = loaded->config;
  if (Status s = InitLogging(config.log.level, config.log.dir, ""); !s.ok()) {
    return ReportFailure(s);
  }

  std::vector<std::string> topics;
  for (const std::string& t : bus::ShopTopics()) topics.push_back(config.kafka.topic_prefix + t);
  std::vector<std::string> groups = {config.kafka.group_id};
  for (const std::string& g : options.groups) {
    if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
  }
  for (const std::string& g : groups) {
    for (const std::string& t : InternalTopics(g)) topics.push_back(config.kafka.topic_prefix + t);
  }

  const std::atomic<bool>& stop = InstallStopSignals();
  Result<std::unique_ptr<bus::DevBroker>> broker =
      bus::DevBroker::Start(options.brokers, topics, config.bus.partitions);
  if (!broker.ok()) {
    return ReportFailure(broker.status());
  }
  const std::string& bootstrap = (*broker)->bootstrap_servers();
  const std::string first = bootstrap.substr(0, bootstrap.find(','));

  std::string topic_list;
  for (const std::string& t : topics) topic_list += (topic_list.empty() ? "" : ", ") + t;
  std::cout << "dev-broker: Kafka protocol on " << first << " (bootstrap.servers=" << bootstrap
            << ")\n"
            << "dev-broker: topics (" << config.bus.partitions
            << " partitions each): " << topic_list << "\n"
            << "dev-broker: in memory, for development only: keeps the newest ~5 MiB per "
               "partition, loses everything on exit\n"
            << "dev-broker: try  globalmart generate --to kafka --brokers " << bootstrap
            << "   or   kcat -b " << bootstrap << " -L\n"
            << "dev-broker: running; Ctrl-C stops it" << std::endl;

  if (!options.bootstrap_file.empty() && !WriteFileAtomically(options.bootstrap_file, bootstrap)) {
    std::cerr << "globalmart: dev-broker: cannot write " << options.bootstrap_file << "\n";
    return kExitFailure;
  }

  while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));

  // A stale file would point scripts at a broker that is gone.
  if (!options.bootstrap_file.empty()) std::remove(options.bootstrap_file.c_str());
  std::cout << "dev-broker: stopped" << std::endl;
  return kExitOk;
}

}  // namespace

void RegisterDevBrokerCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* cmd = app.add_subcommand(
      "dev-broker",
      "In-memory Kafka stand-in (librdkafka's mock cluster) for development and tests only: "
      "keeps ~5 MiB per partition, loses all data on exit");
  cmd->footer(kHelpFooter);
  auto options = std::make_shared<DevBrokerOptions>();
  cmd->add_option("--brokers-count", options->brokers, "Number of mock brokers")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  options->flags
      .Add(*cmd, "--partitions", "bus.partitions",
           "Partitions of every topic it creates (default 6)")
      ->type_name("N");
  cmd->add_option("--group", options->groups,
                  "Also create the internal topics of this `stream` consumer group (repeatable; "
                  "kafka.group_id's are always created)")
      ->type_name("GROUP");
  cmd->add_option("--bootstrap-file", options->bootstrap_file,
                  "Once up, write the bootstrap servers (HOST:PORT,...) to this file, for "
                  "scripts; removed on exit")
      ->type_name("PATH");
  cmd->callback([&ctx, options] { ctx.exit_code = RunDevBroker(ctx, *options); });
}

}  // namespace gm::cli
