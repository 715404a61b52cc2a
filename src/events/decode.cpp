// The event decoder: simdjson On Demand over a reusable padded copy of the payload, with
// one decoder per topic built from the validating readers of internal/json_reader.h.

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <limits>
#include <optional>

#include "events/codec.h"
#include "events/internal/flat_json.h"
#include "events/internal/json_document.h"
#include "events/internal/json_reader.h"
#include "events/internal/json_text.h"

namespace gm::events {
namespace {

namespace od = simdjson::ondemand;
using internal::CheckRequired;
using internal::FieldPath;
using internal::ForEachField;
using internal::kAnyLength;
using internal::kMaxIdBytes;
using internal::ReadEnum;
using internal::ReadInteger;
using internal::ReadMoney;
using internal::ReadString;
using internal::ReadTimestamp;

constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();
// Stock levels and deltas stay within ±10^15 units so running sums cannot overflow.
constexpr int64_t kMaxStockUnits = 1'000'000'000'000'000;
// Line items per transaction: far above any real order, and within the archive's smallint
// line numbers (transaction_items.line_no), so a huge array is a dead letter, not a failed
// checkpoint.
constexpr size_t kMaxLineItems = 10'000;

// Each topic's fields, indexed by the enum that follows; "event_type" is known everywhere
// (its value is checked before dispatch, or ignored when the caller names the topic).

constexpr std::array<std::string_view, 4> kLineItemFields = {"product_id", "category", "quantity",
                                                             "price"};
enum LineItemField { kItemProductId, kItemCategory, kItemQuantity, kItemPrice };

// The decoders below are templates over the object type: od::object (the simdjson path)
// or internal::FlatObject (the fast path), with the same field rules for both.

template <typename Object>
Status DecodeLineItem(Object& obj, const FieldPath& at, LineItem& item) {
  item.category.clear();
  uint32_t present = 0;
  Status s =
      ForEachField(obj, kLineItemFields, at, &present, [&](int id, auto& v, bool* given) -> Status {
        const FieldPath path{kLineItemFields[id], at.array, at.index};
        int64_t quantity = 0;
        switch (id) {
          case kItemProductId:
            return ReadString(v, path, true, kMaxIdBytes, item.product_id, given);
          case kItemCategory:
            return ReadString(v, path, false, kAnyLength, item.category, given);
          case kItemQuantity: {
            Status r = ReadInteger(v, path, 1, kMaxInt32, &quantity, given);
            item.quantity = static_cast<int32_t>(quantity);
            return r;
          }
          case kItemPrice:
            return ReadMoney(v, path, &item.price, given);
        }
        return internal::SkipValue(v, 1);
      });
  if (!s.ok()) return s;
  static constexpr std::array kRequired = {int{kItemProductId}, int{kItemQuantity},
                                           int{kItemPrice}};
  return CheckRequired(present, kLineItemFields, kRequired, at);
}

// Fills `items` in place, reusing the elements (and their string capacity) already there.
Status DecodeLineItems(od::value& v, std::vector<LineItem>& items, bool* given) {
  const FieldPath path{"products"};
  od::json_type type;
  if (auto error = v.type().get(type)) return internal::JsonError(error);
  if (type == od::json_type::null) return internal::SkipValue(v);  // absent
  if (type != od::json_type::array) return internal::WrongType(v, path, "an array");
  od::array arr;
  if (auto error = v.get_array().get(arr)) return internal::JsonError(error);
  size_t count = 0;
  for (auto element_result : arr) {
    od::value element;
    if (auto error = std::move(element_result).get(element)) return internal::JsonError(error);
    const FieldPath at{"", "products", static_cast<int>(count)};
    od::object obj;
    if (auto error = element.type().get(type)) return internal::JsonError(error);
    if (count == kMaxLineItems) {
      return InvalidArgument(
          fmt::format("field 'products' has more than {} line items", kMaxLineItems));
    }
    if (type != od::json_type::object) return internal::WrongType(element, at, "an object");
    if (auto error = element.get_object().get(obj)) return internal::JsonError(error);
    if (count == items.size()) items.emplace_back();
    if (Status s = DecodeLineItem(obj, at, items[count]); !s.ok()) return s;
    ++count;
  }
  if (count == 0) return InvalidArgument("field 'products' must not be empty");
  items.resize(count);
  *given = true;
  return Status::Ok();
}

// DecodeLineItems on the fast path: an array of flat objects (anything else gives up).
Status DecodeLineItems(internal::FlatValue& v, std::vector<LineItem>& items, bool* given) {
  using Kind = internal::Scalar::Kind;
  if (v.scalar.kind == Kind::kNull) return Status::Ok();  // absent
  if (v.scalar.kind != Kind::kArray) return internal::GiveUp();
  internal::FlatReader& r = *v.reader;
  if (!r.Open('[')) return internal::GiveUp();
  size_t count = 0;
  for (bool first = true;; first = false) {
    bool more = false;
    if (!r.Next(']', first, &more)) return internal::GiveUp();
    if (!more) break;
    internal::Scalar element;
    if (count == kMaxLineItems) return internal::GiveUp();  // the other path says why
    if (!r.Value(&element) || element.kind != Kind::kObject) return internal::GiveUp();
    if (count == items.size()) items.emplace_back();
    internal::FlatObject obj{&r};
    const FieldPath at{"", "products", static_cast<int>(count)};
    if (Status s = DecodeLineItem(obj, at, items[count]); !s.ok()) return s;
    ++count;
  }
  if (count == 0) return internal::GiveUp();
  items.resize(count);
  v.consumed = true;
  *given = true;
  return Status::Ok();
}

constexpr std::array<std::string_view, 13> kTransactionFields = {
    "event_type",   "transaction_id", "user_id", "session_id", "timestamp", "products",
    "total_amount", "payment_method", "country", "city",       "currency",  "device"};
enum TransactionField {
  kTxnEventType,
  kTxnId,
  kTxnUserId,
  kTxnSessionId,
  kTxnTimestamp,
  kTxnProducts,
  kTxnTotal,
  kTxnPayment,
  kTxnCountry,
  kTxnCity,
  kTxnCurrency,
  kTxnDevice,
};

template <typename Object>
Status DecodeTransaction(Object& obj, Transaction& t) {
  t.session_id.clear();
  t.city.clear();
  t.currency.clear();
  t.device.clear();
  uint32_t present = 0;
  Status s = ForEachField(
      obj, kTransactionFields, {}, &present, [&](int id, auto& v, bool* given) -> Status {
        const FieldPath path{kTransactionFields[id]};
        switch (id) {
          case kTxnId:
            return ReadString(v, path, true, kMaxIdBytes, t.transaction_id, given);
          case kTxnUserId:
            return ReadString(v, path, true, kMaxIdBytes, t.user_id, given);
          case kTxnSessionId:
            return ReadString(v, path, false, kMaxIdBytes, t.session_id, given);
          case kTxnTimestamp:
            return ReadTimestamp(v, path, &t.timestamp, given);
          case kTxnProducts:
            return DecodeLineItems(v, t.products, given);
          case kTxnTotal:
            return ReadMoney(v, path, &t.total_amount, given);
          case kTxnPayment:
            return ReadString(v, path, true, kAnyLength, t.payment_method, given);
          case kTxnCountry:
            return ReadString(v, path, true, kAnyLength, t.country, given);
          case kTxnCity:
            return ReadString(v, path, false, kAnyLength, t.city, given);
          case kTxnCurrency:
            return ReadString(v, path, false, kAnyLength, t.currency, given);
          case kTxnDevice:
            return ReadString(v, path, false, kAnyLength, t.device, given);
        }
        return internal::SkipValue(v, 1);  // event_type
      });
  if (!s.ok()) return s;
  static constexpr std::array kRequired = {int{kTxnId},       int{kTxnUserId}, int{kTxnTimestamp},
                                           int{kTxnProducts}, int{kTxnTotal},  int{kTxnPayment},
                                           int{kTxnCountry}};
  if (s = CheckRequired(present, kTransactionFields, kRequired, {}); !s.ok()) return s;
  // Line items are the truth downstream; keep their sum inside the money range.
  if (t.LineItemsTotal() > internal::kMaxCents) {
    return InvalidArgument("the line items' total (Σ quantity × price) is out of range");
  }
  return Status::Ok();
}

constexpr std::array<std::string_view, 10> kViewFields = {
    "event_type", "event_id",  "user_id",          "session_id", "product_id",
    "category",   "timestamp", "duration_seconds", "country",    "device"};
enum ViewField {
  kViewEventType,
  kViewId,
  kViewUserId,
  kViewSessionId,
  kViewProductId,
  kViewCategory,
  kViewTimestamp,
  kViewDuration,
  kViewCountry,
  kViewDevice,
};

template <typename Object>
Status DecodeProductView(Object& obj, ProductView& pv) {
  pv.country.clear();
  pv.device.clear();
  uint32_t present = 0;
  Status s =
      ForEachField(obj, kViewFields, {}, &present, [&](int id, auto& v, bool* given) -> Status {
        const FieldPath path{kViewFields[id]};
        int64_t duration = 0;
        switch (id) {
          case kViewId:
            return ReadString(v, path, true, kMaxIdBytes, pv.event_id, given);
          case kViewUserId:
            return ReadString(v, path, true, kMaxIdBytes, pv.user_id, given);
          case kViewSessionId:
            return ReadString(v, path, true, kMaxIdBytes, pv.session_id, given);
          case kViewProductId:
            return ReadString(v, path, true, kMaxIdBytes, pv.product_id, given);
          case kViewCategory:
            return ReadString(v, path, true, kAnyLength, pv.category, given);
          case kViewTimestamp:
            return ReadTimestamp(v, path, &pv.timestamp, given);
          case kViewDuration: {
            Status r = ReadInteger(v, path, 0, kMaxInt32, &duration, given);
            pv.duration_seconds = static_cast<int32_t>(duration);
            return r;
          }
          case kViewCountry:
            return ReadString(v, path, false, kAnyLength, pv.country, given);
          case kViewDevice:
            return ReadString(v, path, false, kAnyLength, pv.device, given);
        }
        return internal::SkipValue(v, 1);
      });
  if (!s.ok()) return s;
  static constexpr std::array kRequired = {
      int{kViewId},       int{kViewUserId},    int{kViewSessionId}, int{kViewProductId},
      int{kViewCategory}, int{kViewTimestamp}, int{kViewDuration}};
  return CheckRequired(present, kViewFields, kRequired, {});
}

constexpr std::array<std::string_view, 10> kCartFields = {
    "event_type", "event_id",  "user_id", "session_id", "product_id",
    "category",   "timestamp", "action",  "quantity",   "price"};
enum CartField {
  kCartEventType,
  kCartId,
  kCartUserId,
  kCartSessionId,
  kCartProductId,
  kCartCategory,
  kCartTimestamp,
  kCartAction,
  kCartQuantity,
  kCartPrice,
};
// In CartAction order.
constexpr std::string_view kCartActions[] = {"add", "remove", "update"};

template <typename Object>
Status DecodeCartEvent(Object& obj, CartEvent& c) {
  c.category.clear();
  c.price.reset();
  int64_t quantity = 0;
  uint32_t present = 0;
  Status s =
      ForEachField(obj, kCartFields, {}, &present, [&](int id, auto& v, bool* given) -> Status {
        const FieldPath path{kCartFields[id]};
        size_t action = 0;
        Cents price = 0;
        switch (id) {
          case kCartId:
            return ReadString(v, path, true, kMaxIdBytes, c.event_id, given);
          case kCartUserId:
            return ReadString(v, path, true, kMaxIdBytes, c.user_id, given);
          case kCartSessionId:
            return ReadString(v, path, true, kMaxIdBytes, c.session_id, given);
          case kCartProductId:
            return ReadString(v, path, true, kMaxIdBytes, c.product_id, given);
          case kCartCategory:
            return ReadString(v, path, false, kAnyLength, c.category, given);
          case kCartTimestamp:
            return ReadTimestamp(v, path, &c.timestamp, given);
          case kCartAction: {
            Status r = ReadEnum(v, path, kCartActions, std::size(kCartActions),
                                "add, remove or update", &action, given);
            c.action = static_cast<CartAction>(action);
            return r;
          }
          case kCartQuantity:
            // ≥ 1 for add and update is checked below, once the action is
            // known.
            return ReadInteger(v, path, 0, kMaxInt32, &quantity, given);
          case kCartPrice: {
            Status r = ReadMoney(v, path, &price, given);
            if (*given) c.price = price;
            return r;
          }
        }
        return internal::SkipValue(v, 1);
      });
  if (!s.ok()) return s;
  static constexpr std::array kRequired = {int{kCartId},        int{kCartUserId},
                                           int{kCartSessionId}, int{kCartProductId},
                                           int{kCartTimestamp}, int{kCartAction}};
  if (s = CheckRequired(present, kCartFields, kRequired, {}); !s.ok()) return s;
  // A remove empties the line, so its quantity is optional (default 0).
  const bool has_quantity = present & (uint32_t{1} << kCartQuantity);
  if (c.action != CartAction::kRemove) {
    if (!has_quantity) return internal::MissingField({"quantity"});
    if (quantity < 1) {
      return InvalidArgument(fmt::format("field 'quantity' must be ≥ 1 for action '{}', got {}",
                                         CartActionName(c.action), quantity));
    }
  }
  c.quantity = has_quantity ? static_cast<int32_t>(quantity) : 0;
  return Status::Ok();
}

constexpr std::array<std::string_view, 7> kInventoryFields = {
    "event_type", "event_id", "product_id", "timestamp", "change", "stock", "reason"};
enum InventoryField {
  kInvEventType,
  kInvId,
  kInvProductId,
  kInvTimestamp,
  kInvChange,
  kInvStock,
  kInvReason,
};

template <typename Object>
Status DecodeInventoryUpdate(Object& obj, InventoryUpdate& u) {
  u.change.reset();
  u.stock.reset();
  uint32_t present = 0;
  Status s = ForEachField(
      obj, kInventoryFields, {}, &present, [&](int id, auto& v, bool* given) -> Status {
        const FieldPath path{kInventoryFields[id]};
        int64_t value = 0;
        Status r;
        switch (id) {
          case kInvId:
            return ReadString(v, path, true, kMaxIdBytes, u.event_id, given);
          case kInvProductId:
            return ReadString(v, path, true, kMaxIdBytes, u.product_id, given);
          case kInvTimestamp:
            return ReadTimestamp(v, path, &u.timestamp, given);
          case kInvChange:
            r = ReadInteger(v, path, -kMaxStockUnits, kMaxStockUnits, &value, given);
            if (*given) u.change = value;
            return r;
          case kInvStock:
            r = ReadInteger(v, path, 0, kMaxStockUnits, &value, given);
            if (*given) u.stock = value;
            return r;
          case kInvReason:
            return ReadString(v, path, true, kAnyLength, u.reason, given);
        }
        return internal::SkipValue(v, 1);
      });
  if (!s.ok()) return s;
  static constexpr std::array kRequired = {int{kInvId}, int{kInvProductId}, int{kInvTimestamp}};
  if (s = CheckRequired(present, kInventoryFields, kRequired, {}); !s.ok()) return s;
  if (u.change && u.stock) {
    return InvalidArgument("fields 'change' and 'stock' are mutually exclusive, got both");
  }
  if (!u.change && !u.stock) return InvalidArgument("missing required field 'change' or 'stock'");
  static constexpr std::array kRequiredLast = {int{kInvReason}};
  return CheckRequired(present, kInventoryFields, kRequiredLast, {});
}

template <typename Object>
Status DecodeTopic(Topic topic, Object& obj, Event& out) {
  switch (topic) {
    case Topic::kTransactions:
      return DecodeTransaction(obj, out.transaction);
    case Topic::kProductViews:
      return DecodeProductView(obj, out.view);
    case Topic::kCartEvents:
      return DecodeCartEvent(obj, out.cart);
    case Topic::kInventoryUpdates:
      return DecodeInventoryUpdate(obj, out.inventory);
  }
  return internal::GiveUp();
}

// The fast path (internal/flat_json.h): true when it read the whole message into
// out's member for `topic`; false means nothing (out may be half written).
bool DecodeFlat(Topic topic, std::string_view payload, Event& out) {
  internal::FlatReader reader(payload);
  internal::FlatObject obj{&reader};
  return DecodeTopic(topic, obj, out).ok() && reader.AtEnd();
}

}  // namespace

struct Decoder::Impl {
  explicit Impl(size_t max_bytes) : max_message_bytes(max_bytes), parser(max_bytes) {}

