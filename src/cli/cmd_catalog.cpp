// `globalmart catalog export`: the generator's catalog (products) and customer population
// as CSV files, for loading into the database (`catalog load`).
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "common/logging.h"
#include "generator/catalog.h"
#include "generator/customers.h"

namespace gm::cli {
namespace {

struct ExportFlags {
  FlagOverrides overrides;
  std::string out;
  bool quiet = false;
};

bool WriteFile(const std::filesystem::path& path, const std::function<void(std::ostream&)>& body) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return false;
  body(out);
  out.flush();
  return out.good();
}

int RunExport(const CliContext& ctx, const ExportFlags& flags) {
  std::optional<LoadedConfig> loaded = LoadConfigOrReport(ctx, &flags.overrides);
  if (!loaded) return kExitUsage;
  const GeneratorConfig& g = loaded->config.generator;
  // Signup dates lie in the 5 years before the first generated event, as in `generate`:
  // export with the same --start and --backfill to get the same dates.
  const Micros start = g.start ? *g.start : SystemClock::Instance().Now();
  if (Status s = ExportCatalogFiles(g, start, flags.out, flags.quiet); !s.ok()) {
    return ReportFailure(s);
  }
  return kExitOk;
}

}  // namespace

Status ExportCatalogFiles(const GeneratorConfig& g, Micros start, const std::string& out,
                          bool quiet) {
  std::error_code error;
  std::filesystem::create_directories(out, error);
  if (error) return Unavailable("cannot create " + out + ": " + error.message());
  const std::filesystem::path dir(out);

  const generator::Catalog catalog(g.products, g.seed);
  if (!WriteFile(dir / "products.csv", [&](std::ostream& o) { catalog.WriteProductsCsv(o); })) {
    return Unavailable("writing " + (dir / "products.csv").string() + " failed");
  }
  if (!quiet) {
    std::cerr << "wrote " << catalog.size() << " products to " << (dir / "products.csv").string()
              << "\n";
  }

  const generator::Customers customers(g.customers, g.seed, start - g.backfill);
  auto progress = [&](int64_t rows) {
    if (!quiet) {
      std::cerr << "customers: " << rows << " of " << customers.size() << " rows ("
                << rows * 100 / customers.size() << " %)\n";
    }
  };
  if (!WriteFile(dir / "customers.csv",
                 [&](std::ostream& o) { customers.WriteCsv(o, progress); })) {
    return Unavailable("writing " + (dir / "customers.csv").string() + " failed");
  }
  if (!quiet) {
    std::cerr << "wrote " << customers.size() << " customers to "
              << (dir / "customers.csv").string() << "\n";
  }
  return Status::Ok();
}

namespace {}  // namespace

void RegisterCatalogCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* cmd = app.add_subcommand("catalog", "The product catalog and customer population");
  cmd->require_subcommand(1);

  auto flags = std::make_shared<ExportFlags>();
  CLI::App* exp = cmd->add_subcommand(
      "export",
      "Write products.csv and customers.csv of the generator's world (same seed, products "
      "and customers as `generate`) into a folder");
  exp->add_option("--out", flags->out, "Folder to write into (created if missing)")
      ->type_name("DIR")
      ->required();
  FlagOverrides& o = flags->overrides;
  o.Add(*exp, "--seed", "generator.seed", "Random seed")->type_name("N");
  o.Add(*exp, "--products", "generator.products", "Products in the catalog")->type_name("N");
  o.Add(*exp, "--customers", "generator.customers", "Customer population (10 million work)")
      ->type_name("N");
  o.Add(*exp, "--start", "generator.start",
        "Start of the generated events (signup dates fall in the 5 years before it)")
      ->type_name("TIME");
  o.Add(*exp, "--backfill", "generator.backfill", "History generated before start")
      ->type_name("DURATION");
  exp->add_flag("-q,--quiet", flags->quiet, "No progress on stderr");
  exp->callback([&ctx, flags] { ctx.exit_code = RunExport(ctx, *flags); });

  RegisterCatalogLoadCommand(cmd, ctx);
}

}  // namespace gm::cli
