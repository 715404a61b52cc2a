#include "stream/internal/checkpoint_inputs.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "stream/internal/snapshot_compression.h"

namespace gm::stream::internal {

using store::CopyRows;

const std::vector<std::string>& AnomalyColumns() {
  static const std::vector<std::string> kColumns = {
      "transaction_id", "user_id",       "event_time",    "total_amount_cents",
      "country",        "anomaly_score", "anomaly_types", "description"};
  return kColumns;
}
const std::vector<std::string>& DeadLetterColumns() {
  static const std::vector<std::string> kColumns = {
      "source_topic", "source_partition", "source_offset", "raw", "raw_size", "reason"};
  return kColumns;
}
const std::vector<std::string>& SalesColumns() {
  static const std::vector<std::string> kColumns = {
      "window_start",       "window_end",        "category",      "country", "task",
      "total_amount_cents", "transaction_count", "item_quantity", "is_final"};
  return kColumns;
}

const std::vector<std::string>& SessionColumns() {
  static const std::vector<std::string> kColumns = {
      "session_id",   "session_start", "session_end",        "duration_seconds",
      "user_id",      "task",          "page_views",         "cart_adds",
      "cart_removes", "purchases",     "total_amount_cents", "distinct_products_viewed",
      "device",       "country",       "converted",          "abandoned",
      "is_closed"};
  return kColumns;
}
const std::vector<std::string>& CartAbandonmentColumns() {
  static const std::vector<std::string> kColumns = {"session_id",
                                                    "session_start",
                                                    "abandonment_time",
                                                    "user_id",
                                                    "task",
                                                    "products_in_cart",
                                                    "items_in_cart",
                                                    "cart_value_cents",
                                                    "time_in_cart_seconds",
                                                    "recovered",
                                                    "recovered_at"};
  return kColumns;
}
const std::vector<std::string>& InventoryColumns() {
  static const std::vector<std::string> kColumns = {
      "product_id",    "category",       "in_catalog",     "task",
      "current_stock", "reserved_stock", "last_event_time"};
  return kColumns;
}
const std::vector<std::string>& LowStockAlertColumns() {
  static const std::vector<std::string> kColumns = {
      "product_id",      "alert_no",         "task",      "status",     "severity",
      "available_stock", "lowest_available", "opened_at", "updated_at", "resolved_at"};
  return kColumns;
}

Status CheckArchiveRows(const store::CopyRows& rows, const std::vector<std::string>& columns,
                        const char* table) {
  if (rows.format() != store::CopyFormat::kBinary) {
    return InvalidArgument(std::string(table) + " rows are not in COPY's binary format");
  }
  if (rows.columns() != columns.size()) {
    return InvalidArgument(std::string(table) + " rows have " + std::to_string(rows.columns()) +
                           " columns; the table has " + std::to_string(columns.size()));
  }
  if (!rows.status().ok()) {
    return InvalidArgument(std::string(table) + ": " + rows.status().message());
  }
  return Status::Ok();
}

namespace {

// --- Array literals for unnest() parameters ----------------------------------------------

// Builds a PostgreSQL array literal element by element ({"a","b"}, {1,NULL}).
class ArrayLiteral {
 public:
  //! A text element, quoted (any text but NUL).
  void Add(std::string_view text) {
    Next();
    text_.push_back('"');
    for (char c : text) {
      if (c == '"' || c == '\\') text_.push_back('\\');
      text_.push_back(c);
    }
    text_.push_back('"');
  }
  void Add(int64_t value) {
    Next();
    text_ += std::to_string(value);
  }
  void AddNull() {
    Next();
    text_ += "NULL";
  }
  //! The literal; the builder is spent.
  std::string Take() {
    text_.push_back('}');
    return std::move(text_);
  }

