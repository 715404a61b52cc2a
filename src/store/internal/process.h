#pragma once

// Child processes of the embedded cluster manager: initdb, pg_config and the postmaster.
// Internal to store/.

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"

namespace gm::store::internal {

//! The account a child process runs as.
struct RunAs {
  bool switch_user = false;  //!< false: as the current user
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;  //!< for messages
};

//! The account the PostgreSQL server programs run as: when this process is root (initdb and
//! postgres refuse to run as root), the `postgres` system user; otherwise the current user.
//! Returns InvalidArgument when root and no `postgres` user exists.
Result<RunAs> ServerAccount();

struct CommandResult {
  int exit_code = 0;   //!< the exit status, or 128 + signal number
  std::string output;  //!< stdout and stderr interleaved; the last 64 KiB
};

//! Runs `argv` (argv[0] is a path) to completion as `as`, from the root directory, with
//! `input` on its stdin and stdout/stderr captured. Kills it after `timeout`.
//! Returns Unavailable when it cannot be started, kTimeout when it was killed.
Result<CommandResult> RunCommand(const std::vector<std::string>& argv, const RunAs& as,
                                 std::string_view input, Micros timeout);

//! Starts `argv` as `as` in a new session (so a Ctrl-C meant for us does not reach it), from
//! the root directory, stdin from /dev/null and stdout/stderr appended to `log_fd`.
//! Returns the child's pid, or Unavailable when exec failed.
Result<pid_t> SpawnDaemon(const std::vector<std::string>& argv, const RunAs& as, int log_fd);

//! True while `pid` is a live process (not a zombie). Reaps it when it is our exited child.
bool ProcessAlive(pid_t pid);

//! The last `max_lines` lines of a text file ("" when it cannot be read).
std::string TailOfFile(const std::string& path, int max_lines);

//! The last `max_lines` lines of `text`.
std::string LastLines(std::string_view text, int max_lines);

}  // namespace gm::store::internal
