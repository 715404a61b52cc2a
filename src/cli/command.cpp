#include "cli/command.h"

#include <iostream>

namespace gm::cli {

CLI::Option* FlagOverrides::Add(CLI::App& app, const std::string& name, const std::string& key,
                                const std::string& help) {
  Bound b;
  b.key = key;
  b.value = std::make_unique<std::string>();
  b.option = app.add_option(name, *b.value, help + "  [config: " + key + "]");
  CLI::Option* option = b.option;
  bound_.push_back(std::move(b));
  return option;
}

std::vector<std::pair<std::string, std::string>> FlagOverrides::Given() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Bound& b : bound_) {
    if (b.option->count() > 0) out.emplace_back(b.key, *b.value);
  }
  return out;
}

int ReportFailure(const Status& s) {
  std::cerr << "globalmart: " << s.message() << "\n";
  return s.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
}

void AddStoreFlags(CLI::App* cmd, FlagOverrides& flags, bool with_url) {
  if (with_url) {
    flags
        .Add(*cmd, "--pg", "store.url",
             "URL of an existing PostgreSQL server, e.g. postgresql://user:pw@host/db "
             "(default: the embedded cluster; env GLOBALMART_PG_URL)")
        ->type_name("URL");
  }
  flags.Add(*cmd, "--data-dir", "store.data_dir",
            "Data directory of the embedded cluster (default ./var/pg)");
  flags.Add(*cmd, "--port", "store.port", "First TCP port tried by the embedded cluster (5433)");
}

std::optional<LoadedConfig> LoadConfigOrReport(const CliContext& ctx, const FlagOverrides* flags) {
  ConfigSources sources;
  sources.file = ctx.config_file;
  sources.environment = ProcessEnvironment();
  for (const std::string& setting : ctx.settings) {
    size_t eq = setting.find('=');
    if (eq == std::string::npos) {
      std::cerr << "globalmart: --set expects KEY=VALUE, got '" << setting << "'\n";
      return std::nullopt;
    }
    sources.flags.emplace_back(setting.substr(0, eq), setting.substr(eq + 1));
  }
  if (flags != nullptr) {
    for (auto& kv : flags->Given()) sources.flags.push_back(std::move(kv));
  }
  Result<LoadedConfig> loaded = LoadConfig(sources);
  if (!loaded.ok()) {
    std::cerr << "globalmart: " << loaded.status().message() << "\n";
    return std::nullopt;
  }
  return std::move(loaded).value();
}

}  // namespace gm::cli
