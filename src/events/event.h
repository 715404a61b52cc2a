#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/money.h"
#include "common/time.h"

namespace gm::events {

//! The four shop topics of the event contract (docs/events.md).
enum class Topic : uint8_t {
  kTransactions = 0,
  kProductViews = 1,
  kCartEvents = 2,
  kInventoryUpdates = 3,
};
inline constexpr int kTopicCount = 4;
inline constexpr Topic kAllTopics[] = {Topic::kTransactions, Topic::kProductViews,
                                       Topic::kCartEvents, Topic::kInventoryUpdates};

//! "transactions", "product_views", "cart_events", "inventory_updates".
std::string_view TopicName(Topic topic);
//! The inverse of TopicName; nullopt for any other string.
std::optional<Topic> TopicFromName(std::string_view name);

// Event structs are designed for reuse: a decoder or generator fills the same object
// again and again, so the strings and vectors keep their capacity and the hot path does
// not allocate. Optional string fields are empty when absent.

struct LineItem {
  std::string product_id;
  std::string category;  //!< optional
  int32_t quantity = 0;  //!< ≥ 1
  Cents price = 0;       //!< ≥ 0, per unit

  bool operator==(const LineItem&) const = default;
};

struct Transaction {
  std::string transaction_id;
  std::string user_id;
  std::string session_id;  //!< optional
  Micros timestamp = 0;
  std::vector<LineItem> products;  //!< at least one
  Cents total_amount = 0;          //!< as sent; the line items are the truth
  std::string payment_method;
  std::string country;
  std::string city;      //!< optional
  std::string currency;  //!< optional
  std::string device;    //!< optional

  //! Σ quantity × price over the line items, in cents. Saturates at the int64 limits
  //! instead of overflowing (Decoder rejects events whose total leaves the money range).
  Cents LineItemsTotal() const;

  bool operator==(const Transaction&) const = default;
};

struct ProductView {
  std::string event_id;
  std::string user_id;
  std::string session_id;
  std::string product_id;
  std::string category;
  Micros timestamp = 0;
  int32_t duration_seconds = 0;  //!< ≥ 0
  std::string country;           //!< optional
  std::string device;            //!< optional

  bool operator==(const ProductView&) const = default;
};

enum class CartAction : uint8_t { kAdd, kRemove, kUpdate };
std::string_view CartActionName(CartAction action);

struct CartEvent {
  std::string event_id;
  std::string user_id;
  std::string session_id;
  std::string product_id;
  std::string category;  //!< optional
  Micros timestamp = 0;
  CartAction action = CartAction::kAdd;
  int32_t quantity = 0;        //!< ≥ 1 for add/update, ≥ 0 for remove
  std::optional<Cents> price;  //!< per unit, optional

  bool operator==(const CartEvent&) const = default;
};

struct InventoryUpdate {
  std::string event_id;
  std::string product_id;
  Micros timestamp = 0;
  //! Exactly one of change (signed delta) and stock (absolute level, ≥ 0) is set.
  std::optional<int64_t> change;
  std::optional<int64_t> stock;
  std::string reason;

  bool operator==(const InventoryUpdate&) const = default;
};

//! One decoded event of any topic. Only the member named by `topic` is meaningful; the
//! others keep their capacity for the next decode.
struct Event {
  Topic topic = Topic::kTransactions;
  Transaction transaction;
  ProductView view;
  CartEvent cart;
  InventoryUpdate inventory;

  //! The event time of the active member.
  Micros timestamp() const;
  //! transaction_id or event_id of the active member (the dedup key).
  std::string_view id() const;
  //! The partitioning key: user_id, or product_id for inventory updates.
  std::string_view key() const;

  //! Same topic and equal active members; the inactive members are ignored.
  bool operator==(const Event& other) const;
};

}  // namespace gm::events
