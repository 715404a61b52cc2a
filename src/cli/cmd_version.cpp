#include <iostream>

#include "cli/command.h"
#include "cli/version.h"

namespace gm::cli {

void RegisterVersionCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* cmd = app.add_subcommand("version", "Print the version and build details");
  cmd->callback([&ctx] {
    std::cout << "globalmart " << kVersion << " (C++20, " << kBuildType << ")\n";
    ctx.exit_code = kExitOk;
  });
}

}  // namespace gm::cli
