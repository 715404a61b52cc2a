#pragma once

// A throw-away PostgreSQL cluster for integration tests: its own data directory in a
// temporary folder (reachable by the `postgres` user when the tests run as root), a port
// that differs between test processes, no fsync. Everything it starts is stopped by pid and
// removed at the end.
//
// initdb costs seconds, so the first test run of each build of the test program makes a
// template cluster in the temporary folder (named after the program's path and
// modification time; those of earlier builds of the same program are removed, never those
// of other test programs, which may be running at the same time) and Start() copies it.
// Tests of initdb itself use EmbeddedPostgres on Options() directly.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "store/connection.h"
#include "store/embedded_postgres.h"

namespace gm::store::testing {

class TestCluster {
 public:
  TestCluster() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gm-store-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    root_ = tmpl;
    // mkdtemp makes the folder 0700; the server's account must be able to enter it.
    chmod(root_.c_str(), 0755);
  }
  ~TestCluster() {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  //! Options for a cluster in this folder; ports differ between test processes and stay
  //! below Linux's ephemeral range (32768–60999), where any client connection of a test
  //! running in parallel could hold the port.
  EmbeddedPostgresOptions Options() const {
    EmbeddedPostgresOptions o;
    o.data_dir = root_ + "/pg";
    o.port = 10000 + static_cast<int32_t>(getpid() % 22000);
    o.durable = false;
    o.smart_stop_timeout = 500 * kMicrosPerMilli;
    return o;
  }

  //! Fills Options().data_dir with a copy of the template cluster (made on first use).
  void PrepareDataDir() {
    namespace fs = std::filesystem;
    const std::string data_dir = Options().data_dir;
    if (fs::exists(data_dir)) return;
    const std::string tmpl = TemplateDir();
    if (!fs::exists(tmpl)) MakeTemplate(tmpl);
    fs::copy(tmpl, data_dir, fs::copy_options::recursive);
    // postgres insists on a private data directory; Start() gives it to the server account.
    chmod(data_dir.c_str(), 0700);
  }

  //! Starts the cluster from the template. Fails the test on error.
  EmbeddedPostgres& Start() {
    PrepareDataDir();
    if (server_ == nullptr) server_ = std::make_unique<EmbeddedPostgres>(Options());
    Status s = server_->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
    return *server_;
  }

  EmbeddedPostgres& server() { return *server_; }

  //! A new connection to the cluster's database.
  std::unique_ptr<Connection> Connect() {
    Result<std::unique_ptr<Connection>> c = Connection::Open(server_->Url(), 10 * kMicrosPerSecond);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  const std::string& root() const { return root_; }

 private:
  static std::string TemplatePrefix() {
    std::error_code ec;
    const std::string program = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    return (std::filesystem::temp_directory_path() /
            ("gm-store-tmpl-" + std::to_string(getuid()) + "-" +
             std::to_string(std::hash<std::string>{}(program)) + "-"))
        .string();
  }
  static std::string TemplateDir() {
    struct stat st {};
    stat("/proc/self/exe", &st);
    return TemplatePrefix() + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec);
  }

  // One test process builds the template while the others wait on a lock; it appears under
  // its final name only when complete.
  void MakeTemplate(const std::string& tmpl) {
    namespace fs = std::filesystem;
    fs::create_directories(fs::path(tmpl).parent_path());
    const std::string lock_path = tmpl + ".build-lock";
    int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) std::abort();
    if (!fs::exists(tmpl)) {
      const std::string building = tmpl + ".building";
      fs::remove_all(building);
      EmbeddedPostgresOptions o = Options();
      o.data_dir = building;
      EmbeddedPostgres server(o);
      Status s = server.Start();  // initdb, and the globalmart database
      if (s.ok()) s = server.Stop();
      EXPECT_TRUE(s.ok()) << "making the template cluster: " << s.ToString();
      if (s.ok()) fs::rename(building, tmpl);
      fs::remove(building + ".lock");
      // Templates of earlier builds of this program.
      std::error_code ec;
      const std::string prefix = TemplatePrefix();
      for (const auto& entry : fs::directory_iterator(fs::path(prefix).parent_path(), ec)) {
        const std::string path = entry.path().string();
        if (path.starts_with(prefix) && !path.starts_with(tmpl)) fs::remove_all(path, ec);
      }
    }
    close(fd);
  }

  std::string root_;
  std::unique_ptr<EmbeddedPostgres> server_;
};

}  // namespace gm::store::testing
