// The encoder: exact output, string escaping, and Decode(Encode(e)) == e.

#include "events/codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "test_messages.h"

namespace gm::events {
namespace {

constexpr Micros kBase = 1709648551 * kMicrosPerSecond;  // 2024-03-05T14:22:31Z

Event SampleTransaction() {
  Event e;
  e.topic = Topic::kTransactions;
  e.transaction = {"TXN-1",
                   "USER-1",
                   "SESS-1",
                   kBase + 123'000,
                   {{"PROD-1", "Electronics", 2, 19999}, {"PROD-2", "", 1, 2450}},
                   42448,
                   "credit_card",
                   "USA",
                   "New York",
                   "USD",
                   "mobile"};
  return e;
}

Event SampleView() {
  Event e;
  e.topic = Topic::kProductViews;
  e.view = {"VIEW-1", "USER-1", "SESS-1", "PROD-1", "Electronics", kBase, 42, "UK", "desktop"};
  return e;
}

Event SampleCart() {
  Event e;
  e.topic = Topic::kCartEvents;
  e.cart = {"CART-1", "USER-1", "SESS-1", "PROD-1", "Books", kBase, CartAction::kAdd, 2, 1250};
  return e;
}

Event SampleInventory() {
  Event e;
  e.topic = Topic::kInventoryUpdates;
  e.inventory = {"INV-1", "PROD-1", kBase, std::nullopt, 500, "restock"};
  return e;
}

std::string EncodeToString(const Event& e) {
  std::string out;
  Encode(e, out);
  return out;
}

TEST(EncodeTest, WritesTheDocumentedFormat) {
  EXPECT_EQ(EncodeToString(SampleTransaction()),
            R"({"event_type":"transactions","transaction_id":"TXN-1","user_id":"USER-1",)"
            R"("session_id":"SESS-1","timestamp":"2024-03-05T14:22:31.123Z","products":[)"
            R"({"product_id":"PROD-1","category":"Electronics","quantity":2,"price":199.99},)"
            R"({"product_id":"PROD-2","quantity":1,"price":24.50}],"total_amount":424.48,)"
            R"("payment_method":"credit_card","country":"USA","city":"New York",)"
            R"("currency":"USD","device":"mobile"})");
  EXPECT_EQ(EncodeToString(SampleView()),
            R"({"event_type":"product_views","event_id":"VIEW-1","user_id":"USER-1",)"
            R"("session_id":"SESS-1","product_id":"PROD-1","category":"Electronics",)"
            R"("timestamp":"2024-03-05T14:22:31.000Z","duration_seconds":42,"country":"UK",)"
            R"("device":"desktop"})");
  EXPECT_EQ(EncodeToString(SampleCart()),
            R"({"event_type":"cart_events","event_id":"CART-1","user_id":"USER-1",)"
            R"("session_id":"SESS-1","product_id":"PROD-1","category":"Books",)"
            R"("timestamp":"2024-03-05T14:22:31.000Z","action":"add","quantity":2,"price":12.50})");
  EXPECT_EQ(EncodeToString(SampleInventory()),
            R"({"event_type":"inventory_updates","event_id":"INV-1","product_id":"PROD-1",)"
            R"("timestamp":"2024-03-05T14:22:31.000Z","stock":500,"reason":"restock"})");
}

TEST(EncodeTest, OmitsAbsentOptionalFields) {
  Event e = SampleTransaction();
  e.transaction.session_id.clear();
  e.transaction.city.clear();
  e.transaction.currency.clear();
  e.transaction.device.clear();
  const std::string json = EncodeToString(e);
  for (const char* key : {"session_id", "city", "currency", "device"}) {
    EXPECT_THAT(json, ::testing::Not(::testing::HasSubstr(key)));
  }
  Event cart = SampleCart();
  cart.cart.price.reset();
  cart.cart.category.clear();
  EXPECT_EQ(EncodeToString(cart),
            R"({"event_type":"cart_events","event_id":"CART-1","user_id":"USER-1",)"
            R"("session_id":"SESS-1","product_id":"PROD-1",)"
            R"("timestamp":"2024-03-05T14:22:31.000Z","action":"add","quantity":2})");
}

TEST(EncodeTest, AppendsToTheBuffer) {
  std::string out = "prefix\n";
  Encode(SampleView(), out);
  EXPECT_THAT(out, ::testing::StartsWith("prefix\n{\"event_type\":\"product_views\""));
  EncodeProductView(SampleView().view, out);
  EXPECT_EQ(out.size(), 7 + 2 * EncodeToString(SampleView()).size());
}

TEST(EncodeTest, EscapesStrings) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"plain", R"("plain")"},
      {"quote\"d", R"("quote\"d")"},
      {"back\\slash", R"("back\\slash")"},
      {"line\nbreak\r\ttab", R"("line\nbreak\r\ttab")"},
      {"\b\f", R"("\b\f")"},
      {std::string("nul\0x", 5), R"("nul\u0000x")"},
      {"\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\""},
      {"Zürich 😀", "\"Zürich 😀\""},
      {"</script>", R"("</script>")"},
  };
  for (const auto& [value, expected] : cases) {
    SCOPED_TRACE(expected);
    Event e = SampleView();
    e.view.category = value;
    EXPECT_THAT(EncodeToString(e), ::testing::HasSubstr("\"category\":" + expected + ","));
  }
}

