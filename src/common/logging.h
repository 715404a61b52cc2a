#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace gm {

//! Configures logging once per process: human-readable lines on stderr and, when
//! `log_file` is non-empty, a rotating file (10 MiB × 5) under `log_dir`.
//! Returns InvalidArgument for an unknown level, Unavailable when the folder cannot be made.
Status InitLogging(std::string_view level, const std::string& log_dir, const std::string& log_file);

//! A named logger for a module ("bus", "generator", ...), sharing the configured sinks.
std::shared_ptr<spdlog::logger> Logger(const std::string& name);

}  // namespace gm
