#include "events/event.h"

#include <limits>

namespace gm::events {

std::string_view TopicName(Topic topic) {
  switch (topic) {
    case Topic::kTransactions:
      return "transactions";
    case Topic::kProductViews:
      return "product_views";
    case Topic::kCartEvents:
      return "cart_events";
    case Topic::kInventoryUpdates:
      return "inventory_updates";
  }
  return "unknown";
}

std::optional<Topic> TopicFromName(std::string_view name) {
  for (Topic topic : kAllTopics) {
    if (TopicName(topic) == name) return topic;
  }
  return std::nullopt;
}

std::string_view CartActionName(CartAction action) {
  switch (action) {
    case CartAction::kAdd:
      return "add";
    case CartAction::kRemove:
      return "remove";
    case CartAction::kUpdate:
      return "update";
  }
  return "unknown";
}

Cents Transaction::LineItemsTotal() const {
  // Saturating arithmetic: a hand-built Transaction may hold anything, and signed
  // overflow would be undefined behaviour.
  Cents total = 0;
  for (const LineItem& item : products) {
    Cents line;
    if (__builtin_mul_overflow(static_cast<Cents>(item.quantity), item.price, &line) ||
        __builtin_add_overflow(total, line, &total)) {
      const bool negative = (item.quantity < 0) != (item.price < 0);
      return negative ? std::numeric_limits<Cents>::min() : std::numeric_limits<Cents>::max();
    }
  }
  return total;
}

Micros Event::timestamp() const {
  switch (topic) {
    case Topic::kTransactions:
      return transaction.timestamp;
    case Topic::kProductViews:
      return view.timestamp;
    case Topic::kCartEvents:
      return cart.timestamp;
    case Topic::kInventoryUpdates:
      return inventory.timestamp;
  }
  return 0;
}

std::string_view Event::id() const {
  switch (topic) {
    case Topic::kTransactions:
      return transaction.transaction_id;
    case Topic::kProductViews:
      return view.event_id;
    case Topic::kCartEvents:
      return cart.event_id;
    case Topic::kInventoryUpdates:
      return inventory.event_id;
  }
  return {};
}

std::string_view Event::key() const {
  switch (topic) {
    case Topic::kTransactions:
      return transaction.user_id;
    case Topic::kProductViews:
      return view.user_id;
    case Topic::kCartEvents:
      return cart.user_id;
    case Topic::kInventoryUpdates:
      return inventory.product_id;
  }
  return {};
}

bool Event::operator==(const Event& other) const {
  if (topic != other.topic) return false;
  switch (topic) {
    case Topic::kTransactions:
      return transaction == other.transaction;
    case Topic::kProductViews:
      return view == other.view;
    case Topic::kCartEvents:
      return cart == other.cart;
    case Topic::kInventoryUpdates:
      return inventory == other.inventory;
  }
  return false;
}

}  // namespace gm::events
