// Message-level rules of the decoder: size cap, UTF-8, JSON syntax, top-level shape,
// event_type dispatch, unknown fields, and reuse of the Decoder and the Event.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "events/codec.h"
#include "test_messages.h"

namespace gm::events {
namespace {

namespace msg = testing_messages;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(DecodeTest, ValidMessageOfEveryTopicDecodes) {
  Decoder decoder;
  Event e;
  ASSERT_TRUE(decoder.Decode(Topic::kTransactions, msg::Transaction().Json(), e).ok());
  EXPECT_EQ(e.topic, Topic::kTransactions);
  const Transaction& t = e.transaction;
  EXPECT_EQ(t.transaction_id, "TXN-1");
  EXPECT_EQ(t.user_id, "USER-1");
  EXPECT_EQ(t.session_id, "SESS-1");
  EXPECT_EQ(t.timestamp, 1709648551'123'000);
  ASSERT_EQ(t.products.size(), 2u);
  EXPECT_EQ(t.products[0], (LineItem{"PROD-1", "Electronics", 2, 19999}));
  EXPECT_EQ(t.products[1], (LineItem{"PROD-2", "", 1, 2450}));
  EXPECT_EQ(t.total_amount, 42448);
  EXPECT_EQ(t.payment_method, "credit_card");
  EXPECT_EQ(t.country, "USA");
  EXPECT_EQ(t.city, "New York");
  EXPECT_EQ(t.currency, "USD");
  EXPECT_EQ(t.device, "mobile");
  EXPECT_EQ(e.id(), "TXN-1");
  EXPECT_EQ(e.key(), "USER-1");

  ASSERT_TRUE(decoder.Decode(Topic::kProductViews, msg::ProductView().Json(), e).ok());
  EXPECT_EQ(e.view, (ProductView{"VIEW-1", "USER-1", "SESS-1", "PROD-1", "Electronics",
                                 1709648551'000'000, 42, "UK", "desktop"}));
  EXPECT_EQ(e.key(), "USER-1");

  ASSERT_TRUE(decoder.Decode(Topic::kCartEvents, msg::CartEvent().Json(), e).ok());
  EXPECT_EQ(e.cart, (CartEvent{"CART-1", "USER-1", "SESS-1", "PROD-1", "Books",
                               1709648551'000'000 - 3600'000'000, CartAction::kAdd, 2, 1250}));
  EXPECT_EQ(e.id(), "CART-1");

  ASSERT_TRUE(decoder.Decode(Topic::kInventoryUpdates, msg::InventoryUpdate().Json(), e).ok());
  EXPECT_EQ(e.inventory,
            (InventoryUpdate{"INV-1", "PROD-1", 1709648551'000'000, -3, std::nullopt, "restock"}));
  EXPECT_EQ(e.key(), "PROD-1");
  EXPECT_EQ(e.id(), "INV-1");
}

TEST(DecodeTest, FieldOrderAndWhitespaceDoNotMatter) {
  Decoder decoder;
  for (Topic topic : kAllTopics) {
    SCOPED_TRACE(TopicName(topic));
    Event in_order, reversed, spaced;
    ASSERT_TRUE(decoder.Decode(std::nullopt, msg::ForTopic(topic).Json(), in_order).ok());
    ASSERT_TRUE(
        decoder.Decode(std::nullopt, msg::ForTopic(topic).Reversed().Json(), reversed).ok());
    EXPECT_EQ(in_order, reversed);
    // Blanks after every structural ',' and ':' (none of the samples' strings has a quote).
    std::string json;
    bool in_string = false;
    for (char c : msg::ForTopic(topic).Json()) {
      json.push_back(c);
      if (c == '"') in_string = !in_string;
      if (!in_string && (c == ',' || c == ':' || c == '[' || c == '{')) json += " \n\t\r ";
    }
    ASSERT_TRUE(decoder.Decode(std::nullopt, " \n" + json + " \n", spaced).ok()) << json;
    EXPECT_EQ(in_order, spaced);
  }
}

TEST(DecodeTest, ThePythonStyleExampleOfTheDocsIsAccepted) {
  Decoder decoder;
  Event e;
  const std::string json =
      R"({"event_id": "CART-2", "user_id": "USER-1", "session_id": "SESS-1", "product_id": "PROD-1",
 "timestamp": "2024-03-05T14:22:31.500000+01:00", "action": "update", "quantity": "3",
 "price": 19.995, "category": null, "campaign": {"id": 7}})";
  ASSERT_TRUE(decoder.Decode(Topic::kCartEvents, json, e).ok());
  EXPECT_EQ(e.cart, (CartEvent{"CART-2", "USER-1", "SESS-1", "PROD-1", "", 1709644951'500'000,
                               CartAction::kUpdate, 3, 2000}));
}

