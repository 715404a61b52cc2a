// `globalmart generate`: the synthetic shop (docs/generator.md) into a sink — a JSONL file
// or stdout, Kafka, or nothing — with optional ground truth for the anomaly detector.
#include <fmt/format.h>
#include <sys/resource.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "bus/sink_spec.h"
#include "cli/command.h"
#include "cli/signals.h"
#include "common/logging.h"
#include "events/event.h"
#include "generator/generator.h"

namespace gm::cli {
namespace {

// Where events go when --to is not given: JSONL on stdout, so `generate --count 5` shows
// what the shop produces and pipes into other tools; `--to kafka` is the distributed mode.
constexpr char kDefaultSink[] = "file:-";

struct GenerateFlags {
  FlagOverrides overrides;
  std::string to = kDefaultSink;
  std::string truth;
  std::string progress = "5s";
  bool quiet = false;
};

std::string Thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024;  // Linux reports KiB
}

double PerSecond(int64_t events, Micros elapsed) {
  return elapsed > 0 ? static_cast<double>(events) * kMicrosPerSecond / elapsed : 0;
}

void PrintProgress(const generator::GeneratorStats& s) {
  std::cerr << "generate: " << Thousands(s.events) << " events";
  if (s.backfill_events > 0) std::cerr << " (" << Thousands(s.backfill_events) << " history)";
  std::cerr << ", " << Thousands(static_cast<int64_t>(PerSecond(s.events, s.elapsed)))
            << " events/s, event time " << FormatTimestamp(s.last_event_time)
            << (s.behind ? ", behind the requested rate" : "") << "\n";
}

void PrintSummary(const generator::GeneratorStats& s, bool stopped) {
  std::cerr << (stopped ? "stopped after " : "generated ") << Thousands(s.events) << " events in "
            << fmt::format("{:.2f}", static_cast<double>(s.elapsed) / kMicrosPerSecond) << " s ("
            << Thousands(static_cast<int64_t>(PerSecond(s.events, s.elapsed))) << " events/s)";
  if (s.backfill_events > 0) std::cerr << ", " << Thousands(s.backfill_events) << " of history";
  std::cerr << "\n ";
  for (events::Topic t : events::kAllTopics) {
    std::cerr << " " << events::TopicName(t) << " " << Thousands(s.per_topic[static_cast<int>(t)]);
  }
  std::cerr << "\n  transactions some anomaly rule must flag " << Thousands(s.labelled)
            << ", with an injected anomaly " << Thousands(s.injected) << "\n  "
            << fmt::format("{:.1f}", static_cast<double>(s.bytes) / (1 << 20))
            << " MiB of JSON, peak RSS " << fmt::format("{:.0f}", PeakRssMiB()) << " MiB\n";
}

int RunGenerate(const CliContext& ctx, const GenerateFlags& flags) {
  std::optional<LoadedConfig> loaded = LoadConfigOrReport(ctx, &flags.overrides);
  if (!loaded) return kExitUsage;
  const Config& config = loaded->config;
  Result<Micros> progress_interval = ParseDuration(flags.progress);
  if (!progress_interval.ok()) {
    std::cerr << "globalmart: invalid value '" << flags.progress
              << "' for --progress: " << progress_interval.status().message() << "\n";
    return kExitUsage;
  }
  if (flags.truth == "-" && flags.to == "file:-") {
    std::cerr << "globalmart: --truth - and --to file:- would both write to stdout\n";
    return kExitUsage;
  }
  if (Status s = InitLogging(config.log.level, config.log.dir, ""); !s.ok()) {
    return ReportFailure(s);
  }

  Result<std::unique_ptr<bus::Sink>> sink = bus::OpenSinkBySpec(flags.to, config);
  if (!sink.ok()) {
    return ReportFailure(
        Status(sink.status().code(), "--to " + flags.to + ": " + sink.status().message()));
  }
  std::ofstream truth_file;
  std::ostream* truth = nullptr;
  if (flags.truth == "-") {
    truth = &std::cout;
  } else if (!flags.truth.empty()) {
    truth_file.open(flags.truth, std::ios::binary | std::ios::trunc);
    if (!truth_file) {
      std::cerr << "globalmart: cannot write --truth " << flags.truth << "\n";
      return kExitFailure;
    }
    truth = &truth_file;
  }

  const std::atomic<bool>& stop = InstallStopSignals();
  generator::RunOptions options;
  options.stop = &stop;
  options.truth = truth;
  options.progress_interval = *progress_interval > 0 ? *progress_interval : kMicrosPerDay * 365;
  const Micros started = SystemClock::Instance().Now();
  if (!flags.quiet && *progress_interval > 0) {
    options.progress = [started](const generator::GeneratorStats& s) {
      // Only long runs report progress; the final summary covers short ones.
      if (SystemClock::Instance().Now() - started >= kMicrosPerSecond) PrintProgress(s);
    };
  }
  Result<generator::GeneratorStats> stats =
      generator::RunGenerator(config.generator, **sink, options);
  if (!stats.ok()) {
    std::cerr << "globalmart: generate failed: " << stats.status().message() << "\n";
    return kExitFailure;
  }
  if (!flags.quiet) PrintSummary(*stats, stop.load());
  return kExitOk;
}

}  // namespace

