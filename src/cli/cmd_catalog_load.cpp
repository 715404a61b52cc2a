// `globalmart catalog load`: the catalog CSV files into PostgreSQL (products, customers).

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/command.h"
#include "common/logging.h"
#include "store/catalog.h"
#include "store/catalog_csv.h"
#include "store/database.h"
#include "store/migrations.h"

namespace gm::cli {
namespace {

struct CatalogLoadOptions {
  std::string from;
  FlagOverrides store_flags;  // store.* keys
};

void PrintStats(const char* table, const store::TableLoadStats& s) {
  std::cout << table << ": " << s.read << " rows read, " << s.inserted << " new, " << s.updated
            << " changed, " << s.unchanged() << " unchanged\n";
}

// Opens `dir`/`file` with `open`; a missing file yields nullptr (the table is skipped).
template <typename Open>
Result<std::unique_ptr<store::CatalogCsvReader>> OpenIfPresent(const std::string& dir,
                                                               const char* file, Open open) {
  Result<std::unique_ptr<store::CatalogCsvReader>> r = open(dir + "/" + file);
  if (!r.ok() && r.status().code() == ErrorCode::kNotFound) {
    return std::unique_ptr<store::CatalogCsvReader>();
  }
  if (r.ok() && !(*r)->ignored_columns().empty()) {
    std::string list;
    for (const std::string& c : (*r)->ignored_columns()) list += (list.empty() ? "" : ", ") + c;
    std::cerr << "note: " << file << ": ignoring columns " << list << "\n";
  }
  return r;
}

int RunCatalogLoad(const CliContext& ctx, const CatalogLoadOptions& options) {
  std::optional<LoadedConfig> loaded = LoadConfigOrReport(ctx, &options.store_flags);
  if (!loaded) return kExitUsage;
  if (Status s = InitLogging(loaded->config.log.level, loaded->config.log.dir, ""); !s.ok()) {
    return ReportFailure(s);
  }
  if (options.from.empty()) {
    std::cerr << "globalmart: catalog load needs --from DIR for now: the folder written by "
                 "`globalmart catalog export --out DIR`\n";
    return kExitUsage;
  }
  store::Database db(loaded->config.store);
  if (Status s = db.Start(); !s.ok()) return ReportFailure(s);
  std::cout << "database: " << db.DisplayUrl() << "\n";
  Result<store::ConnectionPool::Lease> lease = db.pool().Acquire();
  if (!lease.ok()) return ReportFailure(lease.status());
  // The tables must exist; a fresh database gets its schema here.
  Result<std::vector<store::Migration>> migrated =
      store::Migrate(**lease, store::BuiltinMigrations());
  if (!migrated.ok()) return ReportFailure(migrated.status());
  for (const store::Migration& m : *migrated) {
    char version[16];
    std::snprintf(version, sizeof version, "%04d", m.version);
    std::cout << "applied migration " << version << "_" << m.name << "\n";
  }

  const auto start = std::chrono::steady_clock::now();
  // Progress on a terminal only: a rewritten line is noise in logs.
  Result<LoadedCatalog> stats =
      LoadCatalogFolder(**lease, options.from, isatty(STDERR_FILENO) != 0);
  if (!stats.ok()) return ReportFailure(stats.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (stats->had_products) PrintStats("products", stats->stats.products);
  if (stats->had_customers) PrintStats("customers", stats->stats.customers);
  std::cout << "loaded in " << static_cast<int64_t>(seconds * 1000) << " ms\n";
  return kExitOk;
}

}  // namespace

Result<LoadedCatalog> LoadCatalogFolder(store::Connection& conn, const std::string& dir,
                                        bool progress_on_stderr) {
  auto products = OpenIfPresent(dir, "products.csv", store::CatalogCsvReader::OpenProducts);
  if (!products.ok()) return products.status();
  auto customers = OpenIfPresent(dir, "customers.csv", store::CatalogCsvReader::OpenCustomers);
  if (!customers.ok()) return customers.status();
  if (*products == nullptr && *customers == nullptr) {
    return InvalidArgument("neither products.csv nor customers.csv is in " + dir);
  }
  store::CatalogCsvReader* p = products->get();
  store::CatalogCsvReader* c = customers->get();
  store::ProductSource product_source;
  if (p != nullptr) product_source = [p](store::ProductRow& row) { return p->NextProduct(row); };
  store::CustomerSource customer_source;
  if (c != nullptr) {
    customer_source = [c](store::CustomerRow& row) { return c->NextCustomer(row); };
  }
  store::CatalogProgress progress;
  if (progress_on_stderr) {
    progress = [](std::string_view table, int64_t rows) {
      std::cerr << "\r  " << table << ": " << rows << " rows read" << std::flush;
    };
  }
  Result<store::CatalogLoadStats> stats =
      store::LoadCatalog(conn, product_source, customer_source, progress);
  if (progress_on_stderr) std::cerr << "\n";
  if (!stats.ok()) return stats.status();
  return LoadedCatalog{*stats, p != nullptr, c != nullptr};
}

//! Adds `load` under the `catalog` command (called by RegisterCatalogCommand).
void RegisterCatalogLoadCommand(CLI::App* catalog_cmd, CliContext& ctx) {
  auto options = std::make_shared<CatalogLoadOptions>();
  CLI::App* load = catalog_cmd->add_subcommand(
      "load",
      "Load the catalog (products.csv, customers.csv) into PostgreSQL: new rows are added, "
      "changed rows updated, the rest left alone, so loading twice changes nothing");
  load->add_option("--from", options->from,
                   "Folder holding products.csv and/or customers.csv (as `catalog export "
                   "--out` writes them)")
      ->type_name("DIR");
  AddStoreFlags(load, options->store_flags);
  load->callback([&ctx, options] { ctx.exit_code = RunCatalogLoad(ctx, *options); });
}

}  // namespace gm::cli
