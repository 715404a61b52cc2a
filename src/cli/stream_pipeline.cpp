#include "cli/stream_pipeline.h"

#include <fmt/format.h>

#include "common/logging.h"
#include "store/migrations.h"

namespace gm::cli {

Result<StreamServices> StartStreamServices(const Config& config, bool null_store,
                                           const std::function<Status(store::Database&)>& prepare) {
  StreamServices services;
  if (null_store) {
    services.catalog = std::make_unique<stream::CatalogLookup>();
    services.store = std::make_unique<stream::NullCheckpointStore>();
    return services;
  }
  auto log = Logger("stream");
  services.database = std::make_unique<store::Database>(config.store);
  if (Status s = services.database->Start(); !s.ok()) return s;
  {
    Result<store::ConnectionPool::Lease> lease = services.database->pool().Acquire();
    if (!lease.ok()) return lease.status();
    Result<std::vector<store::Migration>> applied =
        store::Migrate(**lease, store::BuiltinMigrations());
    if (!applied.ok()) return applied.status();
    for (const store::Migration& m : *applied) {
      log->info("applied migration {:04d}_{}", m.version, m.name);
    }
  }
  if (prepare) {
    if (Status s = prepare(*services.database); !s.ok()) return s;
  }
  Result<std::unique_ptr<stream::CatalogLookup>> catalog =
      stream::CatalogLookup::Load(services.database->pool());
  if (!catalog.ok()) return catalog.status();
  services.catalog = std::move(catalog).value();
  log->info("catalog: {} products, {} customers", services.catalog->products(),
            services.catalog->customers());
  services.store = stream::NewPostgresCheckpointStore(services.database->pool());
  return services;
}

stream::EngineOptions EngineOptionsFor(const Config& config, const std::string& group) {
  stream::EngineOptions options;
  options.config = config.stream;
  options.consumer_group = group;
  options.tasks = config.bus.partitions;
  return options;
}

std::string FormatEngineStats(const stream::EngineStats& s) {
  std::string watermark = s.watermark == INT64_MIN   ? std::string("none")
                          : s.watermark == INT64_MAX ? std::string("end of input")
                                                     : FormatTimestamp(s.watermark);
  return fmt::format(
      "received {} · valid {} · dead letters {} · late {} · duplicates {} · transactions {} · "
      "anomalies {} · not in the catalog: {} products, {} customers' transactions · watermark {}",
      s.received, s.valid, s.invalid, s.late, s.duplicate, s.transactions, s.anomalies,
      s.products_missing_from_catalog, s.unknown_customers, watermark);
}

}  // namespace gm::cli
