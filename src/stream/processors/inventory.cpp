#include "stream/processors/inventory.h"

namespace gm::stream {
namespace {

constexpr uint8_t kSnapshotVersion = 1;

}  // namespace

InventoryTracker::InventoryTracker(Options options, const CatalogLookup& catalog, int32_t task)
    : options_(options), catalog_(catalog), task_(task) {}

InventoryTracker::Product& InventoryTracker::Track(std::string_view product_id,
                                                   std::string_view category, Micros time,
                                                   bool absolute_first, Output& out) {
  uint32_t index = products_.Find(product_id);
  if (index != IdTable<Product>::kNone) {
    Product& p = products_.value(index);
    if (p.row.category.empty()) p.row.category = std::string(category);
    return p;
  }
  index = products_.Insert(product_id);
  Product& p = products_.value(index);
  p.index = index;
  p.row.product_id = std::string(product_id);
  p.row.task = task_;
  const std::string_view catalog_category = catalog_.CategoryOf(product_id);
  p.row.category = std::string(catalog_category.empty() ? category : catalog_category);
  const std::optional<int64_t> initial = catalog_.InitialStockOf(product_id);
  p.row.in_catalog = initial.has_value();
  if (!p.row.in_catalog) ++missing_from_catalog_;
  p.row.current_stock = initial.value_or(0);
  // The initial stock is the product's first change, unless an absolute stock count is.
  if (!absolute_first) Changed(p, time, out);
  return p;
}

void InventoryTracker::Changed(Product& p, Micros time, Output& out) {
  p.row.last_event_time = time;
  if (!p.dirty) dirty_.push_back(p.index);
  p.dirty = true;
  if (!p.unsaved) unsaved_.push_back(p.index);
  p.unsaved = true;
  CheckAlert(p, time, out);
}

void InventoryTracker::CheckAlert(Product& p, Micros time, Output& out) {
  const int64_t available = p.row.available();
  LowStockAlertRow& a = p.alert;
  const char* severity = available < options_.critical ? "critical" : "low";
  if (available < options_.low) {
    if (!p.alert_open) {
      const int32_t next = a.alert_no + 1;
      a = LowStockAlertRow{};
      a.product_id = p.row.product_id;
      a.alert_no = next;
      a.task = task_;
      a.status = "open";
      a.severity = severity;
      a.available_stock = a.lowest_available = available;
      a.opened_at = a.updated_at = time;
      p.alert_open = true;
    } else {
      if (available == a.available_stock) return;
      a.status = "updated";
      a.severity = severity;
      a.available_stock = available;
      a.lowest_available = std::min(a.lowest_available, available);
      a.updated_at = time;
    }
  } else {
    if (!p.alert_open) return;
    a.status = "resolved";
    a.available_stock = available;
    a.updated_at = a.resolved_at = time;
    p.alert_open = false;
  }
  out.alerts.push_back(a);
}

void InventoryTracker::ApplyChange(const StockChange& change, Output& out) {
  const Micros t = change.key.effective_time;
  Product& p = Track(change.product_id, change.category, t, /*absolute_first=*/false, out);
  p.row.current_stock -= change.sold;
  p.row.reserved_stock += change.reserved;
  Changed(p, t, out);
}

void InventoryTracker::ApplyUpdate(const events::InventoryUpdate& update, Micros effective_time,
                                   Output& out) {
  Product& p = Track(update.product_id, {}, effective_time,
                     /*absolute_first=*/update.stock.has_value(), out);
  if (update.stock) {
    p.row.current_stock = *update.stock;
  } else {
    p.row.current_stock += update.change.value_or(0);
  }
  Changed(p, effective_time, out);
}

void InventoryTracker::Collect(std::vector<InventoryRow>& out) {
  for (uint32_t index : dirty_) {
    Product& p = products_.value(index);
    p.dirty = false;
    out.push_back(p.row);
  }
  dirty_.clear();
}

void InventoryTracker::SaveProduct(SnapshotWriter& w, const Product& p) {
  w.Bytes(p.row.product_id);
  w.Bytes(p.row.category);
  w.U8(p.row.in_catalog);
  w.I64(p.row.current_stock);
  w.I64(p.row.reserved_stock);
  w.I64(p.row.last_event_time);
  w.U8(p.alert_open);
  const LowStockAlertRow& a = p.alert;
  w.I64(a.alert_no);
  w.Bytes(a.status);
  w.Bytes(a.severity);
  w.I64(a.available_stock);
  w.I64(a.lowest_available);
  w.I64(a.opened_at);
  w.I64(a.updated_at);
  w.I64(a.resolved_at);
}

void InventoryTracker::LoadProduct(SnapshotReader& r) {
  std::string id(r.Bytes());
  Product p;
  p.row.product_id = id;
  p.row.task = task_;
  p.row.category = std::string(r.Bytes());
  p.row.in_catalog = r.U8() != 0;
  p.row.current_stock = r.I64();
  p.row.reserved_stock = r.I64();
  p.row.last_event_time = r.I64();
  p.alert_open = r.U8() != 0;
  LowStockAlertRow& a = p.alert;
  a.alert_no = static_cast<int32_t>(r.I64());
  a.product_id = id;
  a.task = task_;
  a.status = std::string(r.Bytes());
  a.severity = std::string(r.Bytes());
  a.available_stock = r.I64();
  a.lowest_available = r.I64();
  a.opened_at = r.I64();
  a.updated_at = r.I64();
  a.resolved_at = r.I64();
  uint32_t index = products_.Find(id);
  if (index == IdTable<Product>::kNone) index = products_.Insert(id);
  p.index = index;
  products_.value(index) = std::move(p);
}

void InventoryTracker::Save(SnapshotWriter& w) const {
  w.U8(kSnapshotVersion);
  w.U64(products_.size());
  products_.ForEach([&](uint32_t, std::string_view, const Product& p) { SaveProduct(w, p); });
}

void InventoryTracker::SaveChanges(SnapshotWriter& w) const {
  w.U8(kSnapshotVersion);
  w.U64(unsaved_.size());
  for (uint32_t index : unsaved_) SaveProduct(w, products_.value(index));
}

void InventoryTracker::ClearChanges() {
  for (uint32_t index : unsaved_) products_.value(index).unsaved = false;
  unsaved_.clear();
}

Status InventoryTracker::ApplyChanges(SnapshotReader& r) {
  if (r.U8() != kSnapshotVersion) return InvalidArgument("inventory: unknown snapshot version");
  const uint64_t n = r.U64();
  for (uint64_t i = 0; i < n && r.status().ok(); ++i) LoadProduct(r);
  return r.status();
}

Status InventoryTracker::Restore(SnapshotReader& r) {
  if (r.U8() != kSnapshotVersion) return InvalidArgument("inventory: unknown snapshot version");
  products_ = IdTable<Product>();
  dirty_.clear();
  unsaved_.clear();
  const uint64_t n = r.U64();
  for (uint64_t i = 0; i < n && r.status().ok(); ++i) LoadProduct(r);
  return r.status();
}

}  // namespace gm::stream
