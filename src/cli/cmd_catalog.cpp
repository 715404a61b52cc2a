// PLACEHOLDER: replaced by the real command in this session.
#include "cli/command.h"

namespace gm::cli {
void RegisterCatalogCommand(CLI::App&, CliContext&) {}
}  // namespace gm::cli
