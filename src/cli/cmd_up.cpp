// `globalmart up`: the whole platform in one process (embedded mode, DESIGN.md §2).
// Services start in dependency order and stop in reverse, flushing what they hold:
// memory bus → consumers → generator; stop: generator → bus close → consumers drain.
#include <iostream>
#include <thread>

#include "bus/memory_bus.h"
#include "cli/command.h"
#include "cli/signals.h"
#include "cli/topic_rates.h"
#include "common/logging.h"
#include "events/event.h"
#include "generator/generator.h"

namespace gm::cli {
namespace {

struct UpFlags {
  FlagOverrides overrides;
  std::string run_for;
};

int RunUp(const CliContext& ctx, const UpFlags& flags) {
  std::optional<LoadedConfig> loaded = LoadConfigOrReport(ctx, &flags.overrides);
  if (!loaded) return kExitUsage;
  const Config& config = loaded->config;
  Micros run_for = 0;
  if (!flags.run_for.empty()) {
    Result<Micros> d = ParseDuration(flags.run_for);
    if (!d.ok()) {
      std::cerr << "globalmart: invalid value '" << flags.run_for
                << "' for --run-for: " << d.status().message() << "\n";
      return kExitUsage;
    }
    run_for = *d;
  }
  if (Status s = InitLogging(config.log.level, config.log.dir, "globalmart.log"); !s.ok()) {
    return ReportFailure(s);
  }
  auto log = Logger("up");
  const std::atomic<bool>& signalled = InstallStopSignals();
  const Clock& clock = SystemClock::Instance();

  std::vector<std::string> topics;
  for (events::Topic t : events::kAllTopics) topics.emplace_back(events::TopicName(t));
  bus::MemoryBus bus(topics, config.bus.partitions,
                     static_cast<size_t>(config.bus.memory_capacity));
  std::unique_ptr<bus::Source> source = bus.NewSource();
  TopicRateReporter reporter(*source, config.up.report_interval, clock, Logger("consumer"));
  reporter.Start();

  log->info(
      "globalmart up: generator ({} profile, {} events/s, {} customers) → memory bus "
      "({} partitions per topic) → consumer; logs in {}/globalmart.log; Ctrl-C stops",
      GeneratorProfileName(config.generator.profile),
      config.generator.rate == 0 ? std::string("max") : fmt::format("{}", config.generator.rate),
      config.generator.customers, config.bus.partitions, config.log.dir);

  std::atomic<bool> stop_generator{false};
  Result<generator::GeneratorStats> generated = Internal("generator did not run");
  std::unique_ptr<bus::Sink> sink = bus.NewSink();
  std::thread generator_thread([&] {
    generator::RunOptions options;
    options.clock = &clock;
    options.stop = &stop_generator;
    generated = generator::RunGenerator(config.generator, *sink, options);
    if (!generated.ok() && !stop_generator.load()) {
      log->error("generator failed: {}", generated.status().ToString());
    }
  });

  const Micros started = clock.Now();
  while (!signalled.load() && (run_for == 0 || clock.Now() - started < run_for)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  log->info("stopping: generator, then the bus, then the consumer (draining queued events)");
  stop_generator.store(true);
  generator_thread.join();
  bus.Close();
  reporter.Stop();
  if (generated.ok()) {
    log->info("generated {} events", generated->events);
  }
  return kExitOk;
}

}  // namespace

void RegisterUpCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* cmd = app.add_subcommand(
      "up",
      "Run the whole platform in one process: the synthetic shop feeds the in-process bus, "
      "a consumer decodes every event and prints per-topic rates every up.report_interval. "
      "Stop with Ctrl-C (queued events are drained first).");
  auto flags = std::make_shared<UpFlags>();
  flags->overrides.Add(*cmd, "--profile", "generator.profile", "Behaviour profile: realistic|seed");
  flags->overrides.Add(*cmd, "--rate", "generator.rate", "Generated events per second, or max");
  flags->overrides.Add(*cmd, "--customers", "generator.customers", "Customer population");
  flags->overrides.Add(*cmd, "--seed", "generator.seed", "Random seed");
  flags->overrides.Add(*cmd, "--partitions", "bus.partitions", "Memory-bus partitions per topic");
  cmd->add_option("--run-for", flags->run_for,
                  "Stop by itself after this much wall time (e.g. 30s); default: run until Ctrl-C");
  cmd->callback([&ctx, flags] { ctx.exit_code = RunUp(ctx, *flags); });
}

}  // namespace gm::cli
