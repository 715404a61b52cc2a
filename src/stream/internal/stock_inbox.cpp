#include "stream/internal/stock_inbox.h"

#include <algorithm>

namespace gm::stream::internal {

void StockInbox::OnWatermark(int32_t upstream, Micros watermark) {
  auto [it, fresh] = upstream_.try_emplace(upstream, watermark);
  if (!fresh) it->second = std::max(it->second, watermark);
}

Micros StockInbox::LowWatermark(int32_t tasks) const {
  Micros low = INT64_MAX;
  for (int32_t t = 0; t < tasks; ++t) {
    auto it = upstream_.find(t);
    if (it == upstream_.end()) return kNoTime;
    low = std::min(low, it->second);
  }
  return tasks > 0 ? low : kNoTime;
}

bool StockInbox::Admit(const StockPosition& position, Micros applied_below) {
  if (position.key.effective_time < applied_below) return false;
  return pending_.insert(position).second;
}

void StockInbox::Forget(Micros applied_below) {
  auto it = pending_.begin();
  while (it != pending_.end() && it->key.effective_time < applied_below) it = pending_.erase(it);
}

void StockInbox::Save(SnapshotWriter& w) const {
  w.U32(static_cast<uint32_t>(upstream_.size()));
  for (const auto& [task, watermark] : upstream_) {
    w.U32(static_cast<uint32_t>(task));
    w.I64(watermark);
  }
}

Status StockInbox::Restore(SnapshotReader& r) {
  upstream_.clear();
  const uint32_t n = r.U32();
  for (uint32_t i = 0; i < n && r.status().ok(); ++i) {
    const auto task = static_cast<int32_t>(r.U32());
    upstream_[task] = r.I64();
  }
  return r.status();
}

void StockInbox::Clear() {
  upstream_.clear();
  pending_.clear();
}

}  // namespace gm::stream::internal
