#pragma once

// What a checkpoint batch becomes before the database is involved (used by the PostgreSQL
// checkpoint store): duplicates resolved the way the batch means them, small row sets kept
// for direct statements, large ones encoded for COPY, metrics as unnest() arrays. Built
// without a connection, so a batch that cannot be stored is refused before anything is sent.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/copy_rows.h"
#include "stream/checkpoint_store.h"

namespace gm::stream::internal {

//! Up to this many anomaly, dead-letter or sales rows go in with one prepared statement
//! each; more are COPYed into a staging table and merged by one statement (which costs
//! three round trips whatever the count).
inline constexpr size_t kDirectRows = 4;

//! The staged columns of transaction_anomalies, dead_letter_events, sales_metrics_by_task.
const std::vector<std::string>& AnomalyColumns();
const std::vector<std::string>& DeadLetterColumns();
const std::vector<std::string>& SalesColumns();
//! The staged columns of session_metrics, cart_abandonment, inventory_status,
//! low_stock_alerts.
const std::vector<std::string>& SessionColumns();
const std::vector<std::string>& CartAbandonmentColumns();
const std::vector<std::string>& InventoryColumns();
const std::vector<std::string>& LowStockAlertColumns();

//! InvalidArgument when `rows` do not have `columns`' count or hold an encoding error
//! (refuses the whole batch before anything is written). Shared by every checkpoint store.
Status CheckArchiveRows(const store::CopyRows& rows, const std::vector<std::string>& columns,
                        const char* table);

// The batch in the shapes the statements take: duplicates resolved the way the batch
// means them, small sets kept for direct statements, large ones encoded for COPY. Built
// without a connection, so a batch that cannot be stored is refused before anything is
// sent.
struct Inputs {
  // Offsets: the last one given per partition, sorted (commits of different owners lock
  // the rows in one order, so they cannot deadlock).
  std::vector<SourceOffset> offsets;
  std::string offset_topics, offset_partitions, offset_values;

  // Every CopyRows is in COPY's binary format, each field encoded with the width of its
  // column's SQL type (sql/*.sql), so the rows fit the tables and their staging copies.

  // Anomalies and dead letters: encoded (which also checks them); sent by COPY when staged.
  store::CopyRows anomalies{AnomalyColumns().size(), store::CopyFormat::kBinary};
  store::CopyRows dead_letters{DeadLetterColumns().size(), store::CopyFormat::kBinary};
  // Sales: the last row given per key (an upsert may not touch a row twice); when staged,
  // rows of windows never written before are apart (they can go straight in).
  std::vector<const SalesRow*> sales;
  store::CopyRows sales_rows{SalesColumns().size(), store::CopyFormat::kBinary};
  store::CopyRows new_sales_rows{SalesColumns().size(), store::CopyFormat::kBinary};
  bool stage_anomalies = false;
  bool stage_dead_letters = false;
  bool stage_sales = false;

  // Sessions, carts, inventory: the last row given per key, staged (their merges are
  // upserts of absolute values) — but for rows of keys never written before (sessions
  // without a live row, carts abandoned and not recovered), which can go straight in.
  // Alerts in two sets: resolved ones are merged first, so an alert resolved and the next
  // one opened in one batch never make two open rows.
  store::CopyRows sessions{SessionColumns().size(), store::CopyFormat::kBinary};
  store::CopyRows new_sessions{SessionColumns().size(), store::CopyFormat::kBinary};
  store::CopyRows cart_abandonments{CartAbandonmentColumns().size(), store::CopyFormat::kBinary};
  store::CopyRows new_cart_abandonments{CartAbandonmentColumns().size(),
                                        store::CopyFormat::kBinary};
  store::CopyRows inventory{InventoryColumns().size(), store::CopyFormat::kBinary};
  store::CopyRows resolved_alerts{LowStockAlertColumns().size(), store::CopyFormat::kBinary};
  store::CopyRows other_alerts{LowStockAlertColumns().size(), store::CopyFormat::kBinary};

  // Metrics summed per key, as array literals; empty when there are none.
  size_t metric_rows = 0;
  std::string metric_arrays[9];

  // The batch's task snapshots, full and incremental, compressed as they are stored
  // (internal/snapshot_compression.h): done here, off the server's critical path.
  std::map<int32_t, std::string> snapshots;
  std::map<int32_t, std::string> snapshot_changes;

  bool NeedsStaging() const {
    return stage_anomalies || stage_dead_letters || stage_sales || !sessions.empty() ||
           !cart_abandonments.empty() || !inventory.empty() || !resolved_alerts.empty() ||
           !other_alerts.empty();
  }
};

//! Fills `in` from `batch`; InvalidArgument when the batch cannot be stored. The archive rows
//! (sent as they are, before the inputs are ready) are the caller's to check first
//! (CheckArchiveRows).
Status PrepareInputs(const CheckpointBatch& batch, Inputs& in);

}  // namespace gm::stream::internal