TEST(EncodeTest, WritesMoneyWithTwoDecimalsAndIntegersExactly) {
  Event e = SampleCart();
  for (const auto& [cents, text] : std::vector<std::pair<Cents, std::string>>{
           {0, "0.00"}, {5, "0.05"}, {100, "1.00"}, {123456789, "1234567.89"}}) {
    e.cart.price = cents;
    EXPECT_THAT(EncodeToString(e), ::testing::HasSubstr("\"price\":" + text + "}"));
  }
  Event inv = SampleInventory();
  inv.inventory.stock.reset();
  inv.inventory.change = std::numeric_limits<int64_t>::min();
  EXPECT_THAT(EncodeToString(inv), ::testing::HasSubstr("\"change\":-9223372036854775808,"));
}

// Representative events of every topic, including edge cases of each field.
std::vector<Event> RoundTripEvents() {
  std::vector<Event> events = {SampleTransaction(), SampleView(), SampleCart(), SampleInventory()};
  Event minimal = SampleTransaction();
  minimal.transaction.session_id.clear();
  minimal.transaction.city.clear();
  minimal.transaction.currency.clear();
  minimal.transaction.device.clear();
  minimal.transaction.products = {{"P", "", 1, 0}};
  minimal.transaction.total_amount = 0;
  minimal.transaction.timestamp = -kMicrosPerDay + 1;  // 1969, with microseconds
  events.push_back(minimal);

  Event tricky = SampleTransaction();
  tricky.transaction.user_id = "user \"quoted\" \\ \n\t\x01 ünï 😀";
  tricky.transaction.city = std::string(300, 'c');
  tricky.transaction.products.assign(50, LineItem{"PROD-X", "Cat/\"Sub\"", 1000, 99999999});
  tricky.transaction.total_amount = 4999999950000;
  tricky.transaction.timestamp = 253402300799'999'999;  // 9999-12-31T23:59:59.999999Z
  events.push_back(tricky);

  Event remove = SampleCart();
  remove.cart.action = CartAction::kRemove;
  remove.cart.quantity = 0;
  remove.cart.price.reset();
  remove.cart.category.clear();
  events.push_back(remove);
  Event update = SampleCart();
  update.cart.action = CartAction::kUpdate;
  update.cart.quantity = std::numeric_limits<int32_t>::max();
  update.cart.price = 0;
  events.push_back(update);

  Event view = SampleView();
  view.view.duration_seconds = 0;
  view.view.country.clear();
  view.view.device.clear();
  view.view.timestamp = 0;
  events.push_back(view);

  Event change = SampleInventory();
  change.inventory.stock.reset();
  change.inventory.change = -1'000'000'000'000'000;
  events.push_back(change);
  Event zero = SampleInventory();
  zero.inventory.stock = 0;
  events.push_back(zero);
  return events;
}

