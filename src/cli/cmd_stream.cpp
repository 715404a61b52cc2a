// `globalmart stream`: one stream-processing process (DESIGN.md §2, distributed mode), or
// a deterministic replay of a JSONL file.
#include <iostream>
#include <thread>

#include "bus/kafka_bus.h"
#include "bus/memory_bus.h"
#include "bus/sink_spec.h"
#include "cli/command.h"
#include "cli/signals.h"
#include "cli/stream_pipeline.h"
#include "common/logging.h"
#include "generator/generator.h"

namespace gm::cli {
namespace {

struct StreamFlags {
  FlagOverrides overrides;
  std::string from = "memory";
  bool until_eof = false;
  bool null_store = false;
};

int RunStream(const CliContext& ctx, const StreamFlags& flags) {
  std::optional<LoadedConfig> loaded = LoadConfigOrReport(ctx, &flags.overrides);
  if (!loaded) return kExitUsage;
  const Config& config = loaded->config;
  std::string path;
  if (flags.from.starts_with("file:")) {
    path = flags.from.substr(5);
    if (path.empty())
      return ReportFailure(InvalidArgument("--from file: needs a path, e.g. file:events.jsonl"));
  } else if (flags.from != "memory" && flags.from != "kafka") {
    return ReportFailure(InvalidArgument("invalid value '" + flags.from +
                                         "' for --from: expected memory, kafka or file:PATH"));
  }
  if (flags.until_eof && flags.from == "memory") {
    return ReportFailure(InvalidArgument("--until-eof applies to --from file:PATH and kafka"));
  }
  if (Status s = InitLogging(config.log.level, config.log.dir, "stream.log"); !s.ok()) {
    return ReportFailure(s);
  }
  auto log = Logger("stream");
  const std::atomic<bool>& signalled = InstallStopSignals();

  Result<StreamServices> services = StartStreamServices(config, flags.null_store);
  if (!services.ok()) return ReportFailure(services.status());
  if (services->database) {
    log->info("database: {}; open it with: {}", services->database->DisplayUrl(),
              services->database->PsqlCommand());
  }
  stream::EngineOptions options = EngineOptionsFor(config, config.kafka.group_id);
  const auto started = std::chrono::steady_clock::now();
  Micros last_progress = 0;
  options.on_checkpoint = [&](const stream::EngineStats& s) {
    const Micros now = SystemClock::Instance().Now();
    if (now - last_progress < 5 * kMicrosPerSecond) return;
    last_progress = now;
    log->info("{}", FormatEngineStats(s));
  };
  stream::Engine engine(options, *services->store, *services->catalog);

  Status status;
  // What the log names as the processing stage: "processors" for all of them.
  const std::string processors = config.stream.processors == StreamProcessors{}
                                     ? std::string("processors")
                                     : ProcessorsText(config.stream.processors);
  if (!path.empty()) {
    log->info("stream: {} → {} → {} (group {}, {} tasks{})", path, processors,
              flags.null_store ? "null store" : "PostgreSQL", config.kafka.group_id,
              config.bus.partitions, flags.until_eof ? ", until the end of the file" : "");
    status = engine.RunFile(path, flags.until_eof, signalled);
  } else if (flags.from == "kafka") {
    // The shop topics and (for the inventory tracker) the group's stock re-partition topic,
    // co-partitioned.
    std::vector<std::string> topics = bus::ShopTopics();
    if (config.stream.processors.inventory) {
      topics.push_back(bus::StockChangesTopic(config.kafka.group_id));
    }
    if (Status s = bus::EnsureTopics(config.kafka, topics, config.bus.partitions); !s.ok()) {
      return ReportFailure(s);
    }
    log->info("stream: Kafka {} (group {}, topic prefix '{}') → {} → {}{}", config.kafka.brokers,
              config.kafka.group_id, config.kafka.topic_prefix, processors,
              flags.null_store ? "null store" : "PostgreSQL",
              flags.until_eof ? ", until every assigned partition is read to its end" : "");
    status = engine.RunKafka(config.kafka, flags.until_eof, signalled);
  } else {
    // A self-contained run: the synthetic shop feeds an in-process bus.
    bus::MemoryBus bus(bus::ShopTopics(), config.bus.partitions,
                       static_cast<size_t>(config.bus.memory_capacity));
    std::unique_ptr<bus::Sink> sink = bus.NewSink();
    std::atomic<bool> stop_engine{false};
    std::thread generator_thread([&] {
      generator::RunOptions run;
      run.stop = &signalled;
      Result<generator::GeneratorStats> g = generator::RunGenerator(config.generator, *sink, run);
      if (!g.ok()) log->error("generator failed: {}", g.status().ToString());
      // Let the engine take what is queued, then stop it.
      while (!signalled.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (engine.stats().received >= (g.ok() ? g->events : 0)) break;
      }
      stop_engine = true;
    });
    std::atomic<bool>* stop = &stop_engine;
    std::thread watcher([&] {
      while (!stop->load()) {
        if (signalled.load()) stop->store(true);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
    log->info("stream: generator → memory bus ({} partitions) → {} → {}", config.bus.partitions,
              processors, flags.null_store ? "null store" : "PostgreSQL");
    status = engine.RunMemory(bus, stop_engine);
    stop_engine = true;
    bus.Close();
    generator_thread.join();
    watcher.join();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const stream::EngineStats stats = engine.stats();
  std::cout << FormatEngineStats(stats) << "\n";
  std::cout << "processed " << stats.received << " messages in " << fmt::format("{:.2f}", seconds)
            << " s (" << static_cast<int64_t>(stats.received / std::max(seconds, 1e-9))
            << " messages/s), " << stats.checkpoints << " checkpoints\n";
  if (stats.freshness_max > 0) {
    std::cout << fmt::format(
        "freshness (oldest message of a checkpoint → committed): p50 {} ms · p99 {} ms · max {} "
        "ms\n",
        stats.freshness_p50 / 1000, stats.freshness_p99 / 1000, stats.freshness_max / 1000);
  }
  if (!status.ok()) return ReportFailure(status);
  return kExitOk;
}

}  // namespace

void RegisterStreamCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* cmd = app.add_subcommand(
      "stream",
      "Run the stream processors: decode and validate events (bad ones become "
      "dead_letter_events rows), drop duplicates, compute sales_metrics windows, score "
      "transaction_anomalies, track sessions, carts and inventory (session_metrics, "
      "cart_abandonment, inventory_status, low_stock_alerts; with --from kafka, stock changes "
      "move between processes through the group's internal topic GROUP-stock_changes) and "
      "archive transactions into PostgreSQL, committing outputs with source offsets so a "
      "restart resumes exactly where the last checkpoint ended.");
  auto flags = std::make_shared<StreamFlags>();
  cmd->add_option("--from", flags->from,
                  "Event source: file:PATH (a JSONL file, as `generate --to file:PATH` writes "
                  "it; deterministic), memory (the synthetic shop in this process), or kafka")
      ->capture_default_str();
  cmd->add_flag("--until-eof", flags->until_eof,
                "File or Kafka source: at the end of the input close every window, commit and "
                "exit (otherwise wait for more events until Ctrl-C)");
  cmd->add_flag("--null-store", flags->null_store,
                "Drop checkpoints instead of committing them to PostgreSQL (benchmarks of the "
                "processing core; nothing is stored)");
  flags->overrides.Add(*cmd, "--group", "kafka.group_id",
                       "Consumer group: names the offsets and state to resume from");
  flags->overrides.Add(*cmd, "--brokers", "kafka.brokers", "kafka source: bootstrap servers");
  flags->overrides.Add(*cmd, "--partitions", "bus.partitions",
                       "Tasks (partitions of the user-keyed topics)");
  flags->overrides.Add(*cmd, "--processors", "stream.processors",
                       "Processors to run: a comma-separated list of sales, anomalies, archive, "
                       "sessions, inventory (inventory needs sessions), or all");
  flags->overrides.Add(*cmd, "--workers", "stream.workers",
                       "Processing threads (0 = one per core)");
  flags->overrides.Add(*cmd, "--checkpoint-interval", "stream.checkpoint_interval",
                       "How often outputs, offsets and state are committed");
  flags->overrides.Add(*cmd, "--rate", "generator.rate",
                       "memory source: events per second, or max");
  flags->overrides.Add(*cmd, "--count", "generator.count",
                       "memory source: stop after this many events");
  flags->overrides.Add(*cmd, "--profile", "generator.profile", "memory source: realistic|seed");
  AddStoreFlags(cmd, flags->overrides);
  cmd->callback([&ctx, flags] { ctx.exit_code = RunStream(ctx, *flags); });
}

}  // namespace gm::cli