 private:
  void Next() {
    if (text_.size() > 1) text_.push_back(',');
  }
  std::string text_ = "{";
};

Status PrepareOffsets(const CheckpointBatch& batch, Inputs& in) {
  in.offsets = batch.offsets;
  // Stable, so the last of equal partitions stays last; then keep it.
  std::stable_sort(in.offsets.begin(), in.offsets.end(), [](const auto& a, const auto& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  std::vector<SourceOffset> unique;
  for (size_t i = 0; i < in.offsets.size(); ++i) {
    const bool last = i + 1 == in.offsets.size() ||
                      std::tie(in.offsets[i].topic, in.offsets[i].partition) !=
                          std::tie(in.offsets[i + 1].topic, in.offsets[i + 1].partition);
    if (last) unique.push_back(std::move(in.offsets[i]));
  }
  in.offsets = std::move(unique);
  ArrayLiteral topics, partitions, values;
  for (const SourceOffset& o : in.offsets) {
    if (o.topic.find('\0') != std::string::npos) {
      return InvalidArgument("a source topic holds a NUL byte");
    }
    topics.Add(o.topic);
    partitions.Add(o.partition);
    values.Add(o.next_offset);
  }
  in.offset_topics = topics.Take();
  in.offset_partitions = partitions.Take();
  in.offset_values = values.Take();
  return Status::Ok();
}

// The encoders call, per column, the field call of its SQL type (binary COPY needs the exact
// width): Int16 smallint, Int32 integer, Int bigint, Float real, Double double precision.

void EncodeAnomaly(const AnomalyRow& r, CopyRows& out) {
  out.Text(r.transaction_id).Text(r.user_id).Timestamp(r.event_time).Int(r.total_amount);
  out.Text(r.country).Float(static_cast<float>(r.score)).TextArray(r.types).Text(r.description);
  out.EndRow();
}

void EncodeDeadLetter(const DeadLetterRow& r, CopyRows& out) {
  out.Text(r.topic).Int32(r.partition).Int(r.offset).Bytes(r.raw);
  out.Int32(static_cast<int32_t>(r.raw_size)).Text(r.reason);
  out.EndRow();
}

void EncodeSales(const SalesRow& r, CopyRows& out) {
  out.Timestamp(r.window_start).Timestamp(r.window_end).Text(r.category).Text(r.country);
  out.Int32(r.task).Int(r.total_amount).Int(r.transaction_count).Int(r.item_quantity);
  out.Bool(r.is_final).EndRow();
}

void PrepareSales(const CheckpointBatch& batch, Inputs& in) {
  auto key = [](const SalesRow* r) {
    return std::tie(r->window_start, r->window_end, r->category, r->country, r->task);
  };
  std::vector<const SalesRow*> rows;
  rows.reserve(batch.sales.size());
  for (const SalesRow& r : batch.sales) rows.push_back(&r);
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const SalesRow* a, const SalesRow* b) { return key(a) < key(b); });
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i + 1 == rows.size() || key(rows[i]) != key(rows[i + 1])) in.sales.push_back(rows[i]);
  }
  in.stage_sales = in.sales.size() > kDirectRows;
  // Encoded even when sent directly: that is what checks the text for NUL bytes.
  for (const SalesRow* r : in.sales) {
    EncodeSales(*r, in.stage_sales && r->new_key.value ? in.new_sales_rows : in.sales_rows);
  }
}

// The last row given per key, in the order the rows were given.
template <typename Row, typename Key>
std::vector<const Row*> LastPerKey(const std::vector<Row>& rows, Key key) {
  std::map<decltype(key(rows.front())), size_t> last;
  for (size_t i = 0; i < rows.size(); ++i) last[key(rows[i])] = i;
  std::vector<size_t> kept;
  kept.reserve(last.size());
  for (const auto& [k, i] : last) kept.push_back(i);
  std::sort(kept.begin(), kept.end());
  std::vector<const Row*> out;
  out.reserve(kept.size());
  for (size_t i : kept) out.push_back(&rows[i]);
  return out;
}

double Seconds(Micros m) { return static_cast<double>(m) / kMicrosPerSecond; }

void PrepareSessions(const CheckpointBatch& batch, Inputs& in) {
  for (const SessionRow* r : LastPerKey(batch.sessions, [](const SessionRow& r) {
         return std::make_pair(r.session_id, r.session_start);
       })) {
    CopyRows& o = r->new_key.value ? in.new_sessions : in.sessions;
    o.Text(r->session_id).Timestamp(r->session_start).Timestamp(r->session_end);
    o.Double(Seconds(r->session_end - r->session_start)).Text(r->user_id).Int32(r->task);
    o.Int32(r->page_views).Int32(r->cart_adds).Int32(r->cart_removes).Int32(r->purchases);
    o.Int(r->total_amount).Int32(r->distinct_products_viewed).TextOrNull(r->device);
    o.TextOrNull(r->country).Bool(r->converted).Bool(r->abandoned).Bool(r->is_closed);
    o.EndRow();
  }
  for (const CartAbandonmentRow* r :
       LastPerKey(batch.cart_abandonments, [](const CartAbandonmentRow& r) {
         return std::make_tuple(r.session_id, r.session_start, r.abandonment_time);
       })) {
    // An abandonment is a new key; its recovery rewrites it.
    CopyRows& o = r->recovered ? in.cart_abandonments : in.new_cart_abandonments;
    o.Text(r->session_id).Timestamp(r->session_start).Timestamp(r->abandonment_time);
    o.Text(r->user_id).Int32(r->task).Int32(r->products_in_cart).Int(r->items_in_cart);
    o.Int(r->cart_value).Double(Seconds(r->time_in_cart)).Bool(r->recovered);
    r->recovered ? o.Timestamp(r->recovered_at) : o.Null();
    o.EndRow();
  }
  for (const InventoryRow* r :
       LastPerKey(batch.inventory, [](const InventoryRow& r) { return r.product_id; })) {
    CopyRows& o = in.inventory;
    o.Text(r->product_id).TextOrNull(r->category).Bool(r->in_catalog).Int32(r->task);
    o.Int(r->current_stock).Int(r->reserved_stock).Timestamp(r->last_event_time);
    o.EndRow();
  }
  for (const LowStockAlertRow* r : LastPerKey(
           batch.low_stock_alerts,
           [](const LowStockAlertRow& r) { return std::make_pair(r.product_id, r.alert_no); })) {
    const bool resolved = r->status == "resolved";
    CopyRows& o = resolved ? in.resolved_alerts : in.other_alerts;
    o.Text(r->product_id).Int32(r->alert_no).Int32(r->task).Text(r->status).Text(r->severity);
    o.Int(r->available_stock).Int(r->lowest_available).Timestamp(r->opened_at);
    o.Timestamp(r->updated_at);
    resolved ? o.Timestamp(r->resolved_at) : o.Null();
    o.EndRow();
  }
}

