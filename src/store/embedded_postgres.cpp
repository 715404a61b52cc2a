#include "store/embedded_postgres.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/logging.h"
#include "store/internal/cluster.h"

namespace gm::store {
namespace {

namespace fs = std::filesystem;
using internal::RunAs;
using internal::cluster::CheckReachable;
using internal::cluster::Chown;
using internal::cluster::Clock;
using internal::cluster::DataDirMajor;
using internal::cluster::DeadlineAfter;
using internal::cluster::FindFreePort;
using internal::cluster::FindOnPath;
using internal::cluster::HasServerPrograms;
using internal::cluster::IsPostgresProcess;
using internal::cluster::PercentEncode;
using internal::cluster::PidFile;
using internal::cluster::RandomPassword;
using internal::cluster::ReadFileTrimmed;
using internal::cluster::ReadPidFile;
using internal::cluster::SignalAndWait;
using internal::cluster::SleepMillis;
using internal::cluster::StartLock;
using internal::cluster::WaitForExit;

constexpr char kNotInstalled[] =
    "PostgreSQL server binaries not found (install the Debian package 'postgresql' or run "
    "scripts/install-deps.sh), or set store.url / GLOBALMART_PG_URL to use an existing server";
constexpr char kPasswordFile[] = "globalmart.password";
constexpr char kLogFile[] = "server.log";
constexpr int kLogLines = 15;
constexpr int kPortAttempts = 5;  // startups tried when the chosen port is taken meanwhile
constexpr off_t kLogRotateBytes = 10 << 20;

}  // namespace

EmbeddedPostgres::EmbeddedPostgres(EmbeddedPostgresOptions options)
    : options_(std::move(options)) {}

EmbeddedPostgres::~EmbeddedPostgres() {
  if (!detached_) {
    Status s = Stop();
    if (!s.ok()) Logger("store")->error("{}", s.message());
  }
}

Status EmbeddedPostgres::Start() {
  if (started_ || reused_) return Status::Ok();
  std::error_code ec;
  data_dir_ = fs::weakly_canonical(fs::absolute(options_.data_dir, ec), ec).string();
  if (ec || data_dir_.empty()) return InvalidArgument("bad data dir '" + options_.data_dir + "'");
  while (data_dir_.size() > 1 && data_dir_.back() == '/') data_dir_.pop_back();
  Result<RunAs> account = internal::ServerAccount();
  if (!account.ok()) return account.status();
  account_ = *account;
  fs::create_directories(fs::path(data_dir_).parent_path(), ec);
  if (ec) {
    return Unavailable("cannot create " + fs::path(data_dir_).parent_path().string() + ": " +
                       ec.message());
  }
  StartLock lock;
  Status s = lock.Acquire(data_dir_ + ".lock", options_.start_timeout);
  if (!s.ok()) return s;
  return StartLocked();
}

Status EmbeddedPostgres::StartLocked() {
  bool adopted = false;
  Status s = AdoptRunning(&adopted);
  if (!s.ok() || adopted) return s;
  s = FindBinaries();
  if (!s.ok()) return s;
  std::error_code ec;
  if (!fs::exists(data_dir_, ec) || fs::is_empty(data_dir_, ec)) {
    s = InitDataDir();
    if (!s.ok()) return s;
  } else if (!fs::exists(data_dir_ + "/PG_VERSION", ec)) {
    return InvalidArgument(data_dir_ + " exists but is not a PostgreSQL data directory; " +
                           "remove it or set store.data_dir elsewhere");
  } else {
    s = CheckReachable(data_dir_, account_);
    if (!s.ok()) return s;
    struct stat st;
    if (account_.switch_user && stat(data_dir_.c_str(), &st) == 0 && st.st_uid != account_.uid) {
      s = Chown(data_dir_, account_, /*recursive=*/true);
      if (!s.ok()) return s;
    }
  }
  s = ReadPassword();
  if (!s.ok()) return s;
  s = LaunchServer();
  if (!s.ok()) return s;
  return EnsureDatabase();
}

Status EmbeddedPostgres::AdoptRunning(bool* adopted) {
  *adopted = false;
  PidFile pf;
  if (!ReadPidFile(data_dir_, &pf)) return Status::Ok();
  if (!internal::ProcessAlive(pf.pid)) return Status::Ok();  // stale; postgres cleans it up
  if (!IsPostgresProcess(pf.pid)) {
    // A recycled pid: postgres would refuse to start while it is alive. We hold the start
    // lock, so no server of ours is coming up; the file is stale.
    std::error_code ec;
    fs::remove(data_dir_ + "/postmaster.pid", ec);
    return Status::Ok();
  }
  if (pf.status == "stopping") {
    // Let it finish, then start afresh.
    if (!WaitForExit(pf.pid, options_.start_timeout)) {
      return Status(ErrorCode::kTimeout, "the PostgreSQL server on " + data_dir_ + " (pid " +
                                             std::to_string(pf.pid) +
                                             ") is shutting down and did not finish");
    }
    return Status::Ok();
  }
  pid_ = pf.pid;
  port_ = pf.port;
  socket_dir_ = pf.socket_dir;
  log_file_ = data_dir_ + "/" + kLogFile;
  Status s = FindBinaries();
  if (!s.ok()) return s;
  s = ReadPassword();
  if (!s.ok()) return s;
  s = WaitUntilReady(0, 0, nullptr);
  if (!s.ok()) return s;
  s = EnsureDatabase();
  if (!s.ok()) return s;
  reused_ = true;
  *adopted = true;
  Logger("store")->info("reusing the PostgreSQL server already running on {} (pid {}, port {})",
                        data_dir_, pid_, port_);
  return Status::Ok();
}

Status EmbeddedPostgres::FindBinaries() {
  if (!bin_dir_.empty()) return Status::Ok();
  if (!options_.bin_dir.empty()) {
    if (!HasServerPrograms(options_.bin_dir)) {
      return InvalidArgument("no initdb and postgres in " + options_.bin_dir + "; " +
                             kNotInstalled);
    }
    bin_dir_ = options_.bin_dir;
    return Status::Ok();
  }
  // The existing data directory's major version wins: its files only work with it.
  if (int major = DataDirMajor(data_dir_); major > 0) {
    std::string dir = "/usr/lib/postgresql/" + std::to_string(major) + "/bin";
    if (HasServerPrograms(dir)) {
      bin_dir_ = dir;
      return Status::Ok();
    }
  }
  if (std::string pg_config = FindOnPath("pg_config"); !pg_config.empty()) {
    RunAs self;
    Result<internal::CommandResult> r =
        internal::RunCommand({pg_config, "--bindir"}, self, "", 10 * kMicrosPerSecond);
    if (r.ok() && r->exit_code == 0) {
      std::string dir = r->output;
      while (!dir.empty() && std::isspace(static_cast<unsigned char>(dir.back()))) dir.pop_back();
      if (HasServerPrograms(dir)) bin_dir_ = dir;
    }
  }
  if (bin_dir_.empty()) {
    int best = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
      int major = std::atoi(entry.path().filename().c_str());
      std::string dir = entry.path().string() + "/bin";
      if (major > best && HasServerPrograms(dir)) {
        best = major;
        bin_dir_ = dir;
      }
    }
  }
  if (bin_dir_.empty()) return InvalidArgument(kNotInstalled);
  int data_major = DataDirMajor(data_dir_);
  if (data_major > 0) {
    RunAs self;
    Result<internal::CommandResult> r = internal::RunCommand({bin_dir_ + "/postgres", "--version"},
                                                             self, "", 10 * kMicrosPerSecond);
    size_t at = r.ok() ? r->output.find(") ") : std::string::npos;
    int bin_major = at == std::string::npos ? 0 : std::atoi(r->output.c_str() + at + 2);
    if (bin_major != data_major) {
      return InvalidArgument(data_dir_ + " was created by PostgreSQL " +
                             std::to_string(data_major) + " but the server found in " + bin_dir_ +
                             " is version " + std::to_string(bin_major) + "; install PostgreSQL " +
                             std::to_string(data_major) + " or move the data directory away");
    }
  }
  return Status::Ok();
}

