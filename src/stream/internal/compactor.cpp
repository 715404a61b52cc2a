#include "stream/internal/compactor.h"

#include <utility>

#include "common/logging.h"

namespace gm::stream::internal {

Compactor::Compactor(CheckpointStore& store) : store_(store), thread_([this] { Loop(); }) {}

Compactor::~Compactor() {
  {
    std::lock_guard lock(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool Compactor::Idle() {
  std::lock_guard lock(mu_);
  return !busy_;
}

void Compactor::Submit(Job job) {
  {
    std::lock_guard lock(mu_);
    job_ = std::move(job);
    busy_ = true;
  }
  cv_.notify_all();
}

void Compactor::Wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !busy_; });
}

void Compactor::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return busy_ || quit_; });
    if (!busy_) return;  // quitting with nothing to do
    Job job = std::move(job_);
    lock.unlock();
    const Status s =
        store_.Compact(job.group, job.task, job.generation, job.number, std::move(job.snapshot));
    if (!s.ok()) {
      // Fenced (another owner has the task) or the database is away: the stored changes
      // still make up the state.
      Logger("stream")->log(s.code() == ErrorCode::kAborted ? spdlog::level::debug
                                                            : spdlog::level::warn,
                            "snapshot compaction of task {} skipped: {}", job.task,
                            s.message());
    }
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace gm::stream::internal
