#pragma once

// Valid messages of every topic as editable field lists, so tests can drop, null or
// replace one field at a time and check the exact reason.

#include <algorithm>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "events/codec.h"
#include "events/event.h"

namespace gm::events {

// Lets gtest print events as their JSON encoding.
inline void PrintTo(const Event& e, std::ostream* os) {
  std::string json;
  Encode(e, json);
  *os << json;
}

namespace testing_messages {

// A JSON object as (key, raw JSON value) pairs, in order.
class Message {
 public:
  Message(std::vector<std::pair<std::string, std::string>> fields) : fields_(std::move(fields)) {}

  std::string Json() const {
    std::string out = "{";
    for (const auto& [key, value] : fields_) {
      if (out.size() > 1) out += ",";
      out += "\"" + key + "\":" + value;
    }
    return out + "}";
  }
  // A copy without `key`.
  Message Without(const std::string& key) const {
    Message m = *this;
    std::erase_if(m.fields_, [&](const auto& f) { return f.first == key; });
    return m;
  }
  // A copy with the fields in reverse order.
  Message Reversed() const {
    Message m = *this;
    std::reverse(m.fields_.begin(), m.fields_.end());
    return m;
  }
  // A copy with `key` set to the raw JSON `value` (replaced in place or appended).
  Message With(const std::string& key, const std::string& value) const {
    Message m = *this;
    for (auto& f : m.fields_) {
      if (f.first == key) {
        f.second = value;
        return m;
      }
    }
    m.fields_.emplace_back(key, value);
    return m;
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

inline Message Transaction() {
  return Message({
      {"event_type", "\"transactions\""},
      {"transaction_id", "\"TXN-1\""},
      {"user_id", "\"USER-1\""},
      {"session_id", "\"SESS-1\""},
      {"timestamp", "\"2024-03-05T14:22:31.123Z\""},
      {"products",
       R"([{"product_id":"PROD-1","category":"Electronics","quantity":2,"price":199.99},)"
       R"({"product_id":"PROD-2","quantity":1,"price":24.5}])"},
      {"total_amount", "424.48"},
      {"payment_method", "\"credit_card\""},
      {"country", "\"USA\""},
      {"city", "\"New York\""},
      {"currency", "\"USD\""},
      {"device", "\"mobile\""},
  });
}

// A transaction whose single line item is `item` (a raw JSON object).
inline Message TransactionWithItem(const std::string& item) {
  return Transaction().With("products", "[" + item + "]");
}

inline Message ProductView() {
  return Message({
      {"event_type", "\"product_views\""},
      {"event_id", "\"VIEW-1\""},
      {"user_id", "\"USER-1\""},
      {"session_id", "\"SESS-1\""},
      {"product_id", "\"PROD-1\""},
      {"category", "\"Electronics\""},
      {"timestamp", "\"2024-03-05T14:22:31\""},
      {"duration_seconds", "42"},
      {"country", "\"UK\""},
      {"device", "\"desktop\""},
  });
}

inline Message CartEvent() {
  return Message({
      {"event_type", "\"cart_events\""},
      {"event_id", "\"CART-1\""},
      {"user_id", "\"USER-1\""},
      {"session_id", "\"SESS-1\""},
      {"product_id", "\"PROD-1\""},
      {"category", "\"Books\""},
      {"timestamp", "\"2024-03-05T14:22:31+01:00\""},
      {"action", "\"add\""},
      {"quantity", "2"},
      {"price", "12.5"},
  });
}

inline Message InventoryUpdate() {
  return Message({
      {"event_type", "\"inventory_updates\""},
      {"event_id", "\"INV-1\""},
      {"product_id", "\"PROD-1\""},
      {"timestamp", "\"2024-03-05T14:22:31Z\""},
      {"change", "-3"},
      {"reason", "\"restock\""},
  });
}

inline Message ForTopic(Topic topic) {
  switch (topic) {
    case Topic::kTransactions:
      return Transaction();
    case Topic::kProductViews:
      return ProductView();
    case Topic::kCartEvents:
      return CartEvent();
    case Topic::kInventoryUpdates:
      return InventoryUpdate();
  }
  return Transaction();
}

}  // namespace testing_messages
}  // namespace gm::events
