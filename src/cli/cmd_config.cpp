#include <iostream>

#include "cli/command.h"

namespace gm::cli {

void RegisterConfigCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* cmd = app.add_subcommand("config", "Inspect the configuration");
  cmd->require_subcommand(1);
  CLI::App* show =
      cmd->add_subcommand("show",
                          "Print the effective configuration as TOML, each key with its origin "
                          "(default, file, env or flag), unit, meaning and environment variable");
  show->callback([&ctx] {
    std::optional<LoadedConfig> loaded = LoadConfigOrReport(ctx, nullptr);
    if (!loaded) {
      ctx.exit_code = kExitUsage;
      return;
    }
    std::cout << RenderConfig(*loaded);
    ctx.exit_code = kExitOk;
  });
}

}  // namespace gm::cli