void PrepareMetrics(const CheckpointBatch& batch, Inputs& in) {
  // Rows of one partition and interval are summed (an upsert may not touch a row twice).
  std::map<std::tuple<std::string, int32_t, Micros>, PartitionMetricsRow> merged;
  for (const PartitionMetricsRow& m : batch.metrics) {
    auto [it, fresh] = merged.try_emplace({m.topic, m.partition, m.interval_start}, m);
    if (fresh) continue;
    PartitionMetricsRow& sum = it->second;
    sum.received += m.received;
    sum.valid += m.valid;
    sum.invalid += m.invalid;
    sum.late += m.late;
    sum.duplicate += m.duplicate;
    if (m.consumer_lag) sum.consumer_lag = m.consumer_lag;
  }
  in.metric_rows = merged.size();
  if (merged.empty()) return;
  ArrayLiteral arrays[9];
  for (const auto& [key, m] : merged) {
    arrays[0].Add(std::string_view(m.topic));
    arrays[1].Add(m.partition);
    arrays[2].Add(std::string_view(FormatTimestamp(m.interval_start)));
    arrays[3].Add(m.received);
    arrays[4].Add(m.valid);
    arrays[5].Add(m.invalid);
    arrays[6].Add(m.late);
    arrays[7].Add(m.duplicate);
    m.consumer_lag ? arrays[8].Add(*m.consumer_lag) : arrays[8].AddNull();
  }
  for (int i = 0; i < 9; ++i) in.metric_arrays[i] = arrays[i].Take();
}

}  // namespace

Status PrepareInputs(const CheckpointBatch& batch, Inputs& in) {
  if (Status s = PrepareOffsets(batch, in); !s.ok()) return s;
  for (const AnomalyRow& r : batch.anomalies) EncodeAnomaly(r, in.anomalies);
  if (!in.anomalies.status().ok()) {
    return InvalidArgument("transaction_anomalies: " + in.anomalies.status().message());
  }
  in.stage_anomalies = batch.anomalies.size() > kDirectRows;
  for (const DeadLetterRow& r : batch.dead_letters) EncodeDeadLetter(r, in.dead_letters);
  if (!in.dead_letters.status().ok()) {
    return InvalidArgument("dead_letter_events: " + in.dead_letters.status().message());
  }
  in.stage_dead_letters = batch.dead_letters.size() > kDirectRows;
  PrepareSales(batch, in);
  for (const CopyRows* rows : {&in.sales_rows, &in.new_sales_rows}) {
    if (!rows->status().ok()) {
      return InvalidArgument("sales_metrics_by_task: " + rows->status().message());
    }
  }
  PrepareSessions(batch, in);
  for (const auto& [rows, table] :
       {std::pair<const CopyRows*, const char*>{&in.sessions, "session_metrics"},
        {&in.new_sessions, "session_metrics"},
        {&in.cart_abandonments, "cart_abandonment"},
        {&in.new_cart_abandonments, "cart_abandonment"},
        {&in.inventory, "inventory_status"},
        {&in.resolved_alerts, "low_stock_alerts"},
        {&in.other_alerts, "low_stock_alerts"}}) {
    if (!rows->status().ok()) {
      return InvalidArgument(std::string(table) + ": " + rows->status().message());
    }
  }
  PrepareMetrics(batch, in);
  for (const auto& [task, bytes] : batch.snapshots) CompressSnapshot(bytes, in.snapshots[task]);
  for (const auto& [task, bytes] : batch.snapshot_changes) {
    CompressSnapshot(bytes, in.snapshot_changes[task]);
  }
  return Status::Ok();
}

}  // namespace gm::stream::internal
