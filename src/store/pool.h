#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "store/connection.h"

namespace gm::store {

struct PoolOptions {
  std::string url;   //!< the server, as Connection::Open takes it
  int32_t size = 8;  //!< connections at most; opened lazily, on first need
  //! How long Acquire() keeps retrying, with backoff, to reach an unreachable server.
  Micros connect_timeout = 30 * kMicrosPerSecond;
};

//! A fixed number of PostgreSQL connections shared by threads. Thread-safe.
//!
//! A connection is opened when first needed and checked (Connection::Healthy) each time it
//! is handed out; a broken one — the server restarted, a lease left a transaction open — is
//! replaced by a fresh connection then. While the server is down, Acquire retries with
//! exponential backoff (50 ms doubling to 1 s) and gives up with Unavailable at its deadline.
class ConnectionPool {
 public:
  explicit ConnectionPool(PoolOptions options);
  //! REQUIRES: every Lease has been returned.
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  //! Exclusive use of one connection until destroyed (or moved from). Returning it to the
  //! pool is the destructor's job; a lease must not outlive its pool.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }
    //! Closes the connection instead of returning it (after an error that may have left it
    //! in an unknown state); the next Acquire opens a new one.
    void Discard() { discard_ = true; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    ConnectionPool* pool_ = nullptr;
    std::unique_ptr<Connection> conn_;
    bool discard_ = false;
  };

  //! Waits up to `timeout` for a free connection and makes sure it works, reconnecting with
  //! backoff as long as the deadline allows. Returns kTimeout when every connection stayed
  //! busy, Unavailable (with the server's last error) when the server could not be reached.
  Result<Lease> Acquire(Micros timeout);
  //! Acquire(connect_timeout).
  Result<Lease> Acquire() { return Acquire(options_.connect_timeout); }

  //! Closes the idle connections (the ones in use close when their leases end).
  void CloseIdle();

  const std::string& url() const { return options_.url; }
  int32_t size() const { return options_.size; }

 private:
  void Release(std::unique_ptr<Connection> conn, bool discard);

  const PoolOptions options_;
  std::mutex mu_;
  std::condition_variable freed_;
  //! Connections not leased; a null entry is a slot whose connection is not open yet.
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
};

}  // namespace gm::store
