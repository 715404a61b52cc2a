#include "store/internal/process.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

extern char** environ;

namespace gm::store::internal {
namespace {

constexpr size_t kMaxCapturedOutput = 64 * 1024;

std::string ErrnoText(int err) { return std::strerror(err); }

// Everything the child needs, prepared before fork(): between fork and exec only
// async-signal-safe calls are allowed.
struct ExecPlan {
  std::vector<std::string> args;
  std::vector<char*> argv;
  RunAs as;

  explicit ExecPlan(const std::vector<std::string>& a, const RunAs& r) : args(a), as(r) {
    for (std::string& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
  }
};

// In the child: become `as`, close inherited descriptors, exec. On failure, writes errno to
// `status_fd` (close-on-exec, so the parent reads EOF on success) and exits 127.
[[noreturn]] void ExecChild(const ExecPlan& plan, int status_fd) {
  // Not fatal when it fails: the programs get absolute paths.
  int cd = chdir("/");
  (void)cd;
  int err = 0;
  if (plan.as.switch_user) {
    if (setgroups(1, &plan.as.gid) != 0 || setgid(plan.as.gid) != 0 || setuid(plan.as.uid) != 0) {
      err = errno;
    }
  }
  if (err == 0) {
    // Keep 0-2 and the status pipe; our sockets and files are not the child's business.
    const unsigned keep = static_cast<unsigned>(status_fd);
    if (keep > 3) syscall(SYS_close_range, 3U, keep - 1, 0U);
    syscall(SYS_close_range, keep + 1, ~0U, 0U);
    execve(plan.argv[0], plan.argv.data(), environ);
    err = errno;
  }
  ssize_t ignored = write(status_fd, &err, sizeof err);
  (void)ignored;
  _exit(127);
}

// Reads the exec status pipe: 0 when exec succeeded (EOF), else the child's errno.
int ReadExecStatus(int fd) {
  int err = 0;
  ssize_t n;
  do {
    n = read(fd, &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  close(fd);
  return n == static_cast<ssize_t>(sizeof err) ? err : 0;
}

int ExitCodeOf(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return 1;
}

// Writes all of `data`; a child that exits without reading gives EPIPE, not a SIGPIPE.
void WriteIgnoringPipeErrors(int fd, std::string_view data) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  bool broken = false;
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      broken = errno == EPIPE;
      break;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (broken) {
    // Consume the SIGPIPE raised for this thread before unblocking it.
    timespec zero{};
    sigtimedwait(&block, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace

Result<RunAs> ServerAccount() {
  RunAs as;
  if (geteuid() != 0) {
    as.uid = geteuid();
    as.gid = getegid();
    const passwd* pw = getpwuid(as.uid);
    as.name = pw != nullptr ? pw->pw_name : std::to_string(as.uid);
    return as;
  }
  const passwd* pw = getpwnam("postgres");
  if (pw == nullptr) {
    return InvalidArgument(
        "running as root, but there is no 'postgres' system user to run the embedded "
        "PostgreSQL server as (initdb and postgres refuse root); install the Debian package "
        "'postgresql', or run as a normal user, or set store.url / GLOBALMART_PG_URL");
  }
  as.switch_user = true;
  as.uid = pw->pw_uid;
  as.gid = pw->pw_gid;
  as.name = "postgres";
  return as;
}

Result<CommandResult> RunCommand(const std::vector<std::string>& argv, const RunAs& as,
                                 std::string_view input, Micros timeout) {
  ExecPlan plan(argv, as);
  int in_pipe[2], out_pipe[2], status_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return Unavailable("pipe: " + ErrnoText(errno));
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    return Unavailable("pipe: " + ErrnoText(errno));
  }
  if (pipe2(status_pipe, O_CLOEXEC) != 0) {
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) close(fd);
    return Unavailable("pipe: " + ErrnoText(errno));
  }
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    for (int fd :
         {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], status_pipe[0], status_pipe[1]}) {
      close(fd);
    }
    return Unavailable("fork: " + ErrnoText(err));
  }
  if (pid == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(out_pipe[1], STDERR_FILENO);
    ExecChild(plan, status_pipe[1]);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(status_pipe[1]);
  if (int err = ReadExecStatus(status_pipe[0]); err != 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    waitpid(pid, nullptr, 0);
    return Unavailable("cannot run " + argv[0] + ": " + ErrnoText(err));
  }
  WriteIgnoringPipeErrors(in_pipe[1], input);
  close(in_pipe[1]);

  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(timeout);
  bool timed_out = false;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{out_pipe[0], POLLIN, 0};
    int r = poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    ssize_t n = read(out_pipe[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child (and anything it forked) closed the pipe
    result.output.append(buf, static_cast<size_t>(n));
    if (result.output.size() > 2 * kMaxCapturedOutput) {
      result.output.erase(0, result.output.size() - kMaxCapturedOutput);
    }
  }
  close(out_pipe[0]);
  if (timed_out) kill(pid, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return Status(ErrorCode::kTimeout, argv[0] + " did not finish within " +
                                           FormatDuration(timeout) + "; output:\n" +
                                           LastLines(result.output, 20));
  }
  if (result.output.size() > kMaxCapturedOutput) {
    result.output.erase(0, result.output.size() - kMaxCapturedOutput);
  }
  result.exit_code = ExitCodeOf(wstatus);
  return result;
}

Result<pid_t> SpawnDaemon(const std::vector<std::string>& argv, const RunAs& as, int log_fd) {
  ExecPlan plan(argv, as);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) return Unavailable("/dev/null: " + ErrnoText(errno));
  int status_pipe[2];
  if (pipe2(status_pipe, O_CLOEXEC) != 0) {
    close(null_fd);
    return Unavailable("pipe: " + ErrnoText(errno));
  }
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(null_fd);
    close(status_pipe[0]);
    close(status_pipe[1]);
    return Unavailable("fork: " + ErrnoText(err));
  }
  if (pid == 0) {
    setsid();
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    // Signal dispositions set to "ignore" survive exec; the server needs the defaults.
    for (int sig : {SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGPIPE, SIGCHLD}) signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    ExecChild(plan, status_pipe[1]);
  }
  close(null_fd);
  close(status_pipe[1]);
  if (int err = ReadExecStatus(status_pipe[0]); err != 0) {
    waitpid(pid, nullptr, 0);
    return Unavailable("cannot run " + argv[0] + ": " + ErrnoText(err));
  }
  return pid;
}

bool ProcessAlive(pid_t pid) {
  if (pid <= 0) return false;
  int wstatus = 0;
  pid_t r = waitpid(pid, &wstatus, WNOHANG);
  if (r == pid) return false;  // our child, now reaped
  if (r == 0) return true;     // our child, still running
  // Not our child (started by another process): ask the kernel, treating zombies as gone
  // since whoever reaps them is not us.
  if (kill(pid, 0) != 0 && errno == ESRCH) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t paren = content.rfind(')');
  if (paren == std::string::npos || paren + 2 >= content.size()) return !content.empty();
  char state = content[paren + 2];
  return state != 'Z' && state != 'X';
}

std::string LastLines(std::string_view text, int max_lines) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  size_t start = text.size();
  int lines = 0;
  while (start > 0) {
    size_t nl = text.rfind('\n', start - 1);
    if (nl == std::string_view::npos) {
      start = 0;
      break;
    }
    if (++lines == max_lines) {
      start = nl + 1;
      break;
    }
    start = nl;
  }
  return std::string(text.substr(start));
}

std::string TailOfFile(const std::string& path, int max_lines) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff start = size > 64 * 1024 ? size - 64 * 1024 : 0;
  in.seekg(start);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return LastLines(content, max_lines);
}

}  // namespace gm::store::internal
