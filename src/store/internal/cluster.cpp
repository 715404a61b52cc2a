#include "store/internal/cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "common/logging.h"

namespace gm::store::internal::cluster {

namespace fs = std::filesystem;

constexpr int kPortScan = 100;  // ports looked at for a free one

Clock::time_point DeadlineAfter(Micros d) { return Clock::now() + std::chrono::microseconds(d); }

void SleepMillis(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

std::string ReadFileTrimmed(const std::string& path) {
  std::ifstream in(path);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

// The major version a data directory was initialised with (PG_VERSION), or 0.
int DataDirMajor(const std::string& data_dir) {
  return std::atoi(ReadFileTrimmed(data_dir + "/PG_VERSION").c_str());
}

bool HasServerPrograms(const std::string& dir) {
  return !dir.empty() && access((dir + "/initdb").c_str(), X_OK) == 0 &&
         access((dir + "/postgres").c_str(), X_OK) == 0;
}

std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

bool ReadPidFile(const std::string& data_dir, PidFile* out) {
  std::ifstream in(data_dir + "/postmaster.pid");
  if (!in) return false;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (lines.size() < 4) return false;
  out->pid = static_cast<pid_t>(std::atol(lines[0].c_str()));
  out->port = static_cast<int32_t>(std::atol(lines[3].c_str()));
  out->socket_dir = lines.size() > 4 ? lines[4] : "";
  out->status = lines.size() > 7 ? lines[7] : "";
  while (!out->status.empty() && out->status.back() == ' ') out->status.pop_back();
  return out->pid > 0;
}

// True when `pid` runs the postgres executable (guards against a recycled pid).
bool IsPostgresProcess(pid_t pid) {
  std::string comm = ReadFileTrimmed("/proc/" + std::to_string(pid) + "/comm");
  return comm.starts_with("postgres") || comm.starts_with("postmaster");
}

// Waits up to `timeout` for `pid` to exit.
bool WaitForExit(pid_t pid, Micros timeout) {
  const auto deadline = DeadlineAfter(timeout);
  while (internal::ProcessAlive(pid)) {
    if (Clock::now() >= deadline) return false;
    SleepMillis(20);
  }
  return true;
}

// Smart, then fast, then immediate shutdown of the postmaster `pid`.
Status SignalAndWait(pid_t pid, Micros smart_timeout, Micros fast_timeout) {
  struct Step {
    int signal;
    Micros timeout;
    const char* name;
  };
  const Step steps[] = {{SIGTERM, smart_timeout, "smart"},
                        {SIGINT, fast_timeout, "fast"},
                        {SIGQUIT, 5 * kMicrosPerSecond, "immediate"}};
  for (const Step& step : steps) {
    if (kill(pid, step.signal) != 0 && errno == ESRCH) return Status::Ok();
    if (WaitForExit(pid, step.timeout)) return Status::Ok();
    Logger("store")->warn("PostgreSQL (pid {}) did not finish a {} shutdown within {}", pid,
                          step.name, FormatDuration(step.timeout));
  }
  return Internal("PostgreSQL (pid " + std::to_string(pid) + ") did not stop");
}

// The first port from `first` on that nothing listens on at 127.0.0.1, or 0.
int32_t FindFreePort(int32_t first) {
  for (int32_t port = first; port < first + kPortScan && port <= 65535; ++port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // as postgres binds
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (free) return port;
  }
  return 0;
}

std::string RandomPassword() {
  std::random_device rd;  // /dev/urandom
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) out.push_back(kHex[rd() % 16]);
  return out;
}

Status Chown(const std::string& path, const RunAs& as, bool recursive) {
  if (!as.switch_user) return Status::Ok();
  if (lchown(path.c_str(), as.uid, as.gid) != 0) {
    return Unavailable("cannot give " + path + " to user " + as.name + ": " + strerror(errno));
  }
  if (!recursive) return Status::Ok();
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (lchown(it->path().c_str(), as.uid, as.gid) != 0) {
      return Unavailable("cannot give " + it->path().string() + " to user " + as.name + ": " +
                         strerror(errno));
    }
  }
  return Status::Ok();
}

// The server account must be able to walk down to the data directory.
Status CheckReachable(const fs::path& dir, const RunAs& as) {
  if (!as.switch_user) return Status::Ok();
  for (fs::path p = dir.parent_path(); !p.empty(); p = p.parent_path()) {
    struct stat st;
    if (stat(p.c_str(), &st) == 0) {
      bool ok = (st.st_mode & S_IXOTH) || (st.st_uid == as.uid && (st.st_mode & S_IXUSR)) ||
                (st.st_gid == as.gid && (st.st_mode & S_IXGRP));
      if (!ok) {
        return InvalidArgument("the '" + as.name + "' user, which runs the embedded server, " +
                               "cannot enter " + p.string() + "; make it searchable (chmod o+x " +
                               p.string() + ") or set store.data_dir elsewhere");
      }
    }
    if (p == p.root_path()) break;
  }
  return Status::Ok();
}

std::string PercentEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

StartLock::~StartLock() {
  if (fd_ >= 0) close(fd_);  // releases the lock
}

Status StartLock::Acquire(const std::string& path, Micros timeout) {
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return Unavailable("cannot open " + path + ": " + strerror(errno));
  const auto deadline = DeadlineAfter(timeout);
  while (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      return Unavailable("cannot lock " + path + ": " + strerror(errno));
    }
    if (Clock::now() >= deadline) {
      return Status(ErrorCode::kTimeout,
                    "another process has been starting the embedded "
                    "server (it holds " +
                        path + ") for longer than " + FormatDuration(timeout));
    }
    SleepMillis(50);
  }
  return Status::Ok();
}

}  // namespace gm::store::internal::cluster