TEST(CodecTest, DecodeOfEncodeIsIdentity) {
  Decoder decoder;
  for (const Event& original : RoundTripEvents()) {
    const std::string json = EncodeToString(original);
    SCOPED_TRACE(json);
    Event decoded;
    // Via event_type (JSONL) and via the topic (Kafka).
    ASSERT_TRUE(decoder.Decode(std::nullopt, json, decoded).ok())
        << decoder.Decode(std::nullopt, json, decoded).message();
    EXPECT_EQ(decoded, original);
    Event by_topic;
    ASSERT_TRUE(decoder.Decode(original.topic, json, by_topic).ok());
    EXPECT_EQ(by_topic, original);
    // And the encoding is stable.
    EXPECT_EQ(EncodeToString(decoded), json);
  }
}

TEST(CodecTest, EncodeOfDecodeNormalisesAcceptedVariants) {
  Decoder decoder;
  Event e;
  const std::string input =
      R"({"transaction_id":"T","user_id":"U","timestamp":"2024-03-05 15:22:31.5+01:00",)"
      R"("products":[{"product_id":"P","quantity":"2","price":"19.995"}],"total_amount":40,)"
      R"("payment_method":"card","country":"DE","city":null,"extra":[1,2]})";
  ASSERT_TRUE(decoder.Decode(Topic::kTransactions, input, e).ok());
  EXPECT_EQ(EncodeToString(e),
            R"({"event_type":"transactions","transaction_id":"T","user_id":"U",)"
            R"("timestamp":"2024-03-05T14:22:31.500Z","products":[{"product_id":"P",)"
            R"("quantity":2,"price":20.00}],"total_amount":40.00,"payment_method":"card",)"
            R"("country":"DE"})");
}

TEST(EventTest, NamesAndKeys) {
  for (Topic topic : kAllTopics) EXPECT_EQ(TopicFromName(TopicName(topic)), topic);
  EXPECT_EQ(TopicName(Topic::kInventoryUpdates), "inventory_updates");
  EXPECT_EQ(TopicFromName("Transactions"), std::nullopt);
  EXPECT_EQ(TopicFromName(""), std::nullopt);
  EXPECT_EQ(CartActionName(CartAction::kUpdate), "update");
  Event e = SampleInventory();
  EXPECT_EQ(e.key(), "PROD-1");
  EXPECT_EQ(e.id(), "INV-1");
  EXPECT_EQ(e.timestamp(), kBase);
  e.topic = Topic::kCartEvents;
  e.cart = SampleCart().cart;
  EXPECT_EQ(e.key(), "USER-1");
}

TEST(EventTest, EqualityLooksAtTheActiveMemberOnly) {
  Event a = SampleCart();
  Event b = SampleCart();
  b.transaction = SampleTransaction().transaction;  // stale, inactive
  EXPECT_EQ(a, b);
  b.cart.quantity = 3;
  EXPECT_NE(a, b);
  b = SampleCart();
  b.topic = Topic::kTransactions;
  EXPECT_NE(a, b);
}

TEST(EventTest, LineItemsTotalSaturates) {
  Transaction t = SampleTransaction().transaction;
  EXPECT_EQ(t.LineItemsTotal(), 2 * 19999 + 2450);
  t.products = {{"P", "", std::numeric_limits<int32_t>::max(), std::numeric_limits<Cents>::max()}};
  EXPECT_EQ(t.LineItemsTotal(), std::numeric_limits<Cents>::max());
  t.products.clear();
  EXPECT_EQ(t.LineItemsTotal(), 0);
}

}  // namespace
}  // namespace gm::events
