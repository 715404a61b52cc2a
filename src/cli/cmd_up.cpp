// `globalmart up`: the whole platform in one process (embedded mode, DESIGN.md §2).
// Services start in dependency order and stop in reverse, flushing what they hold:
// database → catalog → HTTP server → memory bus → stream engine → generator; stop: generator
// → engine (drains, commits its last checkpoint) → bus → HTTP server → database.
#include <filesystem>
#include <iostream>
#include <pqxx/pqxx>
#include <thread>

#include "bus/memory_bus.h"
#include "bus/sink_spec.h"
#include "cli/command.h"
#include "cli/signals.h"
#include "cli/stream_pipeline.h"
#include "common/logging.h"
#include "generator/generator.h"
#include "server/server.h"
#include "store/connection.h"

namespace gm::cli {
namespace {

struct UpFlags {
  FlagOverrides overrides;
  std::string run_for;
};

// Loads the generator's catalog into the database unless it is there already (the
// products and customers tables hold at least as many rows as the generator makes).
Status EnsureGeneratorCatalog(const Config& config, store::Database& db) {
  auto log = Logger("up");
  Result<store::ConnectionPool::Lease> lease = db.pool().Acquire();
  if (!lease.ok()) return lease.status();
  int64_t products = 0;
  int64_t customers = 0;
  try {
    pqxx::nontransaction tx((*lease)->pqxx());
    pqxx::row r =
        tx.exec1("SELECT (SELECT count(*) FROM products), (SELECT count(*) FROM customers)");
    products = r[0].as<int64_t>();
    customers = r[1].as<int64_t>();
  } catch (const std::exception& e) {
    lease->Discard();
    return store::ToStatus(e, "counting the catalog");
  }
  const GeneratorConfig& g = config.generator;
  if (products >= g.products && customers >= g.customers) {
    log->info("catalog: {} products and {} customers already loaded", products, customers);
    return Status::Ok();
  }
  const std::string dir =
      (std::filesystem::path(config.store.data_dir).parent_path() / "catalog").string();
  log->info(
      "loading the generator's catalog ({} products, {} customers) into the database; "
      "first start only, this takes a few seconds per million customers",
      g.products, g.customers);
  const Micros start = g.start ? *g.start : SystemClock::Instance().Now();
  if (Status s = ExportCatalogFiles(g, start, dir, /*quiet=*/true); !s.ok()) return s;
  Result<LoadedCatalog> loaded = LoadCatalogFolder(**lease, dir, /*progress_on_stderr=*/false);
  if (!loaded.ok()) return loaded.status();
  log->info("catalog loaded: {} products, {} customers (files in {})", loaded->stats.products.read,
            loaded->stats.customers.read, dir);
  return Status::Ok();
}

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

  Result<StreamServices> services =
      StartStreamServices(config, /*null_store=*/false,
                          [&](store::Database& db) { return EnsureGeneratorCatalog(config, db); });
  if (!services.ok()) return ReportFailure(services.status());
  std::cout << "database: " << services->database->DisplayUrl() << "\n"
            << "open it with: " << services->database->PsqlCommand() << "\n"
            << std::flush;
  server::HttpServer http(config.server, services->database->url());
  http.EnableExplorer(config.explorer);
  http.EnableSecurity(config.auth, config.cors);
  if (!config.auth.enabled) {
    log->warn("auth.enabled is false: every route is open to anyone (development only)");
  }
  if (Status s = http.Start(); !s.ok()) return ReportFailure(s);
  std::cout << "API: " << http.url() << "/api/v1 · docs: " << http.url()
            << "/docs · live figures: " << http.url() << "/\n"
            << std::flush;

