#pragma once

#include <sys/types.h>

#include <string>

#include "common/status.h"
#include "common/time.h"
#include "store/internal/process.h"

namespace gm::store {

//! Settings of the embedded cluster (from StoreConfig, plus knobs tests turn).
struct EmbeddedPostgresOptions {
  std::string data_dir = "./var/pg";  //!< created with initdb on first use
  int32_t port = 5433;                //!< first loopback port tried; the next free one is used
  //! Folder holding initdb and postgres. Empty = `pg_config --bindir` when it holds initdb,
  //! else the highest /usr/lib/postgresql/<major>/bin (the data dir's major when it exists).
  std::string bin_dir;
  std::string database = "globalmart";  //!< created on start when missing
  std::string user = "globalmart";      //!< the cluster's superuser
  //! False for tests: initdb --no-sync and fsync/synchronous_commit off. Never for real data.
  bool durable = true;
  Micros start_timeout = 60 * kMicrosPerSecond;  //!< initdb + startup until ready
  //! Stop(): wait this long after SIGTERM (smart), then SIGINT (fast), then SIGQUIT.
  Micros smart_stop_timeout = 5 * kMicrosPerSecond;
  Micros fast_stop_timeout = 30 * kMicrosPerSecond;
};

//! A private PostgreSQL cluster under a data directory: the database of embedded mode
//! (DESIGN.md §2; docs/database.md describes it for users).
//!
//! Start() finds the server binaries, runs initdb on first use, and starts `postgres`
//! listening on 127.0.0.1:<port> and on a unix socket in the data directory; or, when a
//! server already runs on that data directory (postmaster.pid names a live process), reuses
//! it. When this process is root the programs run as the `postgres` system user and the data
//! directory belongs to it. Authentication: the unix socket trusts (the data directory is
//! 0700, so only its owner and root reach the socket); TCP requires the superuser's password,
//! generated at initdb and kept in <data_dir>/globalmart.password (0600).
//! Concurrent Start()s on one data directory, from any process, are serialised by an flock
//! on <data_dir>.lock, so exactly one of them runs initdb and starts the server.
//!
//! Stop() stops the server only when this object started it. Not thread-safe.
class EmbeddedPostgres {
 public:
  explicit EmbeddedPostgres(EmbeddedPostgresOptions options);
  //! Stop()s the server unless Detach() was called.
  ~EmbeddedPostgres();
  EmbeddedPostgres(const EmbeddedPostgres&) = delete;
  EmbeddedPostgres& operator=(const EmbeddedPostgres&) = delete;

  //! Makes the cluster available and the database exist. Errors: InvalidArgument for a
  //! missing PostgreSQL installation (the message says what to install), an unusable data
  //! directory or a version mismatch; Unavailable when initdb or the server fails (with the
  //! last lines of its output or log); kTimeout when it is not ready within start_timeout.
  Status Start();

  //! Stops the server if this object started it: SIGTERM (smart shutdown, waits for clients),
  //! then SIGINT (fast: disconnects them), then SIGQUIT, each after its timeout. Close
  //! connection pools first to make it quick. No-op when not started or reused.
  Status Stop();

  //! Leaves the server running when this object goes away (`db start`).
  void Detach() { detached_ = true; }

  //! Stops whatever server runs on `data_dir` (`db stop`), by the pid in postmaster.pid.
  //! Returns NotFound when none runs.
  static Status StopRunning(const EmbeddedPostgresOptions& options);

  //! After Start(): what happened.
  bool initialized() const { return initialized_; }  //!< initdb ran
  bool reused() const { return reused_; }            //!< a running server was found and is shared
  int32_t port() const { return port_; }
  pid_t pid() const { return pid_; }                         //!< the postmaster
  const std::string& data_dir() const { return data_dir_; }  //!< absolute
  const std::string& bin_dir() const { return bin_dir_; }
  //! The unix socket's folder, or "" when the path would be too long for a socket.
  const std::string& socket_dir() const { return socket_dir_; }
  const std::string& log_file() const { return log_file_; }
  const std::string& database() const { return options_.database; }
  const std::string& user() const { return options_.user; }

  //! postgresql://USER:PASSWORD@127.0.0.1:PORT/DATABASE — usable by any local process that
  //! can read the password; keep it out of logs (see RedactUrl in store/connection.h).
  std::string Url() const { return UrlFor(options_.database); }
  std::string UrlFor(const std::string& database) const;

 private:
  Status StartLocked();
  Status FindBinaries();
  Status InitDataDir();
  Status LaunchServer();
  Status WaitUntilReady(pid_t child, size_t log_offset, bool* bind_failed);
  Status AdoptRunning(bool* adopted);
  Status EnsureDatabase();
  Status ReadPassword();

  EmbeddedPostgresOptions options_;
  internal::RunAs account_;
  std::string data_dir_;
  std::string bin_dir_;
  std::string socket_dir_;
  std::string log_file_;
  std::string password_;
  int32_t port_ = 0;
  pid_t pid_ = 0;
  bool started_ = false;  // this object launched the server and has not stopped it
  bool initialized_ = false;
  bool reused_ = false;
  bool detached_ = false;
};

}  // namespace gm::store
