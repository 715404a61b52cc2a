#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "events/event.h"
#include "stream/catalog_lookup.h"
#include "stream/processors/id_table.h"
#include "stream/rows.h"
#include "stream/snapshot.h"

namespace gm::stream {

//! The sales processor of one task (DESIGN.md §6 sales_metrics): sliding event-time
//! windows of `size` every `slide`, aligned to the Unix epoch, each holding the groups
//! (category, country), (category, ALL), (ALL, country) and (ALL, ALL). Commutative, so
//! transactions are added as they arrive; the engine only passes transactions that are
//! neither late nor duplicates. Not thread-safe (owned by its task's worker).
class SalesWindows {
 public:
  struct Options {
    Micros size = 60 * kMicrosPerSecond;
    Micros slide = 30 * kMicrosPerSecond;  //!< REQUIRES: 0 < slide ≤ size
  };
  SalesWindows(Options options, int32_t task);

  //! Adds `tx` to every window containing tx.timestamp (window_start ≤ t < window_end).
  //! A line item's category is its own, else the catalog's, else kUnknownCategory.
  //! A transaction counts once per group it has items in. Windows that are already
  //! closed (see Collect) are not reopened: such a call is ignored and counted.
  void Add(const events::Transaction& tx, const CatalogLookup& catalog);

  //! Appends to `out` every row that changed since the last Collect, with absolute values
  //! (so writing them is idempotent). Windows with window_end ≤ `watermark` close: all
  //! their rows are appended once more with is_final = true (changed or not), and the
  //! window is forgotten.
  void Collect(Micros watermark, std::vector<SalesRow>& out);

  //! Writes / restores the open windows (rows and whether each changed since the last
  //! Collect). Restore replaces the current state; InvalidArgument on a corrupt snapshot.
  void Save(SnapshotWriter& out) const;
  Status Restore(SnapshotReader& in);

  size_t open_windows() const;
  //! Add calls ignored because their windows had closed (should stay 0: the engine's
  //! watermark rules make it impossible; counted to prove it).
  int64_t ignored_closed() const { return ignored_closed_; }

 private:
  //! Category and country names are interned so Add finds its groups by small integer
  //! ids; kAll is id 0 in both tables.
  class Names {
   public:
    Names();
    uint32_t Intern(std::string_view name);
    std::string_view Name(uint32_t id) const { return ids_.id(id); }

   private:
    IdTable<uint8_t> ids_;  //!< never erased from, so its indexes are the ids 0, 1, 2, ...
  };
  struct Group {
    uint32_t category;
    uint32_t country;
  };
  struct Cell {
    Cents total_amount = 0;
    int64_t transaction_count = 0;  //!< 0: the group has no row in this window
    int64_t item_quantity = 0;
    bool changed = false;
    bool emitted = false;  //!< a row of it may be stored (one was collected, or restored)
  };
  struct Window {
    std::vector<Cell> cells;  //!< indexed by group id; grows as groups appear
    bool changed = false;     //!< some cell changed since the last Collect
  };
  //! What one transaction adds to one group (the same in each of its windows).
  struct Delta {
    uint32_t group;
    Cents amount;
    int64_t quantity;
  };

  uint32_t GroupOf(uint32_t category, uint32_t country);
  //! How many rows Collect(watermark) will append.
  size_t RowsToCollect(Micros watermark) const;
  Window NewWindow();
  void AppendRow(Micros start, uint32_t group, const Cell& cell, bool is_final,
                 std::vector<SalesRow>& out) const;

  Options options_;
  int32_t task_;
  Names categories_;
  Names countries_;
  std::vector<Group> groups_;                    //!< by group id
  std::vector<std::vector<uint32_t>> group_of_;  //!< [category][country] → id or kNoGroup
  std::vector<uint32_t> group_order_;            //!< ids sorted by (category, country) name
  std::map<Micros, Window> windows_;             //!< by window_start
  std::vector<std::vector<Cell>> spare_cells_;   //!< of closed windows, for reuse
  Micros closed_before_ = INT64_MIN;             //!< windows ending at or before this are closed
  int64_t ignored_closed_ = 0;
  // Scratch for Add (reused, so Add does not allocate once its groups and windows exist):
  // the transaction's per-category amounts, then the groups it touches.
  std::vector<std::pair<std::string_view, std::pair<Cents, int64_t>>> scratch_;
  std::vector<Delta> deltas_;
};

}  // namespace gm::stream
