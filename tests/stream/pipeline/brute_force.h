// The brute force of pipeline_test: the tables DESIGN.md §6 defines for the lines of one file,
// computed by those rules directly and without calling stream/ code (events::Decoder parses
// lines, bus::PartitionForKey names a key's task, and ../shop_brute_force.h computes sessions,
// carts and inventory; all three are tested elsewhere).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/config.h"
#include "common/time.h"
#include "files_and_rows.h"
#include "stream/rows.h"

namespace gm::stream::pipeline_testing {

struct Expected {
  Counts counts;
  std::map<int64_t, DeadLetter> dead_letters;  //!< by line number
  std::map<std::string, TxRow> transactions;
  std::map<ItemKey, ItemRow> items;
  std::map<SalesKey, SalesValue> sales;
  //! Per distinct transaction id, the rule types of each scoring in scoring order (an id is
  //! scored again only when a copy came back beyond the dedup horizon).
  std::map<std::string, std::vector<std::vector<std::string>>> rules;
  // Sessions, carts, inventory (shop_brute_force.h).
  std::map<std::pair<std::string, Micros>, SessionRow> sessions;
  std::map<std::tuple<std::string, Micros, Micros>, CartAbandonmentRow> abandonments;
  std::map<std::string, InventoryRow> inventory;
  std::map<std::pair<std::string, int32_t>, LowStockAlertRow> alerts;
};

// The tables DESIGN.md §6 defines for `lines` read from one file source named `topic`.
Expected BruteForce(const std::vector<Line>& lines, const TestCatalog& catalog,
                    const StreamConfig& config, const std::string& topic);

}  // namespace gm::stream::pipeline_testing
