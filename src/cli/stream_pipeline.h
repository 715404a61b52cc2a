#pragma once

// What `stream` and `up` share: the database, the catalog lookups and the checkpoint store
// a stream engine needs, started in dependency order.

#include <functional>
#include <memory>
#include <optional>

#include "common/config.h"
#include "common/status.h"
#include "store/database.h"
#include "stream/catalog_lookup.h"
#include "stream/checkpoint_store.h"
#include "stream/engine.h"

namespace gm::cli {

struct StreamServices {
  std::unique_ptr<store::Database> database;  //!< null with a null store
  std::unique_ptr<stream::CatalogLookup> catalog;
  std::unique_ptr<stream::CheckpointStore> store;
};

//! Starts the database (embedded or by URL), applies pending migrations, runs `prepare`
//! (e.g. loading the catalog) when given, loads the catalog lookups and opens the
//! checkpoint store. With `null_store`, no database: checkpoints are dropped and the
//! catalog is empty (benchmarks of the processing core).
Result<StreamServices> StartStreamServices(
    const Config& config, bool null_store,
    const std::function<Status(store::Database&)>& prepare = {});

//! The engine options for `config`, committing as `group`.
stream::EngineOptions EngineOptionsFor(const Config& config, const std::string& group);

//! "received 1,234 · valid … · dead letters … · late … · duplicates … · transactions …
//! · anomalies … · watermark …": one progress/summary line.
std::string FormatEngineStats(const stream::EngineStats& stats);

}  // namespace gm::cli
