#pragma once

// The rows the stream processors produce for PostgreSQL (sql/0001_core.sql), gathered per
// checkpoint into a CheckpointBatch (stream/checkpoint_store.h).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/money.h"
#include "common/time.h"

namespace gm::stream {

//! The category and country of sales_metrics total rows (grouping sets).
inline constexpr std::string_view kAll = "ALL";

//! One sales_metrics_by_task row: a (window, category, country) group of one task.
struct SalesRow {
  Micros window_start = 0;
  Micros window_end = 0;
  std::string category;  //!< a category or kAll
  std::string country;   //!< a country or kAll
  int32_t task = 0;
  Cents total_amount = 0;         //!< Σ quantity × price of the group's line items
  int64_t transaction_count = 0;  //!< distinct transactions with ≥ 1 such item
  int64_t item_quantity = 0;      //!< Σ quantity of those items
  bool is_final = false;          //!< the task's watermark passed window_end

  bool operator==(const SalesRow&) const = default;
};

//! One transaction_anomalies row (a transaction scoring ≥ 0.5).
struct AnomalyRow {
  std::string transaction_id;
  std::string user_id;
  Micros event_time = 0;
  Cents total_amount = 0;  //!< the line-items total (the truth, DESIGN.md §6 Money)
  std::string country;
  double score = 0;                //!< [0, 1]; ≥ 0.8 when a rule fired
  std::vector<std::string> types;  //!< in the order: high_value, unusual_quantity, velocity,
                                   //!< geo_mismatch, amount_mismatch, statistical
  std::string description;         //!< one sentence per type, for people
};

//! One dead_letter_events row.
struct DeadLetterRow {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string raw;  //!< the message bytes, capped at stream.dead_letter_max_bytes
  int64_t raw_size = 0;
  std::string reason;
};

//! Ingestion counts of one source partition over one 10-second wall-clock interval
//! (kafka_metrics_by_partition); added to what the row already holds.
struct PartitionMetricsRow {
  std::string topic;
  int32_t partition = 0;
  Micros interval_start = 0;
  int64_t received = 0;
  int64_t valid = 0;
  int64_t invalid = 0;
  int64_t late = 0;
  int64_t duplicate = 0;
  std::optional<int64_t> consumer_lag;  //!< at the end of the interval; unknown = nullopt
};

}  // namespace gm::stream
