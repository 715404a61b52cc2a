#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/config.h"
#include "store/catalog.h"

namespace gm::cli {

//! Exit codes of every command (DESIGN.md §8).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

//! State shared by all subcommands: the global flags and the chosen command's exit code.
struct CliContext {
  std::string config_file;            //!< --config
  std::vector<std::string> settings;  //!< --set KEY=VALUE, in order
  std::vector<std::string> passthrough;  //!< arguments after `--`, for a program a command runs
  int exit_code = kExitOk;
};

//! Collects a command's flags that map to config keys, so only flags the user actually
//! gave override the file and environment (precedence flag > env > file > default).
class FlagOverrides {
 public:
  //! Adds `--name` bound to config key `key`.
  CLI::Option* Add(CLI::App& app, const std::string& name, const std::string& key,
                   const std::string& help);
  //! The (key, value) pairs of the flags that were given.
  std::vector<std::pair<std::string, std::string>> Given() const;

 private:
  struct Bound {
    std::string key;
    std::unique_ptr<std::string> value;
    CLI::Option* option = nullptr;
  };
  std::vector<Bound> bound_;
};

//! Prints "globalmart: <message>" to stderr and returns the exit code for `s`:
//! kExitUsage for InvalidArgument (bad input from the user), kExitFailure otherwise.
int ReportFailure(const Status& s);

//! Adds --pg (store.url, unless with_url is false), --data-dir (store.data_dir) and --port
//! (store.port) to a command that uses the database.
void AddStoreFlags(CLI::App* cmd, FlagOverrides& flags, bool with_url = true);

//! Loads the effective configuration from defaults, file, environment, --set and the
//! command's flags. On error prints "globalmart: <message>" to stderr and returns nullopt
//! (the caller exits with kExitUsage).
std::optional<LoadedConfig> LoadConfigOrReport(const CliContext& ctx, const FlagOverrides* flags);

//! Writes products.csv and customers.csv of the generator's world (as `generate` with
//! `g` and `start` sees it) into `dir`, creating it (cmd_catalog.cpp). Progress on stderr
//! unless `quiet`.
Status ExportCatalogFiles(const GeneratorConfig& g, Micros start, const std::string& dir,
                          bool quiet);

//! What LoadCatalogFolder loaded.
struct LoadedCatalog {
  store::CatalogLoadStats stats;
  bool had_products = false;
  bool had_customers = false;
};
//! Loads products.csv and/or customers.csv from `dir` into the database (cmd_catalog_load.cpp).
//! InvalidArgument when neither file is there or a file is malformed.
Result<LoadedCatalog> LoadCatalogFolder(store::Connection& conn, const std::string& dir,
                                        bool progress_on_stderr);

// One Register function per subcommand, each in its own cmd_<name>.cpp.
void RegisterVersionCommand(CLI::App& app, CliContext& ctx);
void RegisterConfigCommand(CLI::App& app, CliContext& ctx);
void RegisterDbCommand(CLI::App& app, CliContext& ctx);
void RegisterCatalogCommand(CLI::App& app, CliContext& ctx);
//! Adds `load` under the `catalog` command (cmd_catalog_load.cpp).
void RegisterCatalogLoadCommand(CLI::App* catalog_cmd, CliContext& ctx);
void RegisterGenerateCommand(CLI::App& app, CliContext& ctx);
void RegisterDevBrokerCommand(CLI::App& app, CliContext& ctx);
void RegisterStreamCommand(CLI::App& app, CliContext& ctx);
void RegisterEvalCommand(CLI::App& app, CliContext& ctx);
void RegisterUpCommand(CLI::App& app, CliContext& ctx);
void RegisterServeCommand(CLI::App& app, CliContext& ctx);
void RegisterApiKeyCommand(CLI::App& app, CliContext& ctx);

}  // namespace gm::cli