  // Copies `payload` into the reusable padded buffer simdjson needs (it reads up to
  // SIMDJSON_PADDING bytes past the end); grows geometrically, never shrinks.
  const char* Pad(std::string_view payload) {
    const size_t needed = payload.size() + simdjson::SIMDJSON_PADDING;
    if (needed > buffer_capacity) {
      buffer_capacity = std::max(
          needed, std::min(2 * buffer_capacity, max_message_bytes) + simdjson::SIMDJSON_PADDING);
      buffer = std::make_unique_for_overwrite<char[]>(buffer_capacity);
    }
    std::copy(payload.begin(), payload.end(), buffer.get());
    std::fill_n(buffer.get() + payload.size(), simdjson::SIMDJSON_PADDING, '\0');
    return buffer.get();
  }

  // The parser allocates exactly the document size when it is too small; growing it
  // geometrically here keeps a slowly growing stream of messages from reallocating each time.
  Status Reserve(size_t size) {
    if (parser.capacity() >= size) return Status::Ok();
    const size_t capacity =
        std::max(size, std::min(std::max<size_t>(2 * parser.capacity(), 4096), max_message_bytes));
    if (parser.allocate(capacity) != simdjson::SUCCESS) {
      return Status(ErrorCode::kResourceExhausted, "out of memory for the JSON parser");
    }
    return Status::Ok();
  }

