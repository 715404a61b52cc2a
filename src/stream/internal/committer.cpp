#include "stream/internal/committer.h"

#include <algorithm>

#include "common/logging.h"

namespace gm::stream::internal {

using SteadyClock = std::chrono::steady_clock;

Committer::Committer(CheckpointStore& store, const Clock& clock)
    : store_(store), clock_(clock), thread_([this] { Loop(); }) {}

Committer::~Committer() {
  {
    std::lock_guard lock(mu_);
    quit_ = true;
    give_up_ = SteadyClock::now();
  }
  cv_.notify_all();
  thread_.join();
}

void Committer::Submit(const CheckpointBatch* batch) {
  {
    std::lock_guard lock(mu_);
    pending_ = batch;
    busy_ = true;
    result_ = Status::Ok();
  }
  cv_.notify_all();
}

bool Committer::Busy() {
  std::lock_guard lock(mu_);
  return busy_;
}

Status Committer::Wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !busy_; });
  return result_;
}

void Committer::GiveUpAfter(SteadyClock::time_point deadline) {
  {
    std::lock_guard lock(mu_);
    give_up_ = deadline;
  }
  cv_.notify_all();
}

void Committer::Loop() {
  auto log = Logger("stream");
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return pending_ != nullptr || quit_; });
    if (pending_ == nullptr) return;
    const CheckpointBatch* batch = pending_;
    lock.unlock();
    auto backoff = std::chrono::milliseconds(100);
    Status s;
    int attempt = 0;
    while (true) {
      s = store_.Commit(*batch);
      if (s.ok() || s.code() != ErrorCode::kUnavailable) break;
      lock.lock();
      const bool give_up = give_up_ && SteadyClock::now() >= *give_up_;
      lock.unlock();
      if (give_up) break;
      ++attempt;
      log->warn("checkpoint not committed (attempt {}): {}; retrying in {} ms", attempt,
                s.message(), backoff.count());
      lock.lock();
      cv_.wait_for(lock, backoff, [&] { return give_up_ && SteadyClock::now() >= *give_up_; });
      lock.unlock();
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
    if (s.ok() && attempt > 0) log->info("checkpoint committed after {} retries", attempt);
    lock.lock();
    completed_at_ = clock_.Now();
    result_ = s;
    pending_ = nullptr;
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace gm::stream::internal
