#include "stream/processors/sales_windows.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace gm::stream {
namespace {

constexpr uint8_t kSnapshotVersion = 1;
constexpr uint32_t kNoGroup = std::numeric_limits<uint32_t>::max();
constexpr uint32_t kAllId = 0;

//! ⌊a / b⌋ for b > 0 (C++ division truncates toward zero, wrong for negative times).
Micros FloorDiv(Micros a, Micros b) {
  Micros q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

//! Whether the window starting at `start` ends at or before `t` (overflow-safe).
bool EndsBy(Micros start, Micros size, Micros t) {
  Micros end;
  if (__builtin_add_overflow(start, size, &end)) return false;
  return end <= t;
}

//! quantity × price, saturating like Transaction::LineItemsTotal.
Cents LineAmount(const events::LineItem& item) {
  Cents line;
  if (__builtin_mul_overflow(static_cast<Cents>(item.quantity), item.price, &line)) {
    const bool negative = (item.quantity < 0) != (item.price < 0);
    return negative ? std::numeric_limits<Cents>::min() : std::numeric_limits<Cents>::max();
  }
  return line;
}

}  // namespace

SalesWindows::Names::Names() { Intern(kAll); }

uint32_t SalesWindows::Names::Intern(std::string_view name) {
  const uint32_t id = ids_.Find(name);
  return id != IdTable<uint8_t>::kNone ? id : ids_.Insert(name);
}

SalesWindows::SalesWindows(Options options, int32_t task) : options_(options), task_(task) {
  assert(options_.slide > 0 && options_.slide <= options_.size);
}

uint32_t SalesWindows::GroupOf(uint32_t category, uint32_t country) {
  if (category >= group_of_.size()) group_of_.resize(category + 1);
  std::vector<uint32_t>& row = group_of_[category];
  if (country >= row.size()) row.resize(country + 1, kNoGroup);
  if (row[country] != kNoGroup) return row[country];

  // A new group (rare): keep group_order_ sorted by name so Collect and Save emit rows
  // in an order that does not depend on which group happened to appear first.
  const auto id = static_cast<uint32_t>(groups_.size());
  groups_.push_back(Group{category, country});
  row[country] = id;
  auto less = [this](uint32_t a, uint32_t b) {
    const Group& ga = groups_[a];
    const Group& gb = groups_[b];
    const int c = categories_.Name(ga.category).compare(categories_.Name(gb.category));
    if (c != 0) return c < 0;
    return countries_.Name(ga.country) < countries_.Name(gb.country);
  };
  group_order_.insert(std::upper_bound(group_order_.begin(), group_order_.end(), id, less), id);
  return id;
}

SalesWindows::Window SalesWindows::NewWindow() {
  Window w;
  if (!spare_cells_.empty()) {
    w.cells = std::move(spare_cells_.back());
    spare_cells_.pop_back();
    w.cells.clear();
  }
  return w;
}

void SalesWindows::Add(const events::Transaction& tx, const CatalogLookup& catalog) {
  const Micros t = tx.timestamp;
  const Micros slide = options_.slide;
  // The windows containing t start at the multiples of slide in (t − size, t].
  const Micros last = FloorDiv(t, slide) * slide;
  const Micros first = (FloorDiv(t - options_.size, slide) + 1) * slide;
  if (EndsBy(first, options_.size, closed_before_)) {
    // Part of the result is final already; adding to the rest would make the open
    // windows disagree with the closed ones, so the whole transaction is left out.
    ++ignored_closed_;
    return;
  }
  if (tx.products.empty()) return;

  // Group the line items by category (few per transaction: a linear scan beats hashing).
  scratch_.clear();
  Cents total = 0;
  int64_t quantity = 0;
  for (const events::LineItem& item : tx.products) {
    const std::string_view category = ItemCategory(item, catalog);
    const Cents amount = LineAmount(item);
    auto it = std::find_if(scratch_.begin(), scratch_.end(),
                           [&](const auto& entry) { return entry.first == category; });
    if (it == scratch_.end()) {
      scratch_.push_back({category, {amount, item.quantity}});
    } else {
      it->second.first += amount;
      it->second.second += item.quantity;
    }
    total += amount;
    quantity += item.quantity;
  }

  // The groups this transaction touches, each once: (c, country) and (c, ALL) per
  // category c, then (ALL, country) and (ALL, ALL).
  const uint32_t country = countries_.Intern(tx.country);
  deltas_.clear();
  for (const auto& [name, sums] : scratch_) {
    const uint32_t category = categories_.Intern(name);
    deltas_.push_back(Delta{GroupOf(category, country), sums.first, sums.second});
    deltas_.push_back(Delta{GroupOf(category, kAllId), sums.first, sums.second});
  }
  deltas_.push_back(Delta{GroupOf(kAllId, country), total, quantity});
  deltas_.push_back(Delta{GroupOf(kAllId, kAllId), total, quantity});

  auto it = windows_.lower_bound(first);
  for (Micros start = first; start <= last; start += slide, ++it) {
    if (it == windows_.end() || it->first != start)
      it = windows_.emplace_hint(it, start, NewWindow());
    Window& window = it->second;
    if (window.cells.size() < groups_.size()) window.cells.resize(groups_.size());
    for (const Delta& d : deltas_) {
      Cell& cell = window.cells[d.group];
      cell.total_amount += d.amount;
      cell.transaction_count += 1;
      cell.item_quantity += d.quantity;
      cell.changed = true;
    }
    window.changed = true;
  }
}

void SalesWindows::AppendRow(Micros start, uint32_t group, const Cell& cell, bool is_final,
                             std::vector<SalesRow>& out) const {
  SalesRow& row = out.emplace_back();
  row.window_start = start;
  row.window_end = start + options_.size;
  row.category = categories_.Name(groups_[group].category);
  row.country = countries_.Name(groups_[group].country);
  row.task = task_;
  row.total_amount = cell.total_amount;
  row.transaction_count = cell.transaction_count;
  row.item_quantity = cell.item_quantity;
  row.is_final = is_final;
  row.new_key.value = !cell.emitted;
}

size_t SalesWindows::RowsToCollect(Micros watermark) const {
  size_t rows = 0;
  for (const auto& [start, window] : windows_) {
    const bool closing = EndsBy(start, options_.size, watermark);
    if (!closing && !window.changed) continue;
    for (const Cell& cell : window.cells) {
      if (cell.transaction_count != 0 && (closing || cell.changed)) ++rows;
    }
  }
  return rows;
}

void SalesWindows::Collect(Micros watermark, std::vector<SalesRow>& out) {
  // Sized up front (geometrically, as every task appends to the same batch): growing row
  // by row would move all rows already there several times.
  const size_t needed = out.size() + RowsToCollect(watermark);
  if (needed > out.capacity()) out.reserve(std::max(needed, 2 * out.capacity()));
  for (auto it = windows_.begin(); it != windows_.end();) {
    Window& window = it->second;
    const bool closing = EndsBy(it->first, options_.size, watermark);
    if (!closing && !window.changed) {
      ++it;
      continue;
    }
    // A closing window's rows are written once, final (which covers any change).
    for (uint32_t group : group_order_) {
      if (group >= window.cells.size()) continue;
      Cell& cell = window.cells[group];
      if (cell.transaction_count == 0 || (!closing && !cell.changed)) continue;
      AppendRow(it->first, group, cell, closing, out);
      cell.changed = false;
      cell.emitted = true;
    }
    window.changed = false;
    if (closing) {
      spare_cells_.push_back(std::move(window.cells));
      it = windows_.erase(it);
    } else {
      ++it;
    }
  }
  closed_before_ = std::max(closed_before_, watermark);
}

size_t SalesWindows::open_windows() const { return windows_.size(); }

void SalesWindows::Save(SnapshotWriter& out) const {
  out.U8(kSnapshotVersion);
  out.I64(options_.size);
  out.I64(options_.slide);
  out.I64(closed_before_);
  out.I64(ignored_closed_);
  out.U32(static_cast<uint32_t>(windows_.size()));
  for (const auto& [start, window] : windows_) {
    uint32_t rows = 0;
    for (const Cell& cell : window.cells) rows += cell.transaction_count > 0 ? 1 : 0;
    out.I64(start);
    out.U32(rows);
    for (uint32_t group : group_order_) {
      if (group >= window.cells.size() || window.cells[group].transaction_count == 0) continue;
      const Cell& cell = window.cells[group];
      out.Bytes(categories_.Name(groups_[group].category));
      out.Bytes(countries_.Name(groups_[group].country));
      out.I64(cell.total_amount);
      out.I64(cell.transaction_count);
      out.I64(cell.item_quantity);
      out.U8(cell.changed ? 1 : 0);
    }
  }
}

Status SalesWindows::Restore(SnapshotReader& in) {
  const uint8_t version = in.U8();
  if (!in.status().ok()) return in.status();
  if (version != kSnapshotVersion) {
    return InvalidArgument("sales windows snapshot has format version " + std::to_string(version) +
                           ", expected " + std::to_string(kSnapshotVersion));
  }
  const Micros size = in.I64();
  const Micros slide = in.I64();
  if (!in.status().ok()) return in.status();
  if (size != options_.size || slide != options_.slide) {
    return InvalidArgument("sales windows snapshot has windows of " + FormatDuration(size) +
                           " sliding every " + FormatDuration(slide) + ", configured are " +
                           FormatDuration(options_.size) + " every " +
                           FormatDuration(options_.slide));
  }

  // Build into a fresh object so a corrupt snapshot leaves the current state alone.
  SalesWindows fresh(options_, task_);
  fresh.closed_before_ = in.I64();
  fresh.ignored_closed_ = in.I64();
  const uint32_t window_count = in.U32();
  Micros previous_start = 0;
  for (uint32_t w = 0; w < window_count && in.status().ok(); ++w) {
    const Micros start = in.I64();
    const uint32_t rows = in.U32();
    if (!in.status().ok()) break;
    if (FloorDiv(start, slide) * slide != start || (w > 0 && start <= previous_start) ||
        EndsBy(start, size, fresh.closed_before_)) {
      in.Fail();
      break;
    }
    previous_start = start;
    Window& window = fresh.windows_.emplace_hint(fresh.windows_.end(), start, Window())->second;
    for (uint32_t r = 0; r < rows; ++r) {
      const std::string_view category = in.Bytes();
      const std::string_view country = in.Bytes();
      Cell cell;
      cell.total_amount = in.I64();
      cell.transaction_count = in.I64();
      cell.item_quantity = in.I64();
      cell.emitted = true;  // unknown: a live row may have gone out before the snapshot
      const uint8_t changed = in.U8();
      if (!in.status().ok()) break;
      const uint32_t group =
          fresh.GroupOf(fresh.categories_.Intern(category), fresh.countries_.Intern(country));
      if (window.cells.size() <= group) window.cells.resize(group + 1);
      if (cell.transaction_count <= 0 || changed > 1 ||
          window.cells[group].transaction_count != 0) {
        in.Fail();
        break;
      }
      cell.changed = changed == 1;
      window.cells[group] = cell;
      window.changed = window.changed || cell.changed;
    }
  }
  if (!in.status().ok()) return in.status();
  *this = std::move(fresh);
  return Status::Ok();
}

}  // namespace gm::stream