  bus::MemoryBus bus(bus::ShopTopics(), config.bus.partitions,
                     static_cast<size_t>(config.bus.memory_capacity));
  stream::EngineOptions options = EngineOptionsFor(config, "up");
  Micros last_report = clock.Now();
  int64_t last_received = 0;
  options.on_checkpoint = [&](const stream::EngineStats& s) {
    const Micros now = clock.Now();
    if (now - last_report < config.up.report_interval) return;
    const double seconds = static_cast<double>(now - last_report) / kMicrosPerSecond;
    log->info("{:.0f} events/s · {}", static_cast<double>(s.received - last_received) / seconds,
              FormatEngineStats(s));
    last_report = now;
    last_received = s.received;
  };
  stream::Engine engine(options, *services->store, *services->catalog);
  std::atomic<bool> stop_engine{false};
  Status engine_status;
  std::thread engine_thread([&] { engine_status = engine.RunMemory(bus, stop_engine); });

  log->info(
      "globalmart up: generator ({} profile, {} events/s, {} customers) → memory bus "
      "({} partitions per topic) → stream engine → PostgreSQL; logs in {}/globalmart.log; "
      "Ctrl-C stops",
      GeneratorProfileName(config.generator.profile),
      config.generator.rate == 0 ? std::string("max") : fmt::format("{}", config.generator.rate),
      config.generator.customers, config.bus.partitions, config.log.dir);

  std::atomic<bool> stop_generator{false};
  Result<generator::GeneratorStats> generated = Internal("generator did not run");
  std::unique_ptr<bus::Sink> sink = bus.NewSink();
  std::thread generator_thread([&] {
    generator::RunOptions run;
    run.clock = &clock;
    run.stop = &stop_generator;
    generated = generator::RunGenerator(config.generator, *sink, run);
    if (!generated.ok() && !stop_generator.load()) {
      log->error("generator failed: {}", generated.status().ToString());
    }
  });

  const Micros started = clock.Now();
  while (!signalled.load() && (run_for == 0 || clock.Now() - started < run_for)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  log->info(
      "stopping: generator, then the stream engine (its last checkpoint), then the HTTP "
      "server, then the database");
  stop_generator.store(true);
  generator_thread.join();
  // Let the engine take what is queued before it stops.
  const int64_t sent = generated.ok() ? generated->events : 0;
  for (int i = 0; i < 100 && engine.stats().received < sent; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop_engine.store(true);
  engine_thread.join();
  bus.Close();
  http.Stop();
  const stream::EngineStats stats = engine.stats();
  log->info("total: {}", FormatEngineStats(stats));
  if (generated.ok()) log->info("generated {} events", generated->events);
  if (!engine_status.ok()) return ReportFailure(engine_status);
  return kExitOk;
}

}  // namespace

void RegisterUpCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* cmd = app.add_subcommand(
      "up",
      "Run the whole platform in one process: the synthetic shop feeds the in-process bus, "
      "the stream engine computes sales_metrics, transaction_anomalies, session_metrics, "
      "cart_abandonment, inventory_status, low_stock_alerts and the archive into PostgreSQL "
      "(the embedded cluster under ./var/pg unless --pg URL), the HTTP API serves them on "
      "server.port (8000), and progress is printed every up.report_interval. Stop with Ctrl-C "
      "(the last checkpoint is committed first).");
  auto flags = std::make_shared<UpFlags>();
  flags->overrides.Add(*cmd, "--profile", "generator.profile", "Behaviour profile: realistic|seed");
  flags->overrides.Add(*cmd, "--rate", "generator.rate", "Generated events per second, or max");
  flags->overrides.Add(*cmd, "--customers", "generator.customers", "Customer population");
  flags->overrides.Add(*cmd, "--seed", "generator.seed", "Random seed");
  flags->overrides.Add(*cmd, "--partitions", "bus.partitions", "Memory-bus partitions per topic");
  flags->overrides.Add(*cmd, "--http-port", "server.port", "Port of the HTTP server (8000)");
  AddStoreFlags(cmd, flags->overrides);
  cmd->add_option("--run-for", flags->run_for,
                  "Stop by itself after this much wall time (e.g. 30s); default: run until Ctrl-C");
  cmd->callback([&ctx, flags] { ctx.exit_code = RunUp(ctx, *flags); });
}

}  // namespace gm::cli
