// `globalmart db ...`: the PostgreSQL database — migrate, status, psql, start, stop.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/logging.h"
#include "store/database.h"
#include "store/migrations.h"

extern char** environ;

namespace gm::cli {
namespace {

constexpr char kDbFooter[] =
    "Without --pg (store.url), the database is the embedded cluster: a private PostgreSQL\n"
    "server the program creates under --data-dir (./var/pg) and starts on 127.0.0.1:--port\n"
    "(5433, or the next free port) and on a unix socket in the data directory. A command that\n"
    "started it stops it when done; `db start` leaves it running. See docs/database.md.";

// The store flags of every db subcommand, bound to the store.* config keys.
using StoreFlags = FlagOverrides;

// Loads the configuration (store.* from file, env and the flags) and starts
// the database. Returns nullptr after printing the error; *exit_code says how to exit.
std::unique_ptr<store::Database> OpenDatabase(const CliContext& ctx, const StoreFlags& flags,
                                              int* exit_code) {
  std::optional<LoadedConfig> loaded = LoadConfigOrReport(ctx, &flags);
  if (!loaded) {
    *exit_code = kExitUsage;
    return nullptr;
  }
  if (Status s = InitLogging(loaded->config.log.level, loaded->config.log.dir, ""); !s.ok()) {
    *exit_code = ReportFailure(s);
    return nullptr;
  }
  auto db = std::make_unique<store::Database>(loaded->config.store);
  if (Status s = db->Start(); !s.ok()) {
    *exit_code = ReportFailure(s);
    return nullptr;
  }
  return db;
}

void PrintWhere(const store::Database& db) {
  std::cout << "database: " << db.DisplayUrl() << "\n";
  if (const store::EmbeddedPostgres* pg = db.embedded_server()) {
    std::cout << "embedded cluster: " << pg->data_dir() << " (pid " << pg->pid() << ", port "
              << pg->port() << (pg->reused() ? ", already running" : "") << ")\n";
  }
}

std::string Label(int32_t version, const std::string& name) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d", version);
  return std::string(buf) + "_" + name;
}

int RunMigrate(const CliContext& ctx, const StoreFlags& flags) {
  int code = kExitOk;
  std::unique_ptr<store::Database> db = OpenDatabase(ctx, flags, &code);
  if (db == nullptr) return code;
  PrintWhere(*db);
  Result<store::ConnectionPool::Lease> lease = db->pool().Acquire();
  if (!lease.ok()) return ReportFailure(lease.status());
  Result<std::vector<store::Migration>> applied =
      store::Migrate(**lease, store::BuiltinMigrations());
  if (!applied.ok()) return ReportFailure(applied.status());
  for (const store::Migration& m : *applied) {
    std::cout << "applied " << Label(m.version, m.name) << "\n";
  }
  const store::Migration& last = store::BuiltinMigrations().back();
  std::cout << (applied->empty() ? "the schema was already up to date" : "the schema is up to date")
            << " (" << Label(last.version, last.name) << ")\n";
  return kExitOk;
}

int RunStatus(const CliContext& ctx, const StoreFlags& flags) {
  int code = kExitOk;
  std::unique_ptr<store::Database> db = OpenDatabase(ctx, flags, &code);
  if (db == nullptr) return code;
  PrintWhere(*db);
  Result<store::ConnectionPool::Lease> lease = db->pool().Acquire();
  if (!lease.ok()) return ReportFailure(lease.status());
  std::cout << "server: PostgreSQL " << (*lease)->ServerVersionText() << "\n";
  if (const store::EmbeddedPostgres* pg = db->embedded_server()) {
    std::cout << "server log: " << pg->log_file() << "\n";
  }
  std::cout << "psql: " << db->PsqlCommand() << "\n";
  Result<store::MigrationStatus> status =
      store::GetMigrationStatus(**lease, store::BuiltinMigrations());
  if (!status.ok()) return ReportFailure(status.status());
  std::cout << "migrations: " << status->applied.size() << " applied, " << status->pending.size()
            << " pending\n";
  for (const store::AppliedMigration& a : status->applied) {
    std::cout << "  " << Label(a.version, a.name) << "  applied " << FormatTimestamp(a.applied_at)
              << " (" << a.execution_ms << " ms)\n";
  }
  for (const store::Migration& m : status->pending) {
    std::cout << "  " << Label(m.version, m.name) << "  pending (run `globalmart db migrate`)\n";
  }
  for (const std::string& p : status->problems) std::cerr << "globalmart: " << p << "\n";
  return status->problems.empty() ? kExitOk : kExitFailure;
}

// Runs psql in the foreground; Ctrl-C belongs to psql meanwhile.
int RunPsqlProgram(const store::Database& db, const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {"psql"};
  const store::EmbeddedPostgres* pg = db.embedded_server();
  if (pg != nullptr && !pg->socket_dir().empty()) {
    args.insert(args.end(), {"-h", pg->socket_dir(), "-p", std::to_string(pg->port()), "-U",
                             pg->user(), pg->database()});
  } else {
    args.push_back(db.url());
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  struct sigaction ignore {
  }, old_int{}, old_quit{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGINT, &ignore, &old_int);
  sigaction(SIGQUIT, &ignore, &old_quit);
  // The child gets default dispositions back.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGQUIT);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int err = posix_spawnp(&pid, "psql", nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  int wstatus = 0;
  if (err == 0) {
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGQUIT, &old_quit, nullptr);
  if (err != 0) {
    std::cerr << "globalmart: cannot run psql (" << std::strerror(err)
              << "); install the Debian package 'postgresql-client'\n";
    return kExitFailure;
  }
  return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : kExitFailure;
}

int RunPsql(const CliContext& ctx, const StoreFlags& flags, bool print_only,
            const std::vector<std::string>& extra_args) {
  int code = kExitOk;
  std::unique_ptr<store::Database> db = OpenDatabase(ctx, flags, &code);
  if (db == nullptr) return code;
  // With psql arguments (e.g. -c QUERY) stdout belongs to psql's output.
  (extra_args.empty() ? std::cout : std::cerr) << db->PsqlCommand(/*reveal_password=*/true) << "\n";
  if (print_only) {
    if (db->embedded_server() != nullptr && !db->embedded_server()->reused()) {
      std::cerr << "note: the embedded server stops when this command ends; run "
                   "`globalmart db start` to keep it running\n";
    }
    return kExitOk;
  }
  std::cout.flush();
  return RunPsqlProgram(*db, extra_args);
}

int RunStart(const CliContext& ctx, const StoreFlags& flags) {
  std::optional<LoadedConfig> loaded = LoadConfigOrReport(ctx, &flags);
  if (!loaded) return kExitUsage;
  if (!loaded->config.store.url.empty()) {
    std::cerr << "globalmart: db start runs the embedded cluster; --pg names a server that "
                 "runs on its own\n";
    return kExitUsage;
  }
  int code = kExitOk;
  std::unique_ptr<store::Database> db = OpenDatabase(ctx, flags, &code);
  if (db == nullptr) return code;
  db->DetachServer();
  PrintWhere(*db);
  std::cout << "url: " << db->url() << "\n"
            << "psql: " << db->PsqlCommand() << "\n"
            << "stop it with: globalmart db stop\n";
  return kExitOk;
}

int RunStop(const CliContext& ctx, const StoreFlags& flags) {
  std::optional<LoadedConfig> loaded = LoadConfigOrReport(ctx, &flags);
  if (!loaded) return kExitUsage;
  if (Status s = InitLogging(loaded->config.log.level, loaded->config.log.dir, ""); !s.ok()) {
    return ReportFailure(s);
  }
  const store::StoreConfig& config = loaded->config.store;
  Status s = store::EmbeddedPostgres::StopRunning(store::EmbeddedOptionsFor(config));
  if (s.code() == ErrorCode::kNotFound) {
    std::cout << s.message() << "\n";
    return kExitOk;
  }
  if (!s.ok()) return ReportFailure(s);
  std::cout << "stopped the embedded PostgreSQL server on " << config.data_dir << "\n";
  return kExitOk;
}

}  // namespace

void RegisterDbCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* db = app.add_subcommand("db", "The PostgreSQL database: migrate, status, psql");
  db->require_subcommand(1);
  db->footer(kDbFooter);
  auto flags = std::make_shared<StoreFlags>();

