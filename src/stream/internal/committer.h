#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "common/status.h"
#include "common/time.h"
#include "stream/checkpoint_store.h"

namespace gm::stream::internal {

//! Commits a worker's checkpoints on its own thread, so the worker goes on processing
//! while the previous checkpoint is written. Retries a batch with backoff while the
//! store is Unavailable, until it succeeds or GiveUp() is called.
class Committer {
 public:
  Committer(CheckpointStore& store, const Clock& clock);
  ~Committer();
  //! Starts committing `batch` (owned by the caller until Wait returns).
  //! REQUIRES: the previous batch was waited for.
  void Submit(const CheckpointBatch* batch);
  //! Waits for the submitted batch; its outcome (Ok when nothing was submitted).
  Status Wait();
  //! True while a submitted batch is being committed.
  bool Busy();
  //! Stops retrying after `deadline` (wall time): the pending batch then fails.
  void GiveUpAfter(std::chrono::steady_clock::time_point deadline);
  //! When the last batch finished committing (wall clock); valid after Wait().
  Micros completed_at() const { return completed_at_; }

 private:
  void Loop();
  //! Hands memory freed since the last time back to the system (at most every 10 s).
  void ReturnFreedMemory();
  CheckpointStore& store_;
  const Clock& clock_;
  Micros completed_at_ = 0;  // written by the thread before busy_ clears; read after Wait
  std::mutex mu_;
  std::condition_variable cv_;
  const CheckpointBatch* pending_ = nullptr;                      // guarded by mu_
  bool busy_ = false;                                             // guarded by mu_
  bool quit_ = false;                                             // guarded by mu_
  Status result_;                                                 // guarded by mu_
  std::optional<std::chrono::steady_clock::time_point> give_up_;  // guarded by mu_
  std::chrono::steady_clock::time_point last_trim_;               // the thread's own
  std::thread thread_;
};

}  // namespace gm::stream::internal
