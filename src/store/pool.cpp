#include "store/pool.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/logging.h"

namespace gm::store {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr Micros kFirstBackoff = 50 * kMicrosPerMilli;
constexpr Micros kMaxBackoff = kMicrosPerSecond;

Micros MicrosUntil(SteadyClock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::microseconds>(deadline - SteadyClock::now())
      .count();
}

}  // namespace

ConnectionPool::ConnectionPool(PoolOptions options) : options_(std::move(options)) {
  idle_.resize(static_cast<size_t>(std::max(1, options_.size)));
}

ConnectionPool::~ConnectionPool() = default;

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      conn_(std::move(other.conn_)),
      discard_(other.discard_) {}

ConnectionPool::Lease& ConnectionPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (pool_ != nullptr) pool_->Release(std::move(conn_), discard_);
    pool_ = std::exchange(other.pool_, nullptr);
    conn_ = std::move(other.conn_);
    discard_ = other.discard_;
  }
  return *this;
}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->Release(std::move(conn_), discard_);
}

Result<ConnectionPool::Lease> ConnectionPool::Acquire(Micros timeout) {
  const auto deadline = SteadyClock::now() + std::chrono::microseconds(timeout);
  std::unique_ptr<Connection> conn;
  {
    std::unique_lock lock(mu_);
    if (!freed_.wait_until(lock, deadline, [this] { return !idle_.empty(); })) {
      return Status(ErrorCode::kTimeout, "all " + std::to_string(options_.size) +
                                             " database connections stayed busy for " +
                                             FormatDuration(timeout));
    }
    // Prefer a slot whose connection is already open.
    auto open =
        std::find_if(idle_.rbegin(), idle_.rend(), [](const auto& c) { return c != nullptr; });
    if (open != idle_.rend()) std::iter_swap(open, idle_.rbegin());
    conn = std::move(idle_.back());
    idle_.pop_back();
  }
  // From here on the slot is ours; I/O happens without the lock.
  if (conn != nullptr && conn->Healthy()) return Lease(this, std::move(conn));
  if (conn != nullptr) Logger("store")->info("replacing a broken database connection");
  conn.reset();

  Micros backoff = kFirstBackoff;
  Status last;
  int attempts = 0;
  for (;;) {
    ++attempts;
    const Micros left = MicrosUntil(deadline);
    Result<std::unique_ptr<Connection>> opened =
        Connection::Open(options_.url, std::max<Micros>(left, kMicrosPerSecond));
    if (opened.ok()) {
      if (attempts > 1) Logger("store")->info("reconnected to PostgreSQL");
      return Lease(this, std::move(opened).value());
    }
    last = opened.status();
    const Micros wait = std::min(backoff, MicrosUntil(deadline));
    if (last.code() == ErrorCode::kInvalidArgument || wait <= 0) break;
    if (attempts == 1) {
      const Micros left_ms = std::max<Micros>(0, MicrosUntil(deadline)) / kMicrosPerMilli;
      Logger("store")->warn("{}; retrying for up to {}", last.message(),
                            FormatDuration(left_ms * kMicrosPerMilli));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(wait));
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
  Release(nullptr, false);
  if (last.code() == ErrorCode::kInvalidArgument) return last;
  return Unavailable(last.message() + " (gave up after " + std::to_string(attempts) +
                     " attempts in " + FormatDuration(timeout) + ")");
}

void ConnectionPool::Release(std::unique_ptr<Connection> conn, bool discard) {
  // A connection left mid-transaction or broken is closed here (outside the lock); its
  // slot returns empty and the next Acquire opens a fresh one.
  if (conn != nullptr && (discard || !conn->Healthy())) conn.reset();
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(conn));
  }
  freed_.notify_one();
}

void ConnectionPool::CloseIdle() {
  std::vector<std::unique_ptr<Connection>> closing;
  {
    std::lock_guard lock(mu_);
    for (auto& c : idle_) closing.push_back(std::move(c));
    idle_.clear();
    idle_.resize(closing.size());
  }
  // The connections close here, outside the lock.
}

}  // namespace gm::store