Status EmbeddedPostgres::InitDataDir() {
  Status s = CheckReachable(data_dir_, account_);
  if (!s.ok()) return s;
  std::error_code ec;
  fs::create_directories(data_dir_, ec);
  if (ec) return Unavailable("cannot create " + data_dir_ + ": " + ec.message());
  fs::permissions(data_dir_, fs::perms::owner_all, ec);
  s = Chown(data_dir_, account_, /*recursive=*/false);
  if (!s.ok()) return s;

  // initdb reads the superuser's password from a file the server account can open.
  std::string password = RandomPassword();
  std::string tmp_template = (fs::temp_directory_path(ec) / "globalmart-initdb-XXXXXX").string();
  std::vector<char> tmp_buf(tmp_template.begin(), tmp_template.end());
  tmp_buf.push_back('\0');
  if (mkdtemp(tmp_buf.data()) == nullptr) {
    return Unavailable("cannot create a temporary folder: " + std::string(strerror(errno)));
  }
  const std::string tmp_dir = tmp_buf.data();
  const std::string pwfile = tmp_dir + "/pw";
  {
    std::ofstream out(pwfile);
    out << password << "\n";
  }
  chmod(pwfile.c_str(), 0600);
  s = Chown(tmp_dir, account_, /*recursive=*/true);
  if (!s.ok()) {
    fs::remove_all(tmp_dir, ec);
    return s;
  }

  std::vector<std::string> args = {
      bin_dir_ + "/initdb",       "--pgdata=" + data_dir_, "--username=" + options_.user,
      "--pwfile=" + pwfile,       "--encoding=UTF8",       "--auth-local=trust",
      "--auth-host=scram-sha-256"};
  args.push_back(fs::exists("/usr/lib/locale/C.utf8", ec) ? "--locale=C.UTF-8" : "--no-locale");
  if (!options_.durable) args.push_back("--no-sync");
  Logger("store")->info("creating the embedded PostgreSQL cluster in {} (initdb, as user {})",
                        data_dir_, account_.name);
  Result<internal::CommandResult> r =
      internal::RunCommand(args, account_, "", options_.start_timeout);
  fs::remove_all(tmp_dir, ec);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    return Unavailable("initdb failed (exit code " + std::to_string(r->exit_code) + "):\n" +
                       internal::LastLines(r->output, kLogLines));
  }

  const std::string password_path = data_dir_ + "/" + kPasswordFile;
  {
    std::ofstream out(password_path);
    out << password << "\n";
    if (!out) return Unavailable("cannot write " + password_path);
  }
  chmod(password_path.c_str(), 0600);
  s = Chown(password_path, account_, /*recursive=*/false);
  if (!s.ok()) return s;
  initialized_ = true;
  return Status::Ok();
}

