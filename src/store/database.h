#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "store/embedded_postgres.h"
#include "store/pool.h"
#include "store/store_config.h"

namespace gm::store {

//! The database a command works with: the server at StoreConfig::url, or — when the URL is
//! empty — the embedded cluster under data_dir. A service: Start() before use, Stop() (or
//! the destructor) when done; not thread-safe itself, but pool() is.
class Database {
 public:
  explicit Database(StoreConfig config);
  //! Stop()s.
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  //! Embedded: starts (or reuses) the cluster. Then waits, retrying with backoff for up to
  //! connect_timeout, until the server accepts a connection, and opens the pool. Errors as
  //! EmbeddedPostgres::Start and ConnectionPool::Acquire return them.
  Status Start();

  //! Closes the pool and stops the embedded server if this process started it.
  //! REQUIRES: no pool lease is outstanding.
  void Stop();

  //! Leaves a server this process started running after Stop (`db start`).
  void DetachServer();

  //! REQUIRES: Start() succeeded.
  ConnectionPool& pool() { return *pool_; }
  //! The connection URL, password included (for child processes; never log it).
  const std::string& url() const { return url_; }
  //! url() with the password masked, for people.
  std::string DisplayUrl() const;
  bool embedded() const { return embedded_ != nullptr; }
  //! The embedded cluster, or null when using an external server.
  const EmbeddedPostgres* embedded_server() const { return embedded_.get(); }
  //! A shell command that opens psql on this database: for the embedded cluster through its
  //! unix socket (no password needed); else with the URL, its password masked unless
  //! `reveal_password`.
  std::string PsqlCommand(bool reveal_password = false) const;
  const StoreConfig& config() const { return config_; }

 private:
  StoreConfig config_;
  std::unique_ptr<EmbeddedPostgres> embedded_;
  std::unique_ptr<ConnectionPool> pool_;
  std::string url_;
  bool server_detached_ = false;
};

//! The embedded cluster's settings for a StoreConfig.
EmbeddedPostgresOptions EmbeddedOptionsFor(const StoreConfig& config);

//! Quotes `arg` for a POSIX shell when it needs quoting.
std::string ShellQuote(const std::string& arg);

}  // namespace gm::store
