#include "stream/checkpoint_store.h"

#include <algorithm>

#include "stream/internal/checkpoint_inputs.h"

namespace gm::stream {

const std::vector<std::string>& TransactionColumns() {
  static const std::vector<std::string> kColumns = {"transaction_id",
                                                    "user_id",
                                                    "session_id",
                                                    "event_time",
                                                    "total_amount_cents",
                                                    "line_items_total_cents",
                                                    "payment_method",
                                                    "country",
                                                    "city",
                                                    "currency",
                                                    "device",
                                                    "amount_mismatch"};
  return kColumns;
}

const std::vector<std::string>& TransactionItemColumns() {
  static const std::vector<std::string> kColumns = {"transaction_id", "line_no",  "product_id",
                                                    "category",       "quantity", "price_cents"};
  return kColumns;
}

void CheckpointBatch::Clear() {
  offsets.clear();
  for (auto& [task, bytes] : snapshots) spare_snapshot_buffers.push_back(std::move(bytes));
  snapshots.clear();
  for (auto& [task, bytes] : snapshot_changes) spare_snapshot_buffers.push_back(std::move(bytes));
  snapshot_changes.clear();
  snapshot_numbers.clear();
  transactions.Clear();
  transaction_items.Clear();
  anomalies.clear();
  sales.clear();
  dead_letters.clear();
  metrics.clear();
  sessions.clear();
  cart_abandonments.clear();
  inventory.clear();
  low_stock_alerts.clear();
}

bool CheckpointBatch::NoRows() const {
  return transactions.empty() && transaction_items.empty() && anomalies.empty() && sales.empty() &&
         dead_letters.empty() && metrics.empty() && sessions.empty() && cart_abandonments.empty() &&
         inventory.empty() && low_stock_alerts.empty();
}

Result<RestoredCheckpoint> NullCheckpointStore::Load(const std::string& /*group*/) {
  return RestoredCheckpoint{};
}

Result<int64_t> NullCheckpointStore::Claim(const std::string& /*group*/,
                                           const std::vector<int32_t>& /*tasks*/,
                                           const std::string& /*owner*/) {
  return ++generation_;
}

Status NullCheckpointStore::Commit(const CheckpointBatch& batch) {
  ++commits_;
  transactions_ += batch.transactions.rows();
  return Status::Ok();
}

Status NullCheckpointStore::Compact(const std::string& /*group*/, int32_t /*task*/,
                                    int64_t /*generation*/, int64_t /*number*/,
                                    std::string /*snapshot*/) {
  return Status::Ok();
}

Result<RestoredCheckpoint> MemoryCheckpointStore::Load(const std::string& group) {
  RestoredCheckpoint out;
  std::lock_guard lock(mu_);
  auto it = groups_.find(group);
  if (it == groups_.end()) return out;
  for (const auto& [key, offset] : it->second.offsets) {
    out.offsets.push_back({key.first, key.second, offset.next_offset});
    out.max_generation = std::max(out.max_generation, offset.generation);
  }
  for (const auto& [task, snapshot] : it->second.snapshots) {
    out.snapshots[task] = snapshot.bytes;
    if (!snapshot.changes.empty()) out.snapshot_changes[task] = snapshot.changes;
    out.max_generation = std::max(out.max_generation, snapshot.generation);
  }
  return out;
}

Result<int64_t> MemoryCheckpointStore::Claim(const std::string& group,
                                             const std::vector<int32_t>& tasks,
                                             const std::string& /*owner*/) {
  std::lock_guard lock(mu_);
  GroupState& state = groups_[group];
  for (const auto& [key, offset] : state.offsets) {
    last_generation_ = std::max(last_generation_, offset.generation);
  }
  for (const auto& [task, snapshot] : state.snapshots) {
    last_generation_ = std::max(last_generation_, snapshot.generation);
  }
  const int64_t generation = ++last_generation_;
  for (int32_t task : tasks) state.snapshots[task].generation = generation;
  return generation;
}

Status MemoryCheckpointStore::Commit(const CheckpointBatch& batch) {
  if (Status s =
          internal::CheckArchiveRows(batch.transactions, TransactionColumns(), "transactions");
      !s.ok()) {
    return s;
  }
  if (Status s = internal::CheckArchiveRows(batch.transaction_items, TransactionItemColumns(),
                                            "transaction_items");
      !s.ok()) {
    return s;
  }
  std::lock_guard lock(mu_);
  GroupState& group = groups_[batch.consumer_group];
  // Fencing first, so a refused batch changes nothing.
  for (const SourceOffset& o : batch.offsets) {
    auto it = group.offsets.find({o.topic, o.partition});
    if (it != group.offsets.end() && it->second.generation > batch.generation) {
      return Aborted("fenced: " + o.topic + "[" + std::to_string(o.partition) + "] of group " +
                     batch.consumer_group + " was committed by generation " +
                     std::to_string(it->second.generation) + "; this commit has generation " +
                     std::to_string(batch.generation));
    }
  }
  auto fence = [&](int32_t task) -> Status {
    auto it = group.snapshots.find(task);
    if (it != group.snapshots.end() && it->second.generation > batch.generation) {
      return Aborted("fenced: task " + std::to_string(task) + " of group " + batch.consumer_group +
                     " was committed by generation " + std::to_string(it->second.generation) +
                     "; this commit has generation " + std::to_string(batch.generation));
    }
    return Status::Ok();
  };
  for (const auto& [task, bytes] : batch.snapshots) {
    if (Status s = fence(task); !s.ok()) return s;
  }
  for (const auto& [task, bytes] : batch.snapshot_changes) {
    if (Status s = fence(task); !s.ok()) return s;
    auto it = group.snapshots.find(task);
    if (it == group.snapshots.end() || it->second.bytes.empty()) {
      return Internal("incremental snapshot of task " + std::to_string(task) + " of group " +
                      batch.consumer_group + " without a full one stored before it");
    }
  }
  for (const SourceOffset& o : batch.offsets) {
    group.offsets[{o.topic, o.partition}] = {o.next_offset, batch.generation};
  }
  for (const auto& [task, bytes] : batch.snapshots) {
    // assign() reuses the stored string's capacity: snapshots are megabytes, every second.
    GroupState::Snapshot& stored = group.snapshots[task];
    stored.bytes.assign(bytes);
    stored.changes.clear();
    stored.change_numbers.clear();
    stored.generation = batch.generation;
  }
  for (const auto& [task, bytes] : batch.snapshot_changes) {
    GroupState::Snapshot& stored = group.snapshots[task];
    stored.changes.push_back(bytes);
    stored.change_numbers.push_back(batch.NumberOf(task));
    stored.generation = batch.generation;
  }
  for (const SalesRow& row : batch.sales) {
    sales_[{row.window_start, row.window_end, row.category, row.country, row.task}] = row;
  }
  for (const AnomalyRow& row : batch.anomalies) anomalies_.try_emplace(row.transaction_id, row);
  for (const DeadLetterRow& row : batch.dead_letters) {
    dead_letters_.try_emplace({row.topic, row.partition, row.offset}, row);
  }
  ++totals_.commits;
  totals_.sessions += static_cast<int64_t>(batch.sessions.size());
  totals_.cart_abandonments += static_cast<int64_t>(batch.cart_abandonments.size());
  totals_.transactions += batch.transactions.rows();
  totals_.transaction_items += batch.transaction_items.rows();
  totals_.anomalies += static_cast<int64_t>(batch.anomalies.size());
  totals_.sales_rows += static_cast<int64_t>(batch.sales.size());
  totals_.dead_letters += static_cast<int64_t>(batch.dead_letters.size());
  return Status::Ok();
}

MemoryCheckpointStore::Totals MemoryCheckpointStore::totals() const {
  std::lock_guard lock(mu_);
  return totals_;
}

std::vector<SalesRow> MemoryCheckpointStore::SalesTable() const {
  std::lock_guard lock(mu_);
  std::vector<SalesRow> out;
  out.reserve(sales_.size());
  for (const auto& [key, row] : sales_) out.push_back(row);
  return out;
}

std::vector<AnomalyRow> MemoryCheckpointStore::Anomalies() const {
  std::lock_guard lock(mu_);
  std::vector<AnomalyRow> out;
  out.reserve(anomalies_.size());
  for (const auto& [key, row] : anomalies_) out.push_back(row);
  return out;
}

std::vector<DeadLetterRow> MemoryCheckpointStore::DeadLetters() const {
  std::lock_guard lock(mu_);
  std::vector<DeadLetterRow> out;
  out.reserve(dead_letters_.size());
  for (const auto& [key, row] : dead_letters_) out.push_back(row);
  return out;
}

Status MemoryCheckpointStore::Compact(const std::string& group, int32_t task, int64_t generation,
                                      int64_t number, std::string snapshot) {
  std::lock_guard lock(mu_);
  auto g = groups_.find(group);
  if (g == groups_.end()) return Aborted("compaction: no checkpoint of group " + group);
  auto it = g->second.snapshots.find(task);
  if (it == g->second.snapshots.end() || it->second.generation != generation) {
    return Aborted("compaction of task " + std::to_string(task) + " of group " + group +
                   ": generation " + std::to_string(generation) + " no longer owns it");
  }
  GroupState::Snapshot& stored = it->second;
  size_t covered = 0;
  while (covered < stored.changes.size() && stored.change_numbers[covered] <= number) ++covered;
  stored.bytes = std::move(snapshot);
  stored.changes.erase(stored.changes.begin(),
                       stored.changes.begin() + static_cast<ptrdiff_t>(covered));
  stored.change_numbers.erase(stored.change_numbers.begin(),
                              stored.change_numbers.begin() + static_cast<ptrdiff_t>(covered));
  ++totals_.compactions;
  return Status::Ok();
}

}  // namespace gm::stream