TEST(DecodeTest, OversizedMessageIsRejectedFirstAndTheDecoderStaysUsable) {
  Decoder decoder;
  Event e;
  // 10 MiB of a valid-looking event: rejected on size alone, before any parsing.
  std::string big = msg::Transaction()
                        .With("padding", "\"" + std::string(10 * 1024 * 1024 - 400, 'x') + "\"")
                        .Json();
  big.resize(10 * 1024 * 1024, ' ');
  const Status s = decoder.Decode(Topic::kTransactions, big, e);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "message of 10485760 bytes exceeds the 1048576-byte limit");
  ASSERT_TRUE(decoder.Decode(Topic::kTransactions, msg::Transaction().Json(), e).ok());
  EXPECT_EQ(e.transaction.transaction_id, "TXN-1");
}

TEST(DecodeTest, MessagesUpToTheCapDecode) {
  Decoder decoder(2 << 20);
  Event e;
  // Grows the parser and the padded buffer step by step, then shrinks back.
  for (size_t padding : {100u, 5'000u, 70'000u, 1'500'000u, 10u}) {
    SCOPED_TRACE(padding);
    const std::string json =
        msg::Transaction().With("padding", "\"" + std::string(padding, 'p') + "\"").Json();
    ASSERT_TRUE(decoder.Decode(std::nullopt, json, e).ok());
    EXPECT_EQ(e.transaction.transaction_id, "TXN-1");
  }
  const std::string exact = msg::ProductView().Json();
  Decoder tight(exact.size());
  EXPECT_TRUE(tight.Decode(std::nullopt, exact, e).ok());
  EXPECT_THAT(tight.Decode(std::nullopt, exact + " ", e).message(), HasSubstr("exceeds"));
}

