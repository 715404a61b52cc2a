#include "cli/signals.h"

#include <unistd.h>

#include <csignal>
#include <cstdlib>

namespace gm::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) {
  if (g_stop.exchange(true)) _exit(130);  // the user insists: stop now
  static const char kMsg[] = "\nstopping (press Ctrl-C again to quit immediately)...\n";
  ssize_t ignored = write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
  (void)ignored;
}

}  // namespace

const std::atomic<bool>& InstallStopSignals() {
  static const bool installed = [] {
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    return true;
  }();
  (void)installed;
  return g_stop;
}

}  // namespace gm::cli