  const size_t max_message_bytes;
  od::parser parser;
  std::unique_ptr<char[]> buffer;
  size_t buffer_capacity = 0;
};

Decoder::Decoder(size_t max_message_bytes) : impl_(std::make_unique<Impl>(max_message_bytes)) {}

Decoder::~Decoder() = default;

Status Decoder::Decode(std::optional<Topic> topic, std::string_view payload, Event& out) {
  Impl& impl = *impl_;
  // The cap comes first: nothing of an oversized message is copied or scanned.
  if (payload.size() > impl.max_message_bytes) {
    return InvalidArgument(fmt::format("message of {} bytes exceeds the {}-byte limit",
                                       payload.size(), impl.max_message_bytes));
  }
  // Messages the way producers write them take the fast path; anything it is unsure of is
  // decoded again by simdjson, which also explains every rejection.
  if (const std::optional<Topic> fast =
          topic ? topic : internal::TopicFromCanonicalPrefix(payload)) {
    if (DecodeFlat(*fast, payload, out)) {
      out.topic = *fast;
      return Status::Ok();
    }
  }
  if (Status s = impl.Reserve(payload.size()); !s.ok()) return s;
  const char* json = impl.Pad(payload);
  od::document doc;
  if (auto error = impl.parser.iterate(json, payload.size(), impl.buffer_capacity).get(doc)) {
    if (error == simdjson::UTF8_ERROR) {
      return InvalidArgument(
          fmt::format("invalid UTF-8 at byte {}", internal::FindInvalidUtf8(payload)));
    }
    return internal::JsonError(error);
  }
  od::json_type type;
  if (auto error = doc.type().get(type)) return internal::JsonError(error);
  if (type != od::json_type::object) return internal::NotAnObject(doc, payload, type);
  if (!topic) topic = internal::TopicFromCanonicalPrefix(payload);
  if (!topic) {
    Result<Topic> named = internal::ReadEventType(doc);
    if (!named.ok()) return named.status();
    topic = *named;
  }
  od::object obj;
  if (auto error = doc.get_object().get(obj)) return internal::JsonError(error);
  if (Status s = DecodeTopic(*topic, obj, out); !s.ok()) return s;
  // On Demand stops at the object's closing brace; anything after it means the payload
  // is not one JSON document.
  const char* trailing = nullptr;
  if (!doc.current_location().get(trailing)) {
    return InvalidArgument("invalid JSON: unexpected content after the top-level object");
  }
  out.topic = *topic;
  return Status::Ok();
}

}  // namespace gm::events
