#include "tables.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <vector>

namespace gm::stream::pipeline_testing {
namespace {

// Adds a failure per difference between two maps (at most 10 listed), naming `what`.
template <typename K, typename V>
void ExpectSameRows(const std::map<K, V>& expected, const std::map<K, V>& actual,
                    const std::string& what) {
  int64_t differences = 0;
  auto report = [&](const std::string& message) {
    if (++differences <= 10) ADD_FAILURE() << what << ": " << message;
  };
  for (const auto& [key, value] : expected) {
    auto it = actual.find(key);
    if (it == actual.end()) {
      report("missing " + Str(key) + " " + Str(value));
    } else if (!(it->second == value)) {
      report(Str(key) + ": expected " + Str(value) + ", got " + Str(it->second));
    }
  }
  for (const auto& [key, value] : actual) {
    if (expected.find(key) == expected.end()) report("unexpected " + Str(key) + " " + Str(value));
  }
  if (differences > 10) ADD_FAILURE() << what << ": " << differences << " differences in all";
}

std::optional<std::string> OptionalText(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<std::string>(f.as<std::string>());
}

std::vector<std::string> SplitTypes(const std::string& joined) {
  std::vector<std::string> types;
  std::stringstream in(joined);
  for (std::string t; std::getline(in, t, ',');) types.push_back(t);
  return types;
}

}  // namespace

Tables ReadTables(store::Connection& conn) {
  // A timestamptz column as µs since the epoch.
  auto us = [](const char* column) {
    return std::string("(extract(epoch FROM ") + column + ") * 1000000)::bigint";
  };
  Tables t;
  pqxx::work tx(conn.pqxx());
  for (const auto& r :
       tx.exec("SELECT transaction_id, user_id, session_id, " + us("event_time") +
               ", total_amount_cents, line_items_total_cents, payment_method, country, city, "
               "currency, device, amount_mismatch FROM transactions")) {
    t.transactions[r[0].as<std::string>()] = {
        r[1].as<std::string>(), OptionalText(r[2]),     r[3].as<int64_t>(),     r[4].as<int64_t>(),
        r[5].as<int64_t>(),     r[6].as<std::string>(), r[7].as<std::string>(), OptionalText(r[8]),
        OptionalText(r[9]),     OptionalText(r[10]),    r[11].as<bool>()};
  }
  for (const auto& r : tx.exec("SELECT transaction_id, line_no, product_id, category, quantity, "
                               "price_cents FROM transaction_items")) {
    t.items[{r[0].as<std::string>(), r[1].as<int64_t>()}] = {
        r[2].as<std::string>(), r[3].as<std::string>(), r[4].as<int64_t>(), r[5].as<int64_t>()};
  }
  for (const auto& r :
       tx.exec("SELECT " + us("window_start") + ", " + us("window_end") +
               ", category, country, total_amount_cents, transaction_count, item_quantity, "
               "is_final FROM sales_metrics")) {
    t.sales[{r[0].as<int64_t>(), r[1].as<int64_t>(), r[2].as<std::string>(),
             r[3].as<std::string>()}] = {r[4].as<int64_t>(), r[5].as<int64_t>(), r[6].as<int64_t>(),
                                         r[7].as<bool>()};
  }
  for (const auto& r :
       tx.exec("SELECT transaction_id, user_id, " + us("event_time") +
               ", total_amount_cents, country, anomaly_score::float8, "
               "array_to_string(anomaly_types, ','), description FROM transaction_anomalies")) {
    t.anomalies[r[0].as<std::string>()] = {
        r[1].as<std::string>(), r[2].as<int64_t>(), r[3].as<int64_t>(),
        r[4].as<std::string>(), r[5].as<double>(),  SplitTypes(r[6].as<std::string>()),
        r[7].as<std::string>()};
  }
  for (const auto& r : tx.exec("SELECT source_topic, source_partition, source_offset, "
                               "encode(raw, 'hex'), raw_size, reason FROM dead_letter_events")) {
    t.dead_letters[r[2].as<int64_t>()] = {r[0].as<std::string>(), r[1].as<int32_t>(),
                                          r[3].as<std::string>(), r[4].as<int64_t>()};
    t.dead_letter_reasons[r[2].as<int64_t>()] = r[5].as<std::string>();
  }
  const auto m = tx.exec1(
      "SELECT coalesce(sum(received), 0)::bigint, coalesce(sum(valid), 0)::bigint, "
      "coalesce(sum(invalid), 0)::bigint, coalesce(sum(late), 0)::bigint, "
      "coalesce(sum(duplicate), 0)::bigint FROM kafka_metrics");
  t.counts = {m[0].as<int64_t>(), m[1].as<int64_t>(), m[2].as<int64_t>(), m[3].as<int64_t>(),
              m[4].as<int64_t>()};
  for (const auto& r : tx.exec(
           "SELECT session_id, " + us("session_start") + ", " + us("session_end") +
           ", user_id, task, page_views, cart_adds, cart_removes, purchases, total_amount_cents, "
           "distinct_products_viewed, coalesce(device, ''), coalesce(country, ''), converted, "
           "abandoned, is_closed, duration_seconds FROM session_metrics")) {
    SessionRow row{r[0].as<std::string>(),
                   r[1].as<int64_t>(),
                   r[2].as<int64_t>(),
                   r[3].as<std::string>(),
                   r[4].as<int32_t>(),
                   r[5].as<int32_t>(),
                   r[6].as<int32_t>(),
                   r[7].as<int32_t>(),
                   r[8].as<int32_t>(),
                   r[9].as<int64_t>(),
                   r[10].as<int32_t>(),
                   r[11].as<std::string>(),
                   r[12].as<std::string>(),
                   r[13].as<bool>(),
                   r[14].as<bool>(),
                   r[15].as<bool>(),
                   {}};
    EXPECT_DOUBLE_EQ(r[16].as<double>(), double(row.session_end - row.session_start) / 1e6);
    t.sessions[{row.session_id, row.session_start}] = row;
  }
  for (const auto& r :
       tx.exec("SELECT session_id, " + us("session_start") + ", " + us("abandonment_time") +
               ", user_id, task, products_in_cart, items_in_cart, cart_value_cents, "
               "(time_in_cart_seconds * 1000000)::bigint, recovered, "
               "coalesce(" +
               us("recovered_at") + ", 0) FROM cart_abandonment")) {
    CartAbandonmentRow row{r[0].as<std::string>(), r[1].as<int64_t>(), r[2].as<int64_t>(),
                           r[3].as<std::string>(), r[4].as<int32_t>(), r[5].as<int32_t>(),
                           r[6].as<int64_t>(),     r[7].as<int64_t>(), r[8].as<int64_t>(),
                           r[9].as<bool>(),        r[10].as<int64_t>()};
    t.abandonments[{row.session_id, row.session_start, row.abandonment_time}] = row;
  }
  for (const auto& r : tx.exec("SELECT product_id, coalesce(category, ''), in_catalog, task, "
                               "current_stock, reserved_stock, " +
                               us("last_event_time") + ", available_stock FROM inventory_status")) {
    InventoryRow row{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<bool>(),
                     r[3].as<int32_t>(),     r[4].as<int64_t>(),     r[5].as<int64_t>(),
                     r[6].as<int64_t>()};
    EXPECT_EQ(r[7].as<int64_t>(), row.available());
    t.inventory[row.product_id] = row;
  }
  for (const auto& r : tx.exec("SELECT product_id, alert_no, task, status, severity, "
                               "available_stock, lowest_available, " +
                               us("opened_at") + ", " + us("updated_at") + ", coalesce(" +
                               us("resolved_at") + ", 0) FROM low_stock_alerts")) {
    LowStockAlertRow row{r[0].as<std::string>(), r[1].as<int32_t>(),     r[2].as<int32_t>(),
                         r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<int64_t>(),
                         r[6].as<int64_t>(),     r[7].as<int64_t>(),     r[8].as<int64_t>(),
                         r[9].as<int64_t>()};
    t.alerts[{row.product_id, row.alert_no}] = row;
  }
  return t;
}

void ExpectMatches(const Expected& e, const Tables& db) {
  EXPECT_EQ(db.counts, e.counts) << "kafka_metrics";
  ExpectSameRows(e.dead_letters, db.dead_letters, "dead_letter_events");
  for (const auto& [offset, reason] : db.dead_letter_reasons) {
    EXPECT_FALSE(reason.empty()) << "dead letter at line " << offset << " has no reason";
  }
  ExpectSameRows(e.transactions, db.transactions, "transactions");
  ExpectSameRows(e.items, db.items, "transaction_items");
  ExpectSameRows(e.sales, db.sales, "sales_metrics");
  ExpectSameRows(e.sessions, db.sessions, "session_metrics");
  ExpectSameRows(e.abandonments, db.abandonments, "cart_abandonment");
  ExpectSameRows(e.inventory, db.inventory, "inventory_status");
  ExpectSameRows(e.alerts, db.alerts, "low_stock_alerts");

  // transaction_anomalies: exactly the rule types, or only ['statistical'] scoring in
  // [0.5, 0.8). An id scored more than once (a copy beyond the dedup horizon) keeps the first
  // row written: its rule types are those of its first scoring where a rule fired, and a
  // statistical-only row needs a first scoring without rules.
  int64_t failures = 0;
  auto fail = [&](const std::string& id, const std::string& message) {
    if (++failures <= 10) ADD_FAILURE() << "transaction_anomalies " << id << ": " << message;
  };
  for (const auto& [id, scorings] : e.rules) {
    auto fired = std::find_if(scorings.begin(), scorings.end(),
                              [](const std::vector<std::string>& t) { return !t.empty(); });
    auto it = db.anomalies.find(id);
    if (it == db.anomalies.end()) {
      if (fired != scorings.end()) fail(id, "no row, but the rules " + Str(*fired) + " fired");
      continue;
    }
    const StoredAnomaly& row = it->second;
    std::vector<std::string> rule_types;
    for (const std::string& t : row.types) {
      if (t != "statistical") rule_types.push_back(t);
    }
    if (!rule_types.empty()) {
      if (fired == scorings.end() || rule_types != *fired) {
        fail(id, "expected rule types " + (fired == scorings.end() ? "[]" : Str(*fired)) +
                     ", got " + Str(row));
      }
      if (row.score < 0.8) fail(id, "a rule fired but the score is below 0.8: " + Str(row));
    } else if (row.types != std::vector<std::string>{"statistical"} || row.score < 0.5 ||
               row.score >= 0.8 || !scorings.front().empty()) {
      fail(id, "expected rules " + Str(scorings.front()) + ", got " + Str(row));
    }
    const TxRow& tx = e.transactions.at(id);
    if (row.user_id != tx.user_id || row.event_time != tx.event_time ||
        row.total_amount != tx.line_items_total || row.country != tx.country) {
      fail(id, "columns differ from the transaction " + Str(tx) + ": " + Str(row));
    }
  }
  for (const auto& [id, row] : db.anomalies) {
    if (e.rules.find(id) == e.rules.end()) fail(id, "a row for no distinct transaction");
  }
  if (failures > 10) ADD_FAILURE() << "transaction_anomalies: " << failures << " failures in all";
}

void ExpectSameTables(const Tables& expected, const Tables& actual) {
  EXPECT_EQ(actual.counts, expected.counts) << "kafka_metrics";
  ExpectSameRows(expected.dead_letters, actual.dead_letters, "dead_letter_events");
  ExpectSameRows(expected.dead_letter_reasons, actual.dead_letter_reasons, "dead letter reasons");
  ExpectSameRows(expected.transactions, actual.transactions, "transactions");
  ExpectSameRows(expected.items, actual.items, "transaction_items");
  ExpectSameRows(expected.sales, actual.sales, "sales_metrics");
  ExpectSameRows(expected.anomalies, actual.anomalies, "transaction_anomalies");
  ExpectSameRows(expected.sessions, actual.sessions, "session_metrics");
  ExpectSameRows(expected.abandonments, actual.abandonments, "cart_abandonment");
  ExpectSameRows(expected.inventory, actual.inventory, "inventory_status");
  ExpectSameRows(expected.alerts, actual.alerts, "low_stock_alerts");
}

}  // namespace gm::stream::pipeline_testing