Status EmbeddedPostgres::ReadPassword() {
  const std::string path = data_dir_ + "/" + kPasswordFile;
  if (access(path.c_str(), F_OK) != 0) {
    password_.clear();  // not made by us: connect without a password
    return Status::Ok();
  }
  password_ = ReadFileTrimmed(path);
  if (password_.empty()) {
    return InvalidArgument("cannot read " + path + " (" + strerror(errno) +
                           "); run as the user that created " + data_dir_);
  }
  return Status::Ok();
}

Status EmbeddedPostgres::LaunchServer() {
  log_file_ = data_dir_ + "/" + kLogFile;
  struct stat st;
  if (stat(log_file_.c_str(), &st) == 0 && st.st_size > kLogRotateBytes) {
    std::error_code ec;
    fs::rename(log_file_, log_file_ + ".1", ec);
  }
  int log_fd = open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return Unavailable("cannot open " + log_file_ + ": " + strerror(errno));
  Status s = Chown(log_file_, account_, /*recursive=*/false);
  if (!s.ok()) {
    close(log_fd);
    return s;
  }

  // A unix socket path is limited to sizeof(sun_path) bytes; beyond that, TCP only.
  sockaddr_un probe;
  const bool socket_fits =
      data_dir_.size() + sizeof("/.s.PGSQL.65535.lock") <= sizeof probe.sun_path &&
      data_dir_.find_first_of("\",") == std::string::npos;
  socket_dir_ = socket_fits ? data_dir_ : "";
  if (!socket_fits) {
    Logger("store")->warn("{} is too long (or odd) a path for a unix socket; TCP only", data_dir_);
  }

  int32_t next_port = options_.port;
  for (int attempt = 1;; ++attempt) {
    port_ = FindFreePort(next_port);
    if (port_ == 0) {
      close(log_fd);
      return Unavailable("no free TCP port on 127.0.0.1 from " + std::to_string(next_port));
    }
    if (port_ != options_.port) {
      Logger("store")->warn("port {} is busy; the embedded PostgreSQL server uses port {}",
                            options_.port, port_);
    }
    std::vector<std::string> args = {
        bin_dir_ + "/postgres",
        "-D",
        data_dir_,
        "-p",
        std::to_string(port_),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=" + (socket_dir_.empty() ? "" : "\"" + socket_dir_ + "\""),
        "-c",
        "cluster_name=globalmart",
        // Tuned for the stream engine's bulk checkpoints. synchronous_commit=off may lose
        // the last fraction of a second of commits in an OS crash, never half of one:
        // outputs and source offsets share a transaction, so the engine redoes exactly
        // what was lost (DESIGN.md §6 Exactly once).
        "-c",
        "synchronous_commit=off",
        "-c",
        "shared_buffers=256MB",
        // The checkpoint's staging tables are temporary: a checkpoint stages up to
        // hundreds of thousands of rows, which the default 8 MB would spill to disk.
        // Allocated per session only as used.
        "-c",
        "temp_buffers=256MB",
        "-c",
        "max_wal_size=4GB",
        "-c",
        "checkpoint_timeout=15min"};
    if (!options_.durable) {
      for (const char* setting : {"fsync=off", "full_page_writes=off"}) {
        args.push_back("-c");
        args.push_back(setting);
      }
    }
    const off_t log_offset = lseek(log_fd, 0, SEEK_END);
    Result<pid_t> child = internal::SpawnDaemon(args, account_, log_fd);
    if (!child.ok()) {
      close(log_fd);
      return child.status();
    }
    bool bind_failed = false;
    s = WaitUntilReady(*child, static_cast<size_t>(log_offset), &bind_failed);
    if (s.ok()) {
      pid_ = *child;
      started_ = true;
      break;
    }
    if (internal::ProcessAlive(*child)) {
      kill(*child, SIGQUIT);
      WaitForExit(*child, 5 * kMicrosPerSecond);
    }
    if (!bind_failed || attempt == kPortAttempts) {
      close(log_fd);
      return s;
    }
    next_port = port_ + 1;  // someone took it between our probe and the server's bind
  }
  close(log_fd);
  Logger("store")->info("embedded PostgreSQL started: pid {}, port {}, data {}", pid_, port_,
                        data_dir_);
  return Status::Ok();
}

