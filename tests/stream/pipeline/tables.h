// What the database holds after a pipeline_test run: every table the engine derives from
// events read back into the row types of files_and_rows.h, and the comparisons the tests make
// with them — against the brute force (ExpectMatches) or against another run (ExpectSameTables).
// Each difference is a gtest failure naming the table and the row.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "brute_force.h"
#include "common/time.h"
#include "files_and_rows.h"
#include "store/connection.h"
#include "stream/rows.h"

namespace gm::stream::pipeline_testing {

struct Tables {
  std::map<std::string, TxRow> transactions;
  std::map<ItemKey, ItemRow> items;
  std::map<SalesKey, SalesValue> sales;  //!< the sales_metrics view
  std::map<std::string, StoredAnomaly> anomalies;
  std::map<int64_t, DeadLetter> dead_letters;  //!< by source offset
  std::map<int64_t, std::string> dead_letter_reasons;
  Counts counts;  //!< the kafka_metrics view, summed
  std::map<std::pair<std::string, Micros>, SessionRow> sessions;
  std::map<std::tuple<std::string, Micros, Micros>, CartAbandonmentRow> abandonments;
  std::map<std::string, InventoryRow> inventory;
  std::map<std::pair<std::string, int32_t>, LowStockAlertRow> alerts;
};

// Every derived table of the database, read in one transaction. Times come back as whole
// microseconds since the epoch (PostgreSQL 14+ extracts exactly).
Tables ReadTables(store::Connection& conn);

// The whole comparison of DESIGN.md §6 between the brute force and the database.
void ExpectMatches(const Expected& e, const Tables& db);

//! The same rows in every table (and the same dead letter reasons) in `actual` as in `expected`.
void ExpectSameTables(const Tables& expected, const Tables& actual);

}  // namespace gm::stream::pipeline_testing