  CLI::App* migrate = db->add_subcommand(
      "migrate", "Apply the pending schema migrations (sql/, built into the program)");
  AddStoreFlags(migrate, *flags);
  migrate->callback([&ctx, flags] { ctx.exit_code = RunMigrate(ctx, *flags); });

  CLI::App* status = db->add_subcommand(
      "status", "Show the server, its version and the applied and pending migrations");
  AddStoreFlags(status, *flags);
  status->callback([&ctx, flags] { ctx.exit_code = RunStatus(ctx, *flags); });

  auto print_only = std::make_shared<bool>(false);
  CLI::App* psql = db->add_subcommand(
      "psql", "Open psql on the database; arguments after -- go to psql (e.g. -- -c 'SELECT 1')");
  AddStoreFlags(psql, *flags);
  psql->add_flag("--print", *print_only, "Only print the psql command line");
  psql->callback([&ctx, flags, print_only] {
    ctx.exit_code = RunPsql(ctx, *flags, *print_only, ctx.passthrough);
  });

  CLI::App* start = db->add_subcommand(
      "start", "Start the embedded cluster and leave it running (prints its URL)");
  AddStoreFlags(start, *flags);
  start->callback([&ctx, flags] { ctx.exit_code = RunStart(ctx, *flags); });

  CLI::App* stop = db->add_subcommand("stop", "Stop the embedded cluster running on --data-dir");
  AddStoreFlags(stop, *flags, /*with_url=*/false);
  stop->callback([&ctx, flags] { ctx.exit_code = RunStop(ctx, *flags); });
}

}  // namespace gm::cli
