#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "stream/checkpoint_store.h"

namespace gm::stream::internal {

//! Stores compacted task snapshots (CheckpointStore::Compact) on its own thread, so that
//! writing a task's whole state — tens of megabytes to gigabytes — never holds up a
//! checkpoint (one checkpoint in ten used to spend a second on it at 50,000 events/s).
//! Takes one job at a time; a worker offers one only when the compactor is idle and the
//! checkpoint the job belongs to has committed. A failed job is logged and dropped: the
//! changes it would have replaced stay stored, and the task asks again once its new
//! changes add up.
class Compactor {
 public:
  struct Job {
    std::string group;
    int32_t task = 0;
    int64_t generation = 0;
    int64_t number = 0;    //!< the committed snapshot number the state is as of
    std::string snapshot;  //!< Task::Save(full) right after that snapshot
  };

  explicit Compactor(CheckpointStore& store);
  //! Waits for the job in progress.
  ~Compactor();
  Compactor(const Compactor&) = delete;
  Compactor& operator=(const Compactor&) = delete;

  //! True when no job is waiting or running.
  bool Idle();
  //! Starts storing `job`. REQUIRES: Idle().
  void Submit(Job job);
  //! Waits until Idle().
  void Wait();

 private:
  void Loop();
  CheckpointStore& store_;
  std::mutex mu_;
  std::condition_variable cv_;
  Job job_;            // guarded by mu_
  bool busy_ = false;  // guarded by mu_
  bool quit_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace gm::stream::internal
