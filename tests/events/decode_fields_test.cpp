// Field-level rules of the decoder (docs/events.md): required and optional fields,
// types, values, timestamps, numbers given as strings and money rounding.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "events/codec.h"
#include "test_messages.h"

namespace gm::events {
namespace {

namespace msg = testing_messages;
using ::testing::HasSubstr;

constexpr Micros kBase = 1709648551 * kMicrosPerSecond;  // 2024-03-05T14:22:31Z

Status DecodeJson(Topic topic, const std::string& json, Event* out = nullptr) {
  static Decoder decoder;
  Event scratch;
  return decoder.Decode(topic, json, out ? *out : scratch);
}

std::string Repeat(char c, size_t n) { return std::string(n, c); }

// --- Required and optional fields ------------------------------------------------------

const std::map<Topic, std::vector<std::string>> kRequiredFields = {
    {Topic::kTransactions,
     {"transaction_id", "user_id", "timestamp", "products", "total_amount", "payment_method",
      "country"}},
    {Topic::kProductViews,
     {"event_id", "user_id", "session_id", "product_id", "category", "timestamp",
      "duration_seconds"}},
    {Topic::kCartEvents,
     {"event_id", "user_id", "session_id", "product_id", "timestamp", "action", "quantity"}},
    {Topic::kInventoryUpdates, {"event_id", "product_id", "timestamp", "reason"}},
};

TEST(DecodeFieldsTest, EveryRequiredFieldMissingOrNullIsRejected) {
  for (const auto& [topic, fields] : kRequiredFields) {
    for (const std::string& field : fields) {
      const std::string expected = "missing required field '" + field + "'";
      SCOPED_TRACE(std::string(TopicName(topic)) + "." + field);
      Status absent = DecodeJson(topic, msg::ForTopic(topic).Without(field).Json());
      EXPECT_EQ(absent.code(), ErrorCode::kInvalidArgument);
      EXPECT_EQ(absent.message(), expected);
      EXPECT_EQ(DecodeJson(topic, msg::ForTopic(topic).With(field, "null").Json()).message(),
                expected);
    }
  }
}

TEST(DecodeFieldsTest, EveryRequiredLineItemFieldMissingOrNullIsRejected) {
  const std::string item_fields[] = {"product_id", "quantity", "price"};
  for (const std::string& field : item_fields) {
    SCOPED_TRACE(field);
    msg::Message item({{"product_id", "\"P\""}, {"quantity", "1"}, {"price", "1.00"}});
    const std::string expected = "missing required field 'products[0]." + field + "'";
    EXPECT_EQ(DecodeJson(Topic::kTransactions,
                         msg::TransactionWithItem(item.Without(field).Json()).Json())
                  .message(),
              expected);
    EXPECT_EQ(DecodeJson(Topic::kTransactions,
                         msg::TransactionWithItem(item.With(field, "null").Json()).Json())
                  .message(),
              expected);
  }
}

TEST(DecodeFieldsTest, OptionalFieldsMayBeAbsentOrNull) {
  const std::map<Topic, std::vector<std::string>> optional = {
      {Topic::kTransactions, {"session_id", "city", "currency", "device"}},
      {Topic::kProductViews, {"country", "device"}},
      {Topic::kCartEvents, {"category", "price"}},
  };
  for (const auto& [topic, fields] : optional) {
    for (const std::string& field : fields) {
      SCOPED_TRACE(std::string(TopicName(topic)) + "." + field);
      Event absent, null, empty;
      ASSERT_TRUE(DecodeJson(topic, msg::ForTopic(topic).Without(field).Json(), &absent).ok());
      ASSERT_TRUE(DecodeJson(topic, msg::ForTopic(topic).With(field, "null").Json(), &null).ok());
      EXPECT_EQ(absent, null);
      if (field != "price") {  // an empty optional string is the same as none
        ASSERT_TRUE(
            DecodeJson(topic, msg::ForTopic(topic).With(field, "\"\"").Json(), &empty).ok());
        EXPECT_EQ(absent, empty);
      }
    }
  }
  Event e;
  ASSERT_TRUE(
      DecodeJson(Topic::kTransactions, msg::Transaction().With("session_id", "null").Json(), &e)
          .ok());
  EXPECT_EQ(e.transaction.session_id, "");
  ASSERT_TRUE(
      DecodeJson(Topic::kCartEvents, msg::CartEvent().With("price", "null").Json(), &e).ok());
  EXPECT_FALSE(e.cart.price.has_value());
  ASSERT_TRUE(DecodeJson(Topic::kTransactions,
                         msg::TransactionWithItem(R"({"product_id":"P","category":null,)"
                                                  R"("quantity":1,"price":1})")
                             .Json(),
                         &e)
                  .ok());
  EXPECT_EQ(e.transaction.products[0].category, "");
}

// --- Wrong types -------------------------------------------------------------------------

enum class Kind { kString, kInteger, kMoney, kTimestamp, kProducts, kAction };

struct TypedField {
  Topic topic;
  std::string field;
  Kind kind;
};

const std::vector<TypedField> kTypedFields = {
    {Topic::kTransactions, "transaction_id", Kind::kString},
    {Topic::kTransactions, "user_id", Kind::kString},
    {Topic::kTransactions, "session_id", Kind::kString},
    {Topic::kTransactions, "timestamp", Kind::kTimestamp},
    {Topic::kTransactions, "products", Kind::kProducts},
    {Topic::kTransactions, "total_amount", Kind::kMoney},
    {Topic::kTransactions, "payment_method", Kind::kString},
    {Topic::kTransactions, "country", Kind::kString},
    {Topic::kTransactions, "city", Kind::kString},
    {Topic::kTransactions, "currency", Kind::kString},
    {Topic::kTransactions, "device", Kind::kString},
    {Topic::kProductViews, "event_id", Kind::kString},
    {Topic::kProductViews, "user_id", Kind::kString},
    {Topic::kProductViews, "session_id", Kind::kString},
    {Topic::kProductViews, "product_id", Kind::kString},
    {Topic::kProductViews, "category", Kind::kString},
    {Topic::kProductViews, "timestamp", Kind::kTimestamp},
    {Topic::kProductViews, "duration_seconds", Kind::kInteger},
    {Topic::kProductViews, "country", Kind::kString},
    {Topic::kProductViews, "device", Kind::kString},
    {Topic::kCartEvents, "event_id", Kind::kString},
    {Topic::kCartEvents, "user_id", Kind::kString},
    {Topic::kCartEvents, "session_id", Kind::kString},
    {Topic::kCartEvents, "product_id", Kind::kString},
    {Topic::kCartEvents, "category", Kind::kString},
    {Topic::kCartEvents, "timestamp", Kind::kTimestamp},
    {Topic::kCartEvents, "action", Kind::kAction},
    {Topic::kCartEvents, "quantity", Kind::kInteger},
    {Topic::kCartEvents, "price", Kind::kMoney},
    {Topic::kInventoryUpdates, "event_id", Kind::kString},
    {Topic::kInventoryUpdates, "product_id", Kind::kString},
    {Topic::kInventoryUpdates, "timestamp", Kind::kTimestamp},
    {Topic::kInventoryUpdates, "change", Kind::kInteger},
    {Topic::kInventoryUpdates, "reason", Kind::kString},
};

// (raw JSON value, how the reason shows it) pairs that are wrong for the kind.
std::vector<std::pair<std::string, std::string>> WrongValues(Kind kind) {
  std::vector<std::pair<std::string, std::string>> values = {
      {"true", "true"}, {"false", "false"}, {R"({"a":1})", "an object"}, {"[1]", "an array"}};
  if (kind == Kind::kString || kind == Kind::kTimestamp || kind == Kind::kAction) {
    values.emplace_back("123", "123");
    values.emplace_back("-1.5e3", "-1.5e3");
  } else {
    values.emplace_back("\"abc\"", "'abc'");
    values.emplace_back("\"\"", "''");
  }
  return values;
}

std::string Expectation(Kind kind) {
  switch (kind) {
    case Kind::kString:
      return "a string";
    case Kind::kInteger:
      return "an integer";
    case Kind::kMoney:
      return "a number";
    case Kind::kTimestamp:
      return "an ISO-8601 time string";
    case Kind::kProducts:
      return "an array";
    case Kind::kAction:
      return "add, remove or update";
  }
  return "";
}

TEST(DecodeFieldsTest, WrongTypeForEveryFieldIsRejectedWithTheValue) {
  for (const TypedField& f : kTypedFields) {
    for (const auto& [raw, shown] : WrongValues(f.kind)) {
      if (f.kind == Kind::kProducts && shown == "an array") continue;  // [1] is an array
      SCOPED_TRACE(std::string(TopicName(f.topic)) + "." + f.field + " = " + raw);
      EXPECT_EQ(DecodeJson(f.topic, msg::ForTopic(f.topic).With(f.field, raw).Json()).message(),
                "field '" + f.field + "' must be " + Expectation(f.kind) + ", got " + shown);
    }
  }
}

TEST(DecodeFieldsTest, WrongTypeForEveryLineItemFieldIsRejected) {
  const std::vector<std::pair<std::string, Kind>> fields = {{"product_id", Kind::kString},
                                                            {"category", Kind::kString},
                                                            {"quantity", Kind::kInteger},
                                                            {"price", Kind::kMoney}};
  msg::Message item(
      {{"product_id", "\"P\""}, {"category", "\"C\""}, {"quantity", "1"}, {"price", "1.00"}});
  for (const auto& [field, kind] : fields) {
    for (const auto& [raw, shown] : WrongValues(kind)) {
      SCOPED_TRACE(field + " = " + raw);
      EXPECT_EQ(
          DecodeJson(Topic::kTransactions,
                     msg::TransactionWithItem(item.With(field, raw).Json()).Json())
              .message(),
          "field 'products[0]." + field + "' must be " + Expectation(kind) + ", got " + shown);
    }
  }
}

// --- Impossible values -------------------------------------------------------------------

struct ValueCase {
  Topic topic;
  std::string json;
  std::string reason;
};

TEST(DecodeFieldsTest, ImpossibleValuesAreRejectedWithFieldPathAndValue) {
  const std::string long_id = Repeat('a', 257);
  const std::vector<ValueCase> cases = {
      {Topic::kTransactions, msg::Transaction().With("products", "[]").Json(),
       "field 'products' must not be empty"},
      {Topic::kTransactions, msg::Transaction().With("products", "[1]").Json(),
       "field 'products[0]' must be an object, got 1"},
      {Topic::kTransactions,
       msg::Transaction()
           .With("products", R"([{"product_id":"P","quantity":1,"price":1},)"
                             R"({"product_id":"Q","quantity":-2,"price":1}])")
           .Json(),
       "field 'products[1].quantity' must be ≥ 1, got -2"},
      {Topic::kTransactions,
       msg::TransactionWithItem(R"({"product_id":"P","quantity":0,"price":1})").Json(),
       "field 'products[0].quantity' must be ≥ 1, got 0"},
      {Topic::kTransactions,
       msg::TransactionWithItem(R"({"product_id":"P","quantity":3.5,"price":1})").Json(),
       "field 'products[0].quantity' must be an integer, got 3.5"},
      {Topic::kTransactions,
       msg::TransactionWithItem(R"({"product_id":"P","quantity":1e10,"price":1})").Json(),
       "field 'products[0].quantity' must be ≤ 2147483647, got 1e10"},
      {Topic::kTransactions,
       msg::TransactionWithItem(R"({"product_id":"P","quantity":1,"price":-1.5})").Json(),
       "field 'products[0].price' must be ≥ 0, got -1.5"},
      {Topic::kTransactions,
       msg::TransactionWithItem(R"({"product_id":"P","quantity":1,"price":1e16})").Json(),
       "field 'products[0].price' is out of range, got 1e16"},
      {Topic::kTransactions,
       msg::TransactionWithItem(R"({"product_id":"P","quantity":2147483647,"price":1e14})").Json(),
       "the line items' total (Σ quantity × price) is out of range"},
      {Topic::kTransactions,
       msg::TransactionWithItem(R"({"product_id":"","quantity":1,"price":1})").Json(),
       "field 'products[0].product_id' must not be empty"},
      {Topic::kTransactions,
       msg::TransactionWithItem(R"({"product_id":"P","product_id":"Q","quantity":1,"price":1})")
           .Json(),
       "duplicate field 'products[0].product_id'"},
      {Topic::kTransactions, msg::Transaction().With("total_amount", "-0.01").Json(),
       "field 'total_amount' must be ≥ 0, got -0.01"},
      {Topic::kTransactions, msg::Transaction().With("user_id", "\"\"").Json(),
       "field 'user_id' must not be empty"},
      {Topic::kTransactions, msg::Transaction().With("payment_method", "\"\"").Json(),
       "field 'payment_method' must not be empty"},
      {Topic::kTransactions, msg::Transaction().With("user_id", "\"" + long_id + "\"").Json(),
       "field 'user_id' must be at most 256 bytes long, got '" + Repeat('a', 64) + "...'"},
      {Topic::kTransactions, msg::Transaction().With("user_id", R"("a\u0000b")").Json(),
       "field 'user_id' must not contain NUL characters, got 'a\\u0000b'"},
      {Topic::kTransactions, "{\"user_id\":\"U2\"," + msg::Transaction().Json().substr(1),
       "duplicate field 'user_id'"},
      {Topic::kProductViews, msg::ProductView().With("duration_seconds", "-1").Json(),
       "field 'duration_seconds' must be ≥ 0, got -1"},
      {Topic::kProductViews, msg::ProductView().With("duration_seconds", "12.5").Json(),
       "field 'duration_seconds' must be an integer, got 12.5"},
      {Topic::kCartEvents, msg::CartEvent().With("action", "\"purchase\"").Json(),
       "field 'action' must be add, remove or update, got 'purchase'"},
      {Topic::kCartEvents, msg::CartEvent().With("action", "\"ADD\"").Json(),
       "field 'action' must be add, remove or update, got 'ADD'"},
      {Topic::kCartEvents, msg::CartEvent().With("price", "-1").Json(),
       "field 'price' must be ≥ 0, got -1"},
      {Topic::kCartEvents, msg::CartEvent().With("timestamp", "\"yesterday\"").Json(),
       "field 'timestamp' is not an ISO-8601 time: 'yesterday'"},
      {Topic::kInventoryUpdates, msg::InventoryUpdate().With("change", "1e16").Json(),
       "field 'change' must be ≤ 1000000000000000, got 1e16"},
      {Topic::kInventoryUpdates, msg::InventoryUpdate().With("reason", "\"\"").Json(),
       "field 'reason' must not be empty"},
  };
  for (const ValueCase& c : cases) {
    SCOPED_TRACE(c.json);
    EXPECT_EQ(DecodeJson(c.topic, c.json).message(), c.reason);
  }
}

TEST(DecodeFieldsTest, IdsUpTo256BytesAreAccepted) {
  Event e;
  const std::string id = Repeat('x', 256);
  ASSERT_TRUE(DecodeJson(Topic::kTransactions,
                         msg::Transaction().With("transaction_id", "\"" + id + "\"").Json(), &e)
                  .ok());
  EXPECT_EQ(e.transaction.transaction_id, id);
}

TEST(DecodeFieldsTest, EchoedValuesAreTruncated) {
  const std::string long_value = Repeat('y', 1000);
  const Status s = DecodeJson(
      Topic::kProductViews, msg::ProductView().With("timestamp", "\"" + long_value + "\"").Json());
  EXPECT_EQ(s.message(), "field 'timestamp' is not an ISO-8601 time: '" + Repeat('y', 64) + "...'");
}

// --- Cart and inventory rules ------------------------------------------------------------

TEST(DecodeFieldsTest, CartQuantityDependsOnTheAction) {
  const msg::Message cart = msg::CartEvent();
  Event e;
  EXPECT_EQ(DecodeJson(Topic::kCartEvents, cart.With("quantity", "0").Json()).message(),
            "field 'quantity' must be ≥ 1 for action 'add', got 0");
  EXPECT_EQ(
      DecodeJson(Topic::kCartEvents, cart.With("action", "\"update\"").With("quantity", "0").Json())
          .message(),
      "field 'quantity' must be ≥ 1 for action 'update', got 0");
  EXPECT_EQ(
      DecodeJson(Topic::kCartEvents, cart.With("action", "\"update\"").Without("quantity").Json())
          .message(),
      "missing required field 'quantity'");
  EXPECT_EQ(DecodeJson(Topic::kCartEvents,
                       cart.With("action", "\"remove\"").With("quantity", "-1").Json())
                .message(),
            "field 'quantity' must be ≥ 0, got -1");

  ASSERT_TRUE(DecodeJson(Topic::kCartEvents,
                         cart.With("action", "\"remove\"").Without("quantity").Json(), &e)
                  .ok());
  EXPECT_EQ(e.cart.action, CartAction::kRemove);
  EXPECT_EQ(e.cart.quantity, 0);
  ASSERT_TRUE(DecodeJson(Topic::kCartEvents,
                         cart.With("action", "\"remove\"").With("quantity", "null").Json(), &e)
                  .ok());
  EXPECT_EQ(e.cart.quantity, 0);
  ASSERT_TRUE(DecodeJson(Topic::kCartEvents,
                         cart.With("action", "\"remove\"").With("quantity", "2").Json(), &e)
                  .ok());
  EXPECT_EQ(e.cart.quantity, 2);
  ASSERT_TRUE(DecodeJson(Topic::kCartEvents,
                         cart.With("action", "\"update\"").With("quantity", "5").Json(), &e)
                  .ok());
  EXPECT_EQ(e.cart.action, CartAction::kUpdate);
  EXPECT_EQ(e.cart.quantity, 5);
}

TEST(DecodeFieldsTest, InventoryNeedsExactlyOneOfChangeAndStock) {
  const msg::Message inv = msg::InventoryUpdate();
  Event e;
  ASSERT_TRUE(DecodeJson(Topic::kInventoryUpdates, inv.Json(), &e).ok());
  EXPECT_EQ(e.inventory.change, -3);
  EXPECT_FALSE(e.inventory.stock.has_value());

  ASSERT_TRUE(
      DecodeJson(Topic::kInventoryUpdates, inv.Without("change").With("stock", "100").Json(), &e)
          .ok());
  EXPECT_FALSE(e.inventory.change.has_value());
  EXPECT_EQ(e.inventory.stock, 100);

  ASSERT_TRUE(
      DecodeJson(Topic::kInventoryUpdates, inv.With("change", "null").With("stock", "0").Json(), &e)
          .ok());
  EXPECT_EQ(e.inventory.stock, 0);

  EXPECT_EQ(DecodeJson(Topic::kInventoryUpdates, inv.With("stock", "5").Json()).message(),
            "fields 'change' and 'stock' are mutually exclusive, got both");
  EXPECT_EQ(DecodeJson(Topic::kInventoryUpdates, inv.Without("change").Json()).message(),
            "missing required field 'change' or 'stock'");
  EXPECT_EQ(
      DecodeJson(Topic::kInventoryUpdates, inv.With("change", "null").With("stock", "null").Json())
          .message(),
      "missing required field 'change' or 'stock'");
  EXPECT_EQ(DecodeJson(Topic::kInventoryUpdates, inv.Without("change").With("stock", "-1").Json())
                .message(),
            "field 'stock' must be ≥ 0, got -1");
  EXPECT_EQ(
      DecodeJson(Topic::kInventoryUpdates, inv.Without("change").With("stock", "\"many\"").Json())
          .message(),
      "field 'stock' must be an integer, got 'many'");
}

// --- Timestamps --------------------------------------------------------------------------

TEST(DecodeFieldsTest, EveryTimestampVariantIsAccepted) {
  const std::vector<std::pair<std::string, Micros>> cases = {
      {"2024-03-05T14:22:31", kBase},  // naive = UTC, as Python's isoformat() writes
      {"2024-03-05T14:22:31Z", kBase},
      {"2024-03-05t14:22:31z", kBase},
      {"2024-03-05 14:22:31", kBase},
      {"2024-03-05T14:22", kBase - 31 * kMicrosPerSecond},
      {"2024-03-05T14:22:31.5", kBase + 500'000},
      {"2024-03-05T14:22:31.123456", kBase + 123'456},
      {"2024-03-05T14:22:31.123456789", kBase + 123'456},
      {"2024-03-05T14:22:31,25", kBase + 250'000},
      {"2024-03-05T14:22:31.123Z", kBase + 123'000},
      {"2024-03-05T14:22:31.123+00:00", kBase + 123'000},
      {"2024-03-05T15:22:31+01:00", kBase},
      {"2024-03-05T15:22:31+0100", kBase},
      {"2024-03-05T15:22:31+01", kBase},
      {"2024-03-05T09:22:31-05:00", kBase},
      {"2024-03-05T20:07:31+05:45", kBase},
      {"2024-03-06T00:22:31+10:00", kBase},
      {"2024-02-29T14:22:31Z", kBase - 5 * kMicrosPerDay},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    Event e;
    ASSERT_TRUE(DecodeJson(Topic::kProductViews,
                           msg::ProductView().With("timestamp", "\"" + text + "\"").Json(), &e)
                    .ok());
    EXPECT_EQ(e.view.timestamp, expected);
    EXPECT_EQ(e.timestamp(), expected);
  }
}

TEST(DecodeFieldsTest, BadTimestampsAreRejectedWithTheValue) {
  const std::vector<std::string> cases = {
      "yesterday",
      "",
      "2024-02-30T00:00:00",
      "2023-02-29T00:00:00",
      "2024-03-05",
      "2024-03-05T25:00:00",
      "2024-03-05T14:60:00",
      "1709648551",
      "2024-3-5T14:22:31",
      "2024-03-05T14:22:31+25:00",
      "2024-03-05T14:22:31 Z",
      "2024-03-05T14:22:31.Z",
      "05/03/2024 14:22",
      "2024-03-05T14:22:31ZZ",
  };
  for (const std::string& text : cases) {
    SCOPED_TRACE(text);
    EXPECT_EQ(DecodeJson(Topic::kTransactions,
                         msg::Transaction().With("timestamp", "\"" + text + "\"").Json())
                  .message(),
              "field 'timestamp' is not an ISO-8601 time: '" + text + "'");
  }
  EXPECT_EQ(
      DecodeJson(Topic::kTransactions, msg::Transaction().With("timestamp", "1709648551").Json())
          .message(),
      "field 'timestamp' must be an ISO-8601 time string, got 1709648551");
}

// --- Numbers given as strings, and money -------------------------------------------------

TEST(DecodeFieldsTest, IntegersMayBeGivenAsExactNumericText) {
  const std::vector<std::pair<std::string, int64_t>> accepted = {
      {"3", 3},     {"\"3\"", 3},     {"3.0", 3}, {"\"3.0\"", 3},
      {"30e-1", 3}, {"\"0.3e1\"", 3}, {"3E0", 3}, {"1e2", 100},
  };
  for (const auto& [raw, expected] : accepted) {
    SCOPED_TRACE(raw);
    Event e;
    ASSERT_TRUE(
        DecodeJson(Topic::kCartEvents, msg::CartEvent().With("quantity", raw).Json(), &e).ok());
    EXPECT_EQ(e.cart.quantity, expected);
  }
  const std::vector<std::pair<std::string, std::string>> rejected = {
      {"3.5", "3.5"},       {"\"3.5\"", "'3.5'"},
      {"\" 3\"", "' 3'"},   {"\"3 \"", "'3 '"},
      {"\"+3\"", "'+3'"},   {"\"03\"", "'03'"},
      {"\"0x3\"", "'0x3'"}, {"\"three\"", "'three'"},
      {"\"3e\"", "'3e'"},   {"0.30000000000000001e1", "0.30000000000000001e1"},
  };
  for (const auto& [raw, shown] : rejected) {
    SCOPED_TRACE(raw);
    EXPECT_EQ(
        DecodeJson(Topic::kCartEvents, msg::CartEvent().With("quantity", raw).Json()).message(),
        "field 'quantity' must be an integer, got " + shown);
  }
  Event e;
  ASSERT_TRUE(DecodeJson(Topic::kInventoryUpdates,
                         msg::InventoryUpdate().With("change", "\"-2\"").Json(), &e)
                  .ok());
  EXPECT_EQ(e.inventory.change, -2);
  ASSERT_TRUE(DecodeJson(Topic::kProductViews,
                         msg::ProductView().With("duration_seconds", "\"12\"").Json(), &e)
                  .ok());
  EXPECT_EQ(e.view.duration_seconds, 12);
}

TEST(DecodeFieldsTest, MoneyIsExactAndRoundsHalfToEven) {
  const std::vector<std::pair<std::string, Cents>> cases = {
      {"19.99", 1999},
      {"\"19.99\"", 1999},
      {"12", 1200},
      {"0", 0},
      {"-0", 0},
      {"0.001", 0},
      {"19.995", 2000},  // half: 9 is odd, round up
      {"19.985", 1998},  // half: 8 is even, stay
      {"0.125", 12},
      {"0.135", 14},
      {"0.005", 0},
      {"0.015", 2},
      {"1.005", 100},  // a double holds 1.00499999…: rounding via double gives the same here
      {"1.015", 102},  // but 1.01499999… as a double would give 101
      {"2.675", 268},  // and 2.67499999… would give 267
      {"19.98500000000000000000001", 1999},  // above half, beyond double precision
      {"19.99500000000000000000000", 2000},
      {"1e2", 10000},
      {"1.5E1", 1500},
      {"\"0.125\"", 12},
      {"1234567.891", 123456789},
  };
  for (const auto& [raw, cents] : cases) {
    SCOPED_TRACE(raw);
    Event e;
    ASSERT_TRUE(
        DecodeJson(Topic::kCartEvents, msg::CartEvent().With("price", raw).Json(), &e).ok());
    EXPECT_EQ(e.cart.price, cents);
  }
  EXPECT_EQ(
      DecodeJson(Topic::kCartEvents, msg::CartEvent().With("price", "\" 19.99\"").Json()).message(),
      "field 'price' must be a number, got ' 19.99'");
  EXPECT_EQ(
      DecodeJson(Topic::kCartEvents, msg::CartEvent().With("price", "\"$5\"").Json()).message(),
      "field 'price' must be a number, got '$5'");
}

TEST(DecodeFieldsTest, TotalAmountIsKeptAsSentAndLineItemsAreSummed) {
  Event e;
  ASSERT_TRUE(DecodeJson(Topic::kTransactions, msg::Transaction().Json(), &e).ok());
  EXPECT_EQ(e.transaction.total_amount, 42448);
  EXPECT_EQ(e.transaction.LineItemsTotal(), 2 * 19999 + 2450);
  // A mismatch is not bad input: it is flagged downstream (amount_mismatch).
  ASSERT_TRUE(
      DecodeJson(Topic::kTransactions, msg::Transaction().With("total_amount", "1.00").Json(), &e)
          .ok());
  EXPECT_EQ(e.transaction.total_amount, 100);
}

}  // namespace
}  // namespace gm::events
