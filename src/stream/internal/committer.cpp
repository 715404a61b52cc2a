#include "stream/internal/committer.h"

#include <malloc.h>

#include <algorithm>

#include "common/logging.h"

namespace gm::stream::internal {

using SteadyClock = std::chrono::steady_clock;

Committer::Committer(CheckpointStore& store, const Clock& clock)
    : store_(store), clock_(clock), last_trim_(SteadyClock::now()), thread_([this] { Loop(); }) {}

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

void Committer::ReturnFreedMemory() {
  // Checkpoint batches, COPY buffers and snapshots are large and short-lived, and the
  // threads that free them are not the ones that allocate them: glibc keeps such memory in
  // its arenas, where RSS crept up by ~100 MB over five live minutes. Handing it back
  // every kTrimInterval (the first one kTrimInterval after the start, so a short run never
  // pays for it) costs a few milliseconds of this otherwise idle thread; what was handed
  // back is faulted in again when it is needed.
  constexpr auto kTrimInterval = std::chrono::seconds(10);
  const auto now = SteadyClock::now();
  if (now - last_trim_ < kTrimInterval) return;
  last_trim_ = now;
  malloc_trim(0);
  Logger("stream")->debug(
      "returned freed heap memory in {} ms",
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - now).count());
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
    if (s.ok()) ReturnFreedMemory();
    lock.lock();
    completed_at_ = clock_.Now();
    result_ = s;
    pending_ = nullptr;
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace gm::stream::internal