Status EmbeddedPostgres::WaitUntilReady(pid_t child, size_t log_offset, bool* bind_failed) {
  const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) +
                               " dbname=postgres connect_timeout=2 user=" + options_.user;
  const auto deadline = DeadlineAfter(options_.start_timeout);
  for (;;) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return Status::Ok();
    const bool exited = child > 0 ? !internal::ProcessAlive(child) : !internal::ProcessAlive(pid_);
    if (exited || Clock::now() >= deadline) {
      std::string log;
      {
        std::ifstream in(log_file_, std::ios::binary);
        in.seekg(static_cast<std::streamoff>(log_offset));
        log.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      }
      if (bind_failed != nullptr) {
        *bind_failed = log.find("could not bind") != std::string::npos ||
                       log.find("Address already in use") != std::string::npos;
      }
      std::string what = exited ? "the PostgreSQL server exited during startup"
                                : "the PostgreSQL server was not ready within " +
                                      FormatDuration(options_.start_timeout);
      Status s(exited ? ErrorCode::kUnavailable : ErrorCode::kTimeout,
               what + "; last lines of " + log_file_ + ":\n" + internal::LastLines(log, kLogLines));
      return s;
    }
    SleepMillis(50);
  }
}

Status EmbeddedPostgres::EnsureDatabase() {
  PGconn* conn = PQconnectdb((UrlFor("postgres") + "?connect_timeout=10").c_str());
  auto done = [conn](Status s) {
    PQfinish(conn);
    return s;
  };
  if (PQstatus(conn) != CONNECTION_OK) {
    return done(
        Unavailable("cannot connect to the embedded server: " + std::string(PQerrorMessage(conn))));
  }
  const char* params[] = {options_.database.c_str()};
  PGresult* res = PQexecParams(conn, "SELECT 1 FROM pg_database WHERE datname = $1", 1, nullptr,
                               params, nullptr, nullptr, 0);
  const bool exists = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
  PQclear(res);
  if (exists) return done(Status::Ok());
  char* ident = PQescapeIdentifier(conn, options_.database.data(), options_.database.size());
  std::string sql = "CREATE DATABASE " + std::string(ident != nullptr ? ident : "");
  PQfreemem(ident);
  res = PQexec(conn, sql.c_str());
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  // 42P04: created by a concurrent starter in the meantime.
  bool ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
            (state != nullptr && std::string_view(state) == "42P04");
  std::string error = PQresultErrorMessage(res);
  PQclear(res);
  if (!ok) return done(Unavailable("cannot create database " + options_.database + ": " + error));
  Logger("store")->info("created database {}", options_.database);
  return done(Status::Ok());
}

std::string EmbeddedPostgres::UrlFor(const std::string& database) const {
  std::string url = "postgresql://" + PercentEncode(options_.user);
  if (!password_.empty()) url += ":" + PercentEncode(password_);
  url += "@127.0.0.1:" + std::to_string(port_) + "/" + PercentEncode(database);
  return url;
}

Status EmbeddedPostgres::Stop() {
  if (!started_) return Status::Ok();
  started_ = false;
  Status s = SignalAndWait(pid_, options_.smart_stop_timeout, options_.fast_stop_timeout);
  if (s.ok()) Logger("store")->info("embedded PostgreSQL stopped (pid {})", pid_);
  return s;
}

Status EmbeddedPostgres::StopRunning(const EmbeddedPostgresOptions& options) {
  std::error_code ec;
  std::string data_dir = fs::weakly_canonical(fs::absolute(options.data_dir, ec), ec).string();
  PidFile pf;
  if (!ReadPidFile(data_dir, &pf) || !internal::ProcessAlive(pf.pid) ||
      !IsPostgresProcess(pf.pid)) {
    return Status(ErrorCode::kNotFound, "no PostgreSQL server is running on " + data_dir);
  }
  return SignalAndWait(pf.pid, options.smart_stop_timeout, options.fast_stop_timeout);
}

}  // namespace gm::store