void RegisterGenerateCommand(CLI::App& app, CliContext& ctx) {
  auto flags = std::make_shared<GenerateFlags>();
  CLI::App* cmd = app.add_subcommand(
      "generate",
      "Generate synthetic shop events (sessions of views, carts and purchases, restocks, "
      "labelled anomalies; see docs/generator.md) into a sink");
  FlagOverrides& o = flags->overrides;
  o.Add(*cmd, "--profile", "generator.profile",
        "Behaviour: realistic (published funnels) or seed (100 transactions + 300 views + 100 "
        "cart events per second at rate 500)")
      ->type_name("realistic|seed");
  o.Add(*cmd, "--rate", "generator.rate",
        "Events per second of event time, paced against the wall clock; max = unpaced")
      ->type_name("N|max");
  o.Add(*cmd, "--count", "generator.count", "Stop after N live events (0 = no limit)")
      ->type_name("N");
  o.Add(*cmd, "--duration", "generator.duration",
        "Stop after this much event time, e.g. 60s, 2h (0 = no limit)")
      ->type_name("DURATION");
  o.Add(*cmd, "--start", "generator.start",
        "Event times begin here (ISO-8601), default now; same seed, flags and start give "
        "byte-identical output")
      ->type_name("TIME");
  o.Add(*cmd, "--seed", "generator.seed", "Random seed")->type_name("N");
  o.Add(*cmd, "--customers", "generator.customers", "Customer population (10 million work)")
      ->type_name("N");
  o.Add(*cmd, "--products", "generator.products", "Products in the catalog")->type_name("N");
  o.Add(*cmd, "--anomaly-rate", "generator.anomaly_rate",
        "Fraction of transactions with an injected anomaly (0–0.5)")
      ->type_name("F");
  o.Add(*cmd, "--backfill", "generator.backfill",
        "First emit this much history before start, unpaced and in time order, e.g. 30d")
      ->type_name("DURATION");
  o.Add(*cmd, "--backfill-per-day", "generator.backfill_per_day", "Events per day of history")
      ->type_name("N");
  o.Add(*cmd, "--brokers", "kafka.brokers", "Kafka bootstrap servers for --to kafka")
      ->type_name("HOST:PORT,...");
  cmd->add_option("--to", flags->to,
                  "Where events go: null, file:PATH (JSONL with event_type; file:- = stdout) "
                  "or kafka. `up` feeds its memory bus itself")
      ->type_name("SINK")
      ->default_str(kDefaultSink);
  cmd->add_option("--truth", flags->truth,
                  "Write ground-truth JSONL here: one line per transaction that an anomaly rule "
                  "must flag or that carries an injected anomaly (- = stdout)")
      ->type_name("PATH");
  cmd->add_option("--progress", flags->progress,
                  "Print progress to stderr this often on runs longer than a second (0 = never)")
      ->type_name("DURATION")
      ->default_str("5s");
  cmd->add_flag("-q,--quiet", flags->quiet, "No progress and no summary on stderr");
  cmd->callback([&ctx, flags] { ctx.exit_code = RunGenerate(ctx, *flags); });
}

}  // namespace gm::cli
