#include "common/logging.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <filesystem>
#include <mutex>
#include <vector>

namespace gm {
namespace {

std::mutex g_mutex;
std::vector<spdlog::sink_ptr> g_sinks;                    // guarded by g_mutex
spdlog::level::level_enum g_level = spdlog::level::info;  // guarded by g_mutex

std::vector<spdlog::sink_ptr>& SinksLocked() {
  if (g_sinks.empty()) g_sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  return g_sinks;
}

}  // namespace

Status InitLogging(std::string_view level, const std::string& log_dir,
                   const std::string& log_file) {
  spdlog::level::level_enum lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") {
    return InvalidArgument("unknown log level '" + std::string(level) + "'");
  }
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (!log_file.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(log_dir, ec);
    if (ec) return Unavailable("cannot create log folder '" + log_dir + "': " + ec.message());
    sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(log_dir + "/" + log_file,
                                                                           10 * 1024 * 1024, 5));
  }
  std::lock_guard lock(g_mutex);
  g_sinks = std::move(sinks);
  g_level = lvl;
  spdlog::drop_all();
  return Status::Ok();
}

std::shared_ptr<spdlog::logger> Logger(const std::string& name) {
  std::lock_guard lock(g_mutex);
  if (auto existing = spdlog::get(name)) return existing;
  auto& sinks = SinksLocked();
  auto logger = std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
  logger->set_level(g_level);
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v");
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace gm
