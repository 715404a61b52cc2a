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
#include "stream/event_order.h"

namespace gm::stream {

//! The category and country of sales_metrics total rows (grouping sets).
inline constexpr std::string_view kAll = "ALL";

//! For the store, not part of a row (it compares equal whatever its value): true when the
//! processor emitted no row of this key before — since it started or was restored — so the
//! store may insert the row without looking for one (and must cope when one is there: a
//! restored processor does not know which rows went out).
struct NewKeyHint {
  bool value = false;
  bool operator==(const NewKeyHint&) const { return true; }
};

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
  NewKeyHint new_key;

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

  bool operator==(const AnomalyRow&) const = default;
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

//! One session_metrics row (DESIGN.md §6 Sessions), keyed by (session_id, session_start).
//! Open sessions are written live (is_closed false) and once more when they close.
struct SessionRow {
  std::string session_id;
  Micros session_start = 0;  //!< effective time of its first event
  Micros session_end = 0;    //!< effective time of its last event
  std::string user_id;
  int32_t task = 0;
  int32_t page_views = 0;
  int32_t cart_adds = 0;
  int32_t cart_removes = 0;
  int32_t purchases = 0;
  Cents total_amount = 0;  //!< Σ line items of its purchases
  int32_t distinct_products_viewed = 0;
  std::string device;      //!< the first one its events named; empty = unknown
  std::string country;     //!< likewise
  bool converted = false;  //!< purchases > 0
  bool abandoned = false;  //!< its last cart abandonment was not recovered
  bool is_closed = false;  //!< the watermark passed session_end + the gap
  NewKeyHint new_key;

  bool operator==(const SessionRow&) const = default;
};

//! One cart_abandonment row, keyed by (session_id, session_start, abandonment_time). Written
//! when a cart is abandoned, again when a later transaction of the session recovers it.
struct CartAbandonmentRow {
  std::string session_id;
  Micros session_start = 0;
  Micros abandonment_time = 0;  //!< last cart activity + stream.cart_timeout
  std::string user_id;
  int32_t task = 0;
  int32_t products_in_cart = 0;  //!< distinct products with a quantity > 0
  int64_t items_in_cart = 0;     //!< Σ quantity
  Cents cart_value = 0;          //!< Σ quantity × price
  Micros time_in_cart = 0;       //!< last activity − first add since the cart was empty
  bool recovered = false;
  Micros recovered_at = 0;  //!< the recovering transaction's effective time (when recovered)

  bool operator==(const CartAbandonmentRow&) const = default;
};

//! One inventory_status row (DESIGN.md §6 Inventory), keyed by product_id.
struct InventoryRow {
  std::string product_id;
  std::string category;  //!< the catalog's, else the first an event named; may be empty
  bool in_catalog = false;
  int32_t task = 0;
  int64_t current_stock = 0;   //!< initial − sold + restocked (or the last absolute stock)
  int64_t reserved_stock = 0;  //!< in open, unabandoned carts
  Micros last_event_time = 0;  //!< effective time of the last change applied

  int64_t available() const { return current_stock - reserved_stock; }
  bool operator==(const InventoryRow&) const = default;
};

//! One low_stock_alerts row, keyed by (product_id, alert_no): the alert_no-th alert of the
//! product. Status: "open" when opened, "updated" once available stock changed while open,
//! "resolved" when available stock reached the threshold again.
struct LowStockAlertRow {
  std::string product_id;
  int32_t alert_no = 0;  //!< 1, 2, … per product
  int32_t task = 0;
  std::string status;            //!< open | updated | resolved
  std::string severity;          //!< low | critical (the latest while open)
  int64_t available_stock = 0;   //!< at the last change
  int64_t lowest_available = 0;  //!< while open
  Micros opened_at = 0;
  Micros updated_at = 0;   //!< effective time of the last change
  Micros resolved_at = 0;  //!< when resolved

  bool operator==(const LowStockAlertRow&) const = default;
};

//! A change of one product's stock caused by an event of a user-keyed task (or by one of
//! its timers), sent to the task owning the product (DESIGN.md §6 Scale-out). Changes apply
//! in (key, sub) order; `sub` orders the changes one event causes.
struct StockChange {
  OrderKey key;
  uint32_t sub = 0;
  std::string product_id;
  std::string category;  //!< as the causing event named it; may be empty
  int64_t sold = 0;      //!< units sold (≥ 0)
  int64_t reserved = 0;  //!< signed change of reserved units
};

}  // namespace gm::stream
