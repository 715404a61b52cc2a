#pragma once

#include <atomic>

namespace gm::cli {

//! Installs SIGINT/SIGTERM handlers that set the returned flag (once per process; later
//! calls return the same flag). A second signal while stopping exits immediately with 130.
const std::atomic<bool>& InstallStopSignals();

}  // namespace gm::cli
