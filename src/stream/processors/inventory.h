#pragma once

#include <cstdint>
#include <string>
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

//! Stock levels and low-stock alerts of the products one task owns (DESIGN.md §6
//! Inventory):
//!  - A product is tracked from the first change that reaches it: its stock starts at the
//!    catalog's initial stock, or at 0 when the catalog does not know it (counted:
//!    in_catalog false), or at the value of an absolute `stock` update when that comes
//!    first. current_stock = initial − sold + restocked (an absolute update sets it);
//!    reserved_stock = Σ reservation changes; available = current − reserved, negative
//!    when oversold (recorded, not hidden).
//!  - After every change (the initial stock included) a product whose available stock is
//!    below `low` has exactly one open alert: opened when it falls below, "updated" when
//!    its available stock changes while open (severity critical below `critical`, else
//!    low), resolved when it is back at or above `low`.
//! Order-sensitive: the task applies changes in (OrderKey, sub) order once every task that
//! may send changes has passed them. Not thread-safe (owned by a task).
class InventoryTracker {
 public:
  struct Options {
    int64_t low = 10;
    int64_t critical = 5;
  };
  //! Alert rows are appended on every change of an alert (the store keeps the last per key).
  struct Output {
    std::vector<LowStockAlertRow>& alerts;
  };

  InventoryTracker(Options options, const CatalogLookup& catalog, int32_t task);
  InventoryTracker(const InventoryTracker&) = delete;
  InventoryTracker& operator=(const InventoryTracker&) = delete;

  //! A sale or a reservation change at change.key.effective_time.
  void ApplyChange(const StockChange& change, Output& out);
  //! A restock/adjustment (delta) or stock count (absolute) at `effective_time`.
  void ApplyUpdate(const events::InventoryUpdate& update, Micros effective_time, Output& out);

  //! The inventory_status rows of the products changed since the last call.
  void Collect(std::vector<InventoryRow>& out);

  void Save(SnapshotWriter& out) const;
  //! Replaces the state; InvalidArgument on a corrupt snapshot.
  Status Restore(SnapshotReader& in);
  //! The products changed since the last ClearChanges (an incremental checkpoint), and
  //! applying them over a restored state (InvalidArgument when corrupt).
  void SaveChanges(SnapshotWriter& out) const;
  void ClearChanges();
  Status ApplyChanges(SnapshotReader& in);

  size_t products() const { return products_.size(); }
  //! Products this tracker started tracking since the last call that the catalog does not
  //! know (in_catalog false): not bad input, but counted (DESIGN.md §5).
  int64_t TakeProductsMissingFromCatalog() { return std::exchange(missing_from_catalog_, 0); }

 private:
  struct Product {
    InventoryRow row;    //!< the product's inventory_status values
    uint32_t index = 0;  //!< its index in products_
    bool dirty = false;
    bool unsaved = false;  //!< changed since the last ClearChanges
    bool alert_open = false;
    LowStockAlertRow alert;  //!< the latest alert (alert_no 0: none yet)
  };
  //! The product's state, tracked from now on if it was not (its initial stock applied).
  Product& Track(std::string_view product_id, std::string_view category, Micros time,
                 bool absolute_first, Output& out);
  //! Opens, updates or resolves the product's alert after a change at `time`.
  void CheckAlert(Product& p, Micros time, Output& out);
  void Changed(Product& p, Micros time, Output& out);
  static void SaveProduct(SnapshotWriter& w, const Product& p);
  //! Reads one product and puts it in place of the tracked one.
  void LoadProduct(SnapshotReader& r);

  Options options_;
  const CatalogLookup& catalog_;
  int32_t task_;
  IdTable<Product> products_;         //!< by product_id (never erased)
  std::vector<uint32_t> dirty_;       //!< products marked dirty since the last Collect
  std::vector<uint32_t> unsaved_;     //!< products changed since the last ClearChanges
  int64_t missing_from_catalog_ = 0;  //!< see TakeProductsMissingFromCatalog
};

}  // namespace gm::stream
