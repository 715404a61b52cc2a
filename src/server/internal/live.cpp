#include "server/internal/live.h"

#include <fmt/format.h>

#include "common/logging.h"
#include "common/money.h"
#include "server/internal/json.h"

namespace gm::server {
namespace {

// The newest minute of event time (so a replayed or backfilled stream shows figures too),
// alerts in it, and the ingestion rate of the last complete 10-second interval.
constexpr char kFiguresSql[] = R"sql(
WITH last AS (SELECT max(event_time) AS t FROM transactions),
recent AS (
  SELECT count(*) AS orders, coalesce(sum(line_items_total_cents), 0)::bigint AS revenue
  FROM transactions, last WHERE event_time > last.t - interval '1 minute'),
alerts AS (
  SELECT count(*) AS n FROM transaction_anomalies, last
  WHERE event_time > last.t - interval '1 minute' AND anomaly_score >= 0.8),
ingest AS (
  SELECT coalesce(sum(received), 0)::bigint AS received FROM kafka_metrics_by_partition
  WHERE interval_start = (SELECT max(interval_start) - interval '10 seconds'
                          FROM kafka_metrics_by_partition))
SELECT (extract(epoch FROM last.t) * 1000000)::bigint, recent.orders, recent.revenue, alerts.n,
       ingest.received
FROM last, recent, alerts, ingest)sql";

}  // namespace

LiveFeed::LiveFeed(const Reader& reader, const Clock& clock, Micros interval)
    : reader_(reader), clock_(clock), interval_(interval) {}

LiveFeed::~LiveFeed() { Stop(); }

void LiveFeed::Start() {
  thread_ = std::thread([this] { Run(); });
}

void LiveFeed::Stop() {
  std::vector<std::unique_ptr<EventSink>> sinks;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    sinks.swap(sinks_);
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& s : sinks) s->Close();
}

void LiveFeed::Subscribe(std::unique_ptr<EventSink> sink) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      sinks_.push_back(std::move(sink));
      sink = nullptr;
    }
  }
  if (sink) sink->Close();
  wake_.notify_all();
}

size_t LiveFeed::subscribers() const {
  std::lock_guard lock(mu_);
  return sinks_.size();
}

Result<std::string> LiveFeed::Figures() const {
  Result<Rows> rows = reader_.Query(kFiguresSql);
  if (!rows.ok()) return rows.status();
  const auto& r = rows->values.at(0);
  std::string out = "{\"time\":\"";
  AppendTimestamp(clock_.Now(), out);
  out += "\",\"latest_event_time\":";
  if (r[0]) {
    out += "\"";
    AppendTimestamp(std::stoll(*r[0]), out);
    out += "\"";
  } else {
    out += "null";
  }
  out += ",\"orders_last_minute\":" + r[1].value_or("0");
  out += ",\"revenue_last_minute\":\"";
  AppendCents(std::stoll(r[2].value_or("0")), out);
  out += "\",\"alerts_last_minute\":" + r[3].value_or("0");
  out += fmt::format(",\"events_per_second\":{:.1f}}}",
                     static_cast<double>(std::stoll(r[4].value_or("0"))) / 10.0);
  return out;
}

void LiveFeed::Run() {
  auto log = Logger("http");
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::microseconds(interval_),
                   [&] { return stopping_ || !sinks_.empty(); });
    if (stopping_) break;
    if (sinks_.empty()) continue;
    lock.unlock();
    Result<std::string> figures = Figures();
    std::string event;
    if (figures.ok()) {
      event = "event: figures\ndata: " + *figures + "\n\n";
    } else {
      log->warn("live figures: {}", figures.status().ToString());
      event = "event: error\ndata: {\"detail\":\"figures unavailable\"}\n\n";
    }
    lock.lock();
    // Streams whose client has gone are dropped here.
    std::erase_if(sinks_, [&](std::unique_ptr<EventSink>& s) { return !s->Send(event); });
    wake_.wait_for(lock, std::chrono::microseconds(interval_), [&] { return stopping_; });
  }
}

}  // namespace gm::server