TEST(DecodeTest, AtMostTenThousandLineItems) {
  // The archive numbers line items with a smallint: a bigger array is a dead letter.
  auto with_items = [](int n) {
    std::string items = "[";
    for (int i = 0; i < n; ++i) {
      items += std::string(i ? "," : "") + R"({"product_id":"P1","quantity":1,"price":0.5})";
    }
    return msg::Transaction().With("products", items + "]").With("total_amount", "0").Json();
  };
  Decoder decoder(2 << 20);
  Event e;
  ASSERT_TRUE(decoder.Decode(Topic::kTransactions, with_items(10'000), e).ok());
  EXPECT_EQ(e.transaction.products.size(), 10'000u);
  const Status s = decoder.Decode(Topic::kTransactions, with_items(10'001), e);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "field 'products' has more than 10000 line items");
}

TEST(DecodeTest, InvalidUtf8IsRejectedInValuesAndKeys) {
  Decoder decoder;
  Event e;
  const std::string good = msg::Transaction().Json();
  const std::vector<std::string> cases = {
      msg::Transaction().With("city", "\"Z\xfcrich\"").Json(),         // Latin-1, not UTF-8
      msg::Transaction().With("c\xc3\x28ty", "\"x\"").Json(),          // bad continuation
      msg::Transaction().With("city", "\"\xed\xa0\x80\"").Json(),      // encoded surrogate
      msg::Transaction().With("city", "\"\xc0\xaf\"").Json(),          // overlong '/'
      msg::Transaction().With("city", "\"\xf4\x90\x80\x80\"").Json(),  // above U+10FFFF
      msg::Transaction().With("unknown", "\"\xe2\x82\"").Json(),       // truncated sequence
  };
  for (const std::string& json : cases) {
    SCOPED_TRACE(json);
    const Status s = decoder.Decode(Topic::kTransactions, json, e);
    EXPECT_THAT(s.message(), StartsWith("invalid UTF-8 at byte "));
  }
  EXPECT_EQ(decoder.Decode(Topic::kTransactions, "{\"a\":\"\xff\"}", e).message(),
            "invalid UTF-8 at byte 6");
  // Valid multi-byte text and escapes are fine.
  ASSERT_TRUE(
      decoder
          .Decode(Topic::kTransactions,
                  msg::Transaction().With("city", R"("Zürich \u00e9 \ud83d\ude00 😀")").Json(), e)
          .ok());
  EXPECT_EQ(e.transaction.city, "Zürich é 😀 😀");
  // A lone surrogate escape would decode to invalid UTF-8: it is invalid JSON.
  EXPECT_THAT(
      decoder.Decode(Topic::kTransactions, msg::Transaction().With("city", R"("\ud800")").Json(), e)
          .message(),
      StartsWith("invalid JSON: "));
}

TEST(DecodeTest, MalformedJsonIsRejected) {
  Decoder decoder;
  Event e;
  const std::string valid = msg::Transaction().Json();
  const std::vector<std::string> cases = {
      "",
      "   ",
      "{",
      "{\"event_type\":\"transactions\"",
      "{\"user_id\" \"U\"}",
      "{\"user_id\":\"U\",}",
      "{'user_id':'U'}",
      "{\"user_id\":\"U\"\n\"x\":1}",
      valid + " {}",
      valid + "}",
      valid + " x",
      msg::Transaction().With("extra", "[tru]").Json(),
      msg::Transaction().With("extra", "[1 2]").Json(),
      msg::Transaction().With("extra", "01").Json(),
      msg::Transaction().With("extra", "1.").Json(),
      msg::Transaction().With("extra", "-").Json(),
      msg::Transaction().With("extra", "nul").Json(),
      msg::Transaction().With("extra", "{\"a\":}").Json(),
      msg::Transaction().With("extra", "\"bad \\x escape\"").Json(),
      msg::Transaction().With("extra", "\"raw\ttab\"").Json(),
      msg::Transaction().With("extra", "NaN").Json(),
      msg::Transaction().With("total_amount", "12abc").Json(),
  };
  for (const std::string& json : cases) {
    SCOPED_TRACE(json);
    EXPECT_THAT(decoder.Decode(Topic::kTransactions, json, e).message(),
                StartsWith("invalid JSON: "));
  }
  EXPECT_EQ(decoder.Decode(Topic::kTransactions, valid + "  \n", e).message(), "");
}

TEST(DecodeTest, EveryTruncationOfAValidMessageIsRejected) {
  Decoder decoder;
  Event e;
  for (Topic topic : kAllTopics) {
    const std::string json = msg::ForTopic(topic).Json();
    for (size_t len = 0; len < json.size(); ++len) {
      SCOPED_TRACE(json.substr(0, len));
      EXPECT_THAT(decoder.Decode(std::nullopt, json.substr(0, len), e).message(),
                  StartsWith("invalid JSON: "));
      EXPECT_FALSE(decoder.Decode(topic, json.substr(0, len), e).ok());
    }
    EXPECT_TRUE(decoder.Decode(std::nullopt, json, e).ok());
  }
}

TEST(DecodeTest, TopLevelMustBeAnObject) {
  Decoder decoder;
  Event e;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[1,2]", "an array"}, {"123", "a number"},   {"\"text\"", "a string"},
      {"null", "null"},      {"true", "a boolean"}, {"[]", "an array"},
  };
  for (const auto& [json, got] : cases) {
    EXPECT_EQ(decoder.Decode(Topic::kCartEvents, json, e).message(),
              "the message must be a JSON object, got " + got);
    EXPECT_EQ(decoder.Decode(std::nullopt, json, e).message(),
              "the message must be a JSON object, got " + got);
  }
}

TEST(DecodeTest, TextThatOnlyStartsLikeAJsonValueIsInvalidJson) {
  // simdjson types a document by its first byte: t/f/n, a digit or '-' alone say nothing.
  Decoder decoder;
  Event e;
  const std::vector<std::string> cases = {
      "this is not json", "nothing",   "123abc", "true false", "nul",         "truex",
      "falsehood",        "-",         "12 34",  "1.",         "\"a\" \"b\"", "[1,2] x",
      "[1, tru]",         "null null", "0x10",   "-Infinity",
  };
  for (const std::string& json : cases) {
    SCOPED_TRACE(json);
    EXPECT_THAT(decoder.Decode(Topic::kCartEvents, json, e).message(),
                StartsWith("invalid JSON: "));
    EXPECT_THAT(decoder.Decode(std::nullopt, json, e).message(), StartsWith("invalid JSON: "));
  }
  EXPECT_EQ(decoder.Decode(std::nullopt, "this is not json", e).message(),
            "invalid JSON: malformed literal 'this is not json'");
  EXPECT_EQ(decoder.Decode(std::nullopt, "123abc", e).message(),
            "invalid JSON: malformed number '123abc'");
  // Blanks around a real value are fine: it is still valid JSON, just not an object.
  EXPECT_EQ(decoder.Decode(std::nullopt, " true \r\n", e).message(),
            "the message must be a JSON object, got a boolean");
  EXPECT_EQ(decoder.Decode(std::nullopt, "\t-1.5e3 ", e).message(),
            "the message must be a JSON object, got a number");
  EXPECT_EQ(decoder.Decode(std::nullopt, "[1, [true], {\"a\": null}] ", e).message(),
            "the message must be a JSON object, got an array");
}

TEST(DecodeTest, UnknownFieldsAreIgnoredWhateverTheirShape) {
  Decoder decoder;
  Event plain, extended;
  ASSERT_TRUE(decoder.Decode(Topic::kTransactions, msg::Transaction().Json(), plain).ok());
  const std::string json =
      msg::Transaction()
          .With("loyalty", R"({"tier":"gold","points":[1,2.5,-3e2,null,true,{"x":[]}]})")
          .With("coupon", "null")
          .With("ip", "\"10.0.0.1\"")
          .With("User_ID", "\"other\"")
          .With("", "\"empty key\"")
          .Json();
  ASSERT_TRUE(decoder.Decode(Topic::kTransactions, json, extended).ok());
  EXPECT_EQ(plain, extended);
  // Unknown fields inside line items too.
  ASSERT_TRUE(decoder
                  .Decode(Topic::kTransactions,
                          msg::TransactionWithItem(
                              R"({"product_id":"P","quantity":1,"price":1,"sku":{"a":[1]}})")
                              .Json(),
                          extended)
                  .ok());
  EXPECT_EQ(extended.transaction.products[0].product_id, "P");
}

TEST(DecodeTest, DeeplyNestedUnknownFieldsAreRejected) {
  Decoder decoder;
  Event e;
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  EXPECT_THAT(
      decoder.Decode(Topic::kTransactions, msg::Transaction().With("x", deep).Json(), e).message(),
      HasSubstr("nested deeper than"));
  const std::string ok = std::string(20, '[') + std::string(20, ']');
  EXPECT_TRUE(
      decoder.Decode(Topic::kTransactions, msg::Transaction().With("x", ok).Json(), e).ok());
}

TEST(DecodeTest, EventTypeSelectsTheTopicForJsonl) {
  Decoder decoder;
  Event e;
  // A JSONL file: one event per line, mixed topics.
  const std::vector<std::pair<std::string, Topic>> lines = {
      {msg::ProductView().Json(), Topic::kProductViews},
      {msg::CartEvent().Json(), Topic::kCartEvents},
      {msg::Transaction().Json(), Topic::kTransactions},
      {msg::InventoryUpdate().Json(), Topic::kInventoryUpdates},
      // event_type need not come first
      {msg::CartEvent().Without("event_type").With("event_type", "\"cart_events\"").Json(),
       Topic::kCartEvents},
      // nor be spelled the way producers write it (the decoder reads those from the bytes)
      {"{ \"event_type\" : \"cart_events\"," +
           msg::CartEvent().Without("event_type").Json().substr(1),
       Topic::kCartEvents},
      {"{\"event_type\":\"cart\\u005fevents\"," +
           msg::CartEvent().Without("event_type").Json().substr(1),
       Topic::kCartEvents},
  };
  for (const auto& [line, topic] : lines) {
    ASSERT_TRUE(decoder.Decode(std::nullopt, line, e).ok()) << line;
    EXPECT_EQ(e.topic, topic);
  }
  EXPECT_EQ(
      decoder.Decode(std::nullopt, msg::Transaction().With("event_type", "\"orders\"").Json(), e)
          .message(),
      "field 'event_type' must be one of transactions, product_views, cart_events, "
      "inventory_updates, got 'orders'");
  EXPECT_EQ(
      decoder.Decode(std::nullopt, msg::Transaction().With("event_type", "7").Json(), e).message(),
      "field 'event_type' must be one of transactions, product_views, cart_events, "
      "inventory_updates, got 7");
  EXPECT_EQ(
      decoder.Decode(std::nullopt, msg::Transaction().Without("event_type").Json(), e).message(),
      "missing required field 'event_type'");
  EXPECT_EQ(decoder.Decode(std::nullopt, msg::Transaction().With("event_type", "null").Json(), e)
                .message(),
            "missing required field 'event_type'");
  // Missing event_type in a message that is also broken: the JSON error wins.
  EXPECT_THAT(decoder
                  .Decode(std::nullopt,
                          msg::Transaction().Without("event_type").With("x", "[1 2]").Json(), e)
                  .message(),
              StartsWith("invalid JSON: "));
  // The named topic's rules apply.
  EXPECT_EQ(decoder
                .Decode(std::nullopt,
                        msg::Transaction().With("event_type", "\"product_views\"").Json(), e)
                .message(),
            "missing required field 'event_id'");
  // Two event_types: ambiguous, whichever comes first.
  EXPECT_EQ(decoder
                .Decode(std::nullopt,
                        "{\"event_type\":\"cart_events\"," + msg::Transaction().Json().substr(1), e)
                .message(),
            "duplicate field 'event_type'");
}

TEST(DecodeTest, TopicArgumentWinsOverEventType) {
  Decoder decoder;
  Event e;
  ASSERT_TRUE(decoder
                  .Decode(Topic::kTransactions,
                          msg::Transaction().With("event_type", "\"product_views\"").Json(), e)
                  .ok());
  EXPECT_EQ(e.topic, Topic::kTransactions);
  // Any event_type, or none, is fine when the topic is given (Kafka messages).
  EXPECT_TRUE(
      decoder.Decode(Topic::kTransactions, msg::Transaction().With("event_type", "42").Json(), e)
          .ok());
  EXPECT_TRUE(
      decoder.Decode(Topic::kCartEvents, msg::CartEvent().Without("event_type").Json(), e).ok());
  EXPECT_EQ(e.topic, Topic::kCartEvents);
  // But it must still be valid JSON.
  EXPECT_THAT(
      decoder.Decode(Topic::kTransactions, msg::Transaction().With("event_type", "tru").Json(), e)
          .message(),
      StartsWith("invalid JSON: "));
  // And it is still one field: given twice is ambiguous.
  EXPECT_EQ(
      decoder
          .Decode(Topic::kTransactions,
                  msg::Transaction().With("zz", "0").Json().insert(1, "\"event_type\":\"x\","), e)
          .message(),
      "duplicate field 'event_type'");
}

TEST(DecodeTest, ReusedEventDoesNotLeakStaleFields) {
  Decoder decoder;
  Event e;
  // Everything optional set first...
  ASSERT_TRUE(decoder.Decode(Topic::kTransactions, msg::Transaction().Json(), e).ok());
  ASSERT_EQ(e.transaction.products.size(), 2u);
  // ...then a minimal transaction with a single uncategorised item.
  const std::string minimal =
      msg::Transaction()
          .Without("session_id")
          .Without("city")
          .With("currency", "null")
          .Without("device")
          .With("products", R"([{"product_id":"Q","quantity":1,"price":3}])")
          .Json();
  ASSERT_TRUE(decoder.Decode(Topic::kTransactions, minimal, e).ok());
  EXPECT_EQ(e.transaction.session_id, "");
  EXPECT_EQ(e.transaction.city, "");
  EXPECT_EQ(e.transaction.currency, "");
  EXPECT_EQ(e.transaction.device, "");
  ASSERT_EQ(e.transaction.products.size(), 1u);
  EXPECT_EQ(e.transaction.products[0], (LineItem{"Q", "", 1, 300}));

  ASSERT_TRUE(decoder.Decode(Topic::kProductViews, msg::ProductView().Json(), e).ok());
  ASSERT_TRUE(decoder
                  .Decode(Topic::kProductViews,
                          msg::ProductView().Without("country").Without("device").Json(), e)
                  .ok());
  EXPECT_EQ(e.view.country, "");
  EXPECT_EQ(e.view.device, "");

  ASSERT_TRUE(decoder.Decode(Topic::kCartEvents, msg::CartEvent().Json(), e).ok());
  ASSERT_TRUE(decoder
                  .Decode(Topic::kCartEvents,
                          msg::CartEvent()
                              .Without("price")
                              .Without("category")
                              .With("action", "\"remove\"")
                              .Without("quantity")
                              .Json(),
                          e)
                  .ok());
  EXPECT_FALSE(e.cart.price.has_value());
  EXPECT_EQ(e.cart.category, "");
  EXPECT_EQ(e.cart.quantity, 0);

  ASSERT_TRUE(decoder.Decode(Topic::kInventoryUpdates, msg::InventoryUpdate().Json(), e).ok());
  ASSERT_TRUE(decoder
                  .Decode(Topic::kInventoryUpdates,
                          msg::InventoryUpdate().Without("change").With("stock", "7").Json(), e)
                  .ok());
  EXPECT_FALSE(e.inventory.change.has_value());
  EXPECT_EQ(e.inventory.stock, 7);

  // A failed decode in between does not disturb the next one.
  EXPECT_FALSE(decoder.Decode(Topic::kCartEvents, "{\"event_id\":", e).ok());
  ASSERT_TRUE(decoder.Decode(std::nullopt, msg::CartEvent().Json(), e).ok());
  EXPECT_EQ(e.cart.price, 1250);
}

TEST(DecodeTest, EscapedKeysAndValuesAreUnescaped) {
  Decoder decoder;
  Event e;
  ASSERT_TRUE(decoder
                  .Decode(Topic::kTransactions,
                          msg::Transaction()
                              .Without("user_id")
                              .With("user\\u005fid", R"("a\"b\\c\/d\n")")
                              .Json(),
                          e)
                  .ok());
  EXPECT_EQ(e.transaction.user_id, "a\"b\\c/d\n");
}

}  // namespace
}  // namespace gm::events
