#pragma once

// Helpers of the embedded cluster manager (store/embedded_postgres.cpp): files in the data
// directory, the postmaster process, ports and permissions. Internal to store/.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "common/status.h"
#include "common/time.h"
#include "store/internal/process.h"

namespace gm::store::internal::cluster {

using Clock = std::chrono::steady_clock;
Clock::time_point DeadlineAfter(Micros d);
void SleepMillis(int ms);

//! The file's content without trailing white space; "" when unreadable.
std::string ReadFileTrimmed(const std::string& path);
//! The major version a data directory was initialised with (PG_VERSION), or 0.
int DataDirMajor(const std::string& data_dir);
//! True when `dir` holds executable initdb and postgres.
bool HasServerPrograms(const std::string& dir);
//! The path of `program` in $PATH, or "".
std::string FindOnPath(const std::string& program);

//! What postmaster.pid says: pid, data dir, start time, port, socket dir, listen address,
//! shared memory key, status.
struct PidFile {
  pid_t pid = 0;
  int32_t port = 0;
  std::string socket_dir;
  std::string status;  //!< "starting", "ready" or "stopping"
};
//! False when the data directory has no (readable, complete) postmaster.pid.
bool ReadPidFile(const std::string& data_dir, PidFile* out);
//! True when `pid` runs the postgres executable (guards against a recycled pid).
bool IsPostgresProcess(pid_t pid);
//! Waits up to `timeout` for `pid` to exit; false when it still runs.
bool WaitForExit(pid_t pid, Micros timeout);
//! Stops the postmaster `pid`: SIGTERM (smart), after `smart_timeout` SIGINT (fast), after
//! `fast_timeout` SIGQUIT (immediate). Internal error when it still runs after all that.
Status SignalAndWait(pid_t pid, Micros smart_timeout, Micros fast_timeout);

//! The first port from `first` on (scanning 100) that is free on 127.0.0.1, or 0.
int32_t FindFreePort(int32_t first);
//! 32 hex digits from the system's random source.
std::string RandomPassword();
//! Gives `path` (and with `recursive` everything below it) to `as`; no-op unless
//! as.switch_user.
Status Chown(const std::string& path, const RunAs& as, bool recursive);
//! InvalidArgument unless `as` may enter every folder above `dir`.
Status CheckReachable(const std::filesystem::path& dir, const RunAs& as);
//! `s` with everything but unreserved URI characters percent-encoded.
std::string PercentEncode(const std::string& s);

//! An exclusive flock, held from Acquire until destruction; serialises processes starting
//! the server on one data directory.
class StartLock {
 public:
  StartLock() = default;
  ~StartLock();
  StartLock(const StartLock&) = delete;
  StartLock& operator=(const StartLock&) = delete;
  //! Creates `path` if needed and locks it, waiting up to `timeout` (then kTimeout).
  Status Acquire(const std::string& path, Micros timeout);

 private:
  int fd_ = -1;
};

}  // namespace gm::store::internal::cluster
