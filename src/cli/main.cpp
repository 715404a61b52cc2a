// The `globalmart` executable: wires the modules together behind one CLI.
#include <csignal>
#include <iostream>
#include <string_view>

#include "cli/command.h"

int main(int argc, char** argv) {
  using namespace gm::cli;
  // A closed pipe (`generate --to file:- | head`) must be an error from write(), not death.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{
      "GlobalMart Analytics: real-time and batch e-commerce analytics in one binary.\n"
      "Run `globalmart <command> --help` for a command's options.",
      "globalmart"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Print help for every command");
  CliContext ctx;
  app.add_option("-c,--config", ctx.config_file,
                 "TOML config file (default: $GLOBALMART_CONFIG, else ./config/globalmart.toml "
                 "if present)");
  app.add_option("--set", ctx.settings,
                 "Override any config key, e.g. --set generator.seed=7 (repeatable)")
      ->type_name("KEY=VALUE")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  // Global options may also follow the command: `globalmart up --set k=v`.
  app.fallthrough();

  RegisterVersionCommand(app, ctx);
  RegisterConfigCommand(app, ctx);
  RegisterDbCommand(app, ctx);
  RegisterCatalogCommand(app, ctx);
  RegisterGenerateCommand(app, ctx);
  RegisterDevBrokerCommand(app, ctx);
  RegisterStreamCommand(app, ctx);
  RegisterEvalCommand(app, ctx);
  RegisterUpCommand(app, ctx);
  RegisterServeCommand(app, ctx);
  RegisterApiKeyCommand(app, ctx);

  // Arguments after `--` belong to a program a command runs (`db psql -- -c 'SELECT 1'`).
  int own_argc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      own_argc = i;
      ctx.passthrough.assign(argv + i + 1, argv + argc);
      break;
    }
  }
  try {
    app.parse(own_argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  return ctx.exit_code;
}
