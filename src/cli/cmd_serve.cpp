// `globalmart serve`: the HTTP API alone (DESIGN.md §2, distributed mode) over the database
// the stream processes write: the embedded cluster under ./var/pg, or --pg URL.
#include <iostream>
#include <thread>

#include "cli/command.h"
#include "cli/signals.h"
#include "common/logging.h"
#include "server/server.h"
#include "store/database.h"
#include "store/migrations.h"

namespace gm::cli {
namespace {

struct ServeFlags {
  FlagOverrides overrides;
  std::string run_for;
};

int RunServe(const CliContext& ctx, const ServeFlags& flags) {
  std::optional<LoadedConfig> loaded = LoadConfigOrReport(ctx, &flags.overrides);
  if (!loaded) return kExitUsage;
  const Config& config = loaded->config;
  Micros run_for = 0;
  if (!flags.run_for.empty()) {
    Result<Micros> d = ParseDuration(flags.run_for);
    if (!d.ok()) {
      return ReportFailure(InvalidArgument("invalid value '" + flags.run_for +
                                           "' for --run-for: " + d.status().message()));
    }
    run_for = *d;
  }
  if (Status s = InitLogging(config.log.level, config.log.dir, "serve.log"); !s.ok()) {
    return ReportFailure(s);
  }
  auto log = Logger("serve");
  const std::atomic<bool>& signalled = InstallStopSignals();

  // Services start in dependency order (database → server) and stop in reverse.
  store::Database db(config.store);
  if (Status s = db.Start(); !s.ok()) return ReportFailure(s);
  {
    // The reader role and the tables come with the migrations.
    Result<store::ConnectionPool::Lease> lease = db.pool().Acquire();
    if (!lease.ok()) return ReportFailure(lease.status());
    Result<std::vector<store::Migration>> applied =
        store::Migrate(**lease, store::BuiltinMigrations());
    if (!applied.ok()) return ReportFailure(applied.status());
  }
  server::HttpServer http(config.server, db.url());
  http.EnableExplorer(config.explorer);
  http.EnableSecurity(config.auth, config.cors);
  if (!config.auth.enabled) {
    log->warn("auth.enabled is false: every route is open to anyone (development only)");
  }
  if (Status s = http.Start(); !s.ok()) return ReportFailure(s);
  std::cout << "database: " << db.DisplayUrl() << "\n"
            << "API: " << http.url() << "/api/v1 · docs: " << http.url() << "/docs\n"
            << std::flush;
  const Micros started = SystemClock::Instance().Now();
  while (!signalled.load() && (run_for == 0 || SystemClock::Instance().Now() - started < run_for)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  log->info("stopping: HTTP server (requests in flight finish), then the database");
  http.Stop();
  db.Stop();
  return kExitOk;
}

}  // namespace

void RegisterServeCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Run the HTTP server: the REST API under /api/v1 (sales, anomalies, ingestion, dead "
      "letters, live feed), /health, /metrics, /openapi.json and /docs, reading the database "
      "(embedded cluster unless --pg URL) as the read-only role. See docs/api.md.");
  auto flags = std::make_shared<ServeFlags>();
  flags->overrides.Add(*cmd, "--port", "server.port", "TCP port to listen on (8000)");
  flags->overrides.Add(*cmd, "--address", "server.address", "Interface to listen on (127.0.0.1)");
  flags->overrides.Add(*cmd, "--threads", "server.threads", "Worker threads (0 = one per core)");
  flags->overrides
      .Add(*cmd, "--pg", "store.url",
           "URL of an existing PostgreSQL server (default: the embedded cluster; env "
           "GLOBALMART_PG_URL)")
      ->type_name("URL");
  flags->overrides.Add(*cmd, "--data-dir", "store.data_dir",
                       "Data directory of the embedded cluster (default ./var/pg)");
  flags->overrides.Add(*cmd, "--pg-port", "store.port",
                       "First TCP port tried by the embedded cluster (5433)");
  cmd->add_option("--run-for", flags->run_for,
                  "Stop by itself after this much wall time (e.g. 30s); default: until Ctrl-C");
  cmd->callback([&ctx, flags] { ctx.exit_code = RunServe(ctx, *flags); });
}

}  // namespace gm::cli
