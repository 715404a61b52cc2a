// Unit tests of the explorer's parser and compiler: the SQL text and parameters they produce,
// and injection attempts through every field, which must be refused or bound as data.

#include <gtest/gtest.h>

#include "server/explorer/compile.h"
#include "server/explorer/query.h"
#include "server/explorer/runner.h"
#include "server/explorer/schema.h"

namespace gm::server::explorer {
namespace {

Schema TestSchema() {
  auto col = [](std::string name, std::string type) {
    return Column{name, type, KindOfDataType(type)};
  };
  Schema s;
  s.tables.push_back(
      Table{"transactions",
            {col("transaction_id", "text"), col("user_id", "text"),
             col("event_time", "timestamp with time zone"), col("total_cents", "bigint"),
             col("country", "text"), col("late", "boolean"), col("score", "double precision")}});
  s.tables.push_back(
      Table{"transaction_anomalies", {col("transaction_id", "text"), col("types", "ARRAY")}});
  return s;
}

Result<CompiledQuery> CompileText(const std::string& json, Limits limits = {}) {
  Result<Query> q = ParseQuery(json);
  if (!q.ok()) return q.status();
  return Compile(TestSchema(), *q, limits);
}

TEST(ExplorerCompileTest, FullQuery) {
  Result<CompiledQuery> c = CompileText(R"({
    "table": "transactions",
    "columns": ["transaction_id", "total_cents"],
    "filters": [
      {"column": "country", "op": "=", "value": "DE"},
      {"column": "total_cents", "op": ">=", "value": 1000},
      {"column": "event_time", "op": "between", "value": ["2024-01-01", "2024-01-02T12:00:00+02:00"]},
      {"column": "user_id", "op": "in", "value": ["u1", "u2"]},
      {"column": "transaction_id", "op": "like", "value": "t-%"},
      {"column": "late", "op": "!=", "value": true},
      {"column": "score", "op": "<", "value": 0.5},
      {"column": "country", "op": "is_null", "value": false}
    ],
    "order": [{"column": "event_time", "dir": "desc"}, {"column": "transaction_id"}],
    "limit": 50})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->sql,
            "SELECT \"transaction_id\", \"total_cents\" FROM \"public\".\"transactions\" "
            "WHERE \"country\" = $1 AND \"total_cents\" >= $2 AND \"event_time\" BETWEEN $3 AND $4 "
            "AND \"user_id\" IN ($5, $6) AND \"transaction_id\" LIKE $7 AND \"late\" <> $8 "
            "AND \"score\" < $9 AND \"country\" IS NOT NULL "
            "ORDER BY \"event_time\" DESC, \"transaction_id\" ASC LIMIT $10");
  EXPECT_EQ(c->params, (std::vector<std::string>{"DE", "1000", "2024-01-01T00:00:00.000Z",
                                                 "2024-01-02T10:00:00.000Z", "u1", "u2", "t-%",
                                                 "true", "0.5", "51"}));
  EXPECT_EQ(c->limit, 50);
  ASSERT_EQ(c->columns.size(), 2u);
  EXPECT_EQ(c->columns[1].kind, ColumnKind::kInteger);
}

TEST(ExplorerCompileTest, DefaultsAllColumnsAndDefaultLimit) {
  Result<CompiledQuery> c = CompileText(R"({"table": "transaction_anomalies"})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->sql,
            "SELECT \"transaction_id\", \"types\" FROM \"public\".\"transaction_anomalies\" "
            "LIMIT $1");
  EXPECT_EQ(c->params, std::vector<std::string>{"101"});
  Result<CompiledQuery> capped = CompileText(R"({"table": "transactions"})", Limits{10, 100});
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->limit, 10);
  Result<CompiledQuery> is_null = CompileText(
      R"({"table": "transaction_anomalies", "filters": [{"column": "types", "op": "is_null"}]})");
  ASSERT_TRUE(is_null.ok()) << is_null.status().ToString();
  EXPECT_NE(is_null->sql.find("WHERE \"types\" IS NULL LIMIT $1"), std::string::npos);
}

// Every hostile text below must either be refused with InvalidArgument naming `field`, or
// come out only as a bound parameter (never in the SQL text).
struct Attack {
  std::string json;
  std::string field;  //!< expected at the start of the message; empty = must compile
};

const std::vector<std::string>& Payloads() {
  static const std::vector<std::string> kPayloads = {
      "users; DROP TABLE transactions; --",
      "transactions\"; DROP TABLE api_keys; --",
      "' OR '1'='1",
      "1 OR 1=1",
      "transactions /* comment */",
      "transactions -- comment",
      "api_keys",
      "pg_catalog.pg_authid",
      "public.transactions",
      "TRANSACTIONS",
      std::string("transactions\0", 13),
      "transаctions",  // Cyrillic а
      "\u202etransactions",
      "$1",
      "1); SELECT pg_sleep(10); --",
      "transaction_id\" FROM api_keys --",
      "(SELECT hash FROM api_keys)",
      "*",
  };
  return kPayloads;
}

std::string Json(const std::string& s) { return nlohmann::json(s).dump(); }

TEST(ExplorerCompileTest, InjectionThroughIdentifiersIsRefused) {
  std::vector<Attack> attacks;
  for (const std::string& p : Payloads()) {
    const std::string j = Json(p);
    attacks.push_back({"{\"table\": " + j + "}", "table"});
    attacks.push_back({R"({"table": "transactions", "columns": [)" + j + "]}", "columns[0]"});
    attacks.push_back({R"({"table": "transactions", "filters": [{"column": )" + j +
                           R"(, "op": "=", "value": "x"}]})",
                       "filters[0].column"});
    attacks.push_back({R"({"table": "transactions", "filters": [{"column": "country", "op": )" + j +
                           R"(, "value": "x"}]})",
                       "filters[0].op"});
    attacks.push_back(
        {R"({"table": "transactions", "order": [{"column": )" + j + "}]}", "order[0].column"});
    attacks.push_back(
        {R"({"table": "transactions", "order": [{"column": "country", "dir": )" + j + "}]}",
         "order[0].dir"});
    attacks.push_back({R"({"table": "transactions", "limit": )" + j + "}", "limit"});
    attacks.push_back({"{" + j + R"(: 1, "table": "transactions"})", "'"});
  }
  for (const Attack& a : attacks) {
    Result<CompiledQuery> c = CompileText(a.json);
    ASSERT_FALSE(c.ok()) << a.json << "\ncompiled to: " << c->sql;
    EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument) << a.json;
    EXPECT_TRUE(c.status().message().starts_with(a.field))
        << a.json << "\nmessage: " << c.status().message();
  }
}

TEST(ExplorerCompileTest, InjectionThroughValuesIsBoundAsData) {
  for (const std::string& p : Payloads()) {
    if (p.find('\0') != std::string::npos) continue;  // refused: see NulIsRefused
    for (const char* op : {"=", "!=", "<", ">=", "like"}) {
      const std::string json =
          std::string(R"({"table": "transactions", "filters": [{"column": "country", "op": ")") +
          op + R"(", "value": )" + Json(p) + "}]}";
      Result<CompiledQuery> c = CompileText(json);
      ASSERT_TRUE(c.ok()) << json << ": " << c.status().ToString();
      EXPECT_EQ(c->params.at(0), p);
      // ("$1" and "*" occur in any SQL text; every longer payload must not.)
      if (p.size() > 2) {
        EXPECT_EQ(c->sql.find(p), std::string::npos) << c->sql;
      }
      EXPECT_NE(c->sql.find("\"country\""), std::string::npos);
    }
    const std::string in =
        R"({"table": "transactions", "filters": [{"column": "user_id", "op": "in", "value": [)" +
        Json(p) + ", " + Json(p + "'") + "]}]}";
    Result<CompiledQuery> c = CompileText(in);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_EQ(c->params.at(0), p);
    EXPECT_EQ(c->params.at(1), p + "'");
    if (p.size() > 2) {
      EXPECT_EQ(c->sql.find(p), std::string::npos);
    }
  }
}

TEST(ExplorerCompileTest, ValuesOfTheWrongShapeAreRefused) {
  const std::vector<Attack> attacks = {
      // Numbers: huge, fractional, strings, nested.
      {R"({"table": "transactions", "filters": [{"column": "total_cents", "op": "=", "value": 99999999999999999999999}]})",
       "filters[0].value"},
      {R"({"table": "transactions", "filters": [{"column": "total_cents", "op": "=", "value": 18446744073709551615}]})",
       "filters[0].value"},
      {R"({"table": "transactions", "filters": [{"column": "total_cents", "op": "=", "value": 1.5}]})",
       "filters[0].value"},
      {R"({"table": "transactions", "filters": [{"column": "total_cents", "op": "=", "value": "1 OR 1=1"}]})",
       "filters[0].value"},
      {R"({"table": "transactions", "filters": [{"column": "total_cents", "op": "=", "value": [1]}]})",
       "filters[0].value"},
      {R"({"table": "transactions", "filters": [{"column": "total_cents", "op": "in", "value": [[1, 2]]}]})",
       "filters[0].value[0]"},
      {R"({"table": "transactions", "filters": [{"column": "total_cents", "op": "in", "value": [1, {"a": 1}]}]})",
       "filters[0].value[1]"},
      {R"({"table": "transactions", "filters": [{"column": "total_cents", "op": "in", "value": []}]})",
       "filters[0].value"},
      {R"({"table": "transactions", "filters": [{"column": "total_cents", "op": "in", "value": 5}]})",
       "filters[0].value"},
      {R"({"table": "transactions", "filters": [{"column": "total_cents", "op": "between", "value": [1]}]})",
       "filters[0].value"},
      {R"({"table": "transactions", "filters": [{"column": "total_cents", "op": "between", "value": [1, 2, 3]}]})",
       "filters[0].value"},
      {R"({"table": "transactions", "filters": [{"column": "country", "op": "=", "value": null}]})",
       "filters[0].value"},
      {R"({"table": "transactions", "filters": [{"column": "country", "op": "="}]})",
       "filters[0].value"},
      {R"({"table": "transactions", "filters": [{"column": "country", "op": "=", "value": {"$ne": 1}}]})",
       "filters[0].value"},
      {R"({"table": "transactions", "filters": [{"column": "country", "op": "=", "value": 5}]})",
       "filters[0].value"},
      {R"({"table": "transactions", "filters": [{"column": "event_time", "op": ">", "value": "yesterday"}]})",
       "filters[0].value"},
      {R"({"table": "transactions", "filters": [{"column": "event_time", "op": ">", "value": "2024-02-30"}]})",
       "filters[0].value"},
      {R"({"table": "transactions", "filters": [{"column": "late", "op": "=", "value": "true"}]})",
       "filters[0].value"},
      {R"({"table": "transactions", "filters": [{"column": "late", "op": "<", "value": true}]})",
       "filters[0].op"},
      {R"({"table": "transactions", "filters": [{"column": "total_cents", "op": "like", "value": "1%"}]})",
       "filters[0].op"},
      {R"({"table": "transactions", "filters": [{"column": "country", "op": "is_null", "value": "yes"}]})",
       "filters[0].value"},
      {R"({"table": "transaction_anomalies", "filters": [{"column": "types", "op": "=", "value": "x"}]})",
       "filters[0].op"},
      {R"({"table": "transactions", "filters": [{"column": "country", "op": "=", "value": "x", "extra": 1}]})",
       "filters[0].'extra'"},
      {R"({"table": "transactions", "filters": {"column": "country"}})", "filters"},
      {R"({"table": "transactions", "filters": ["country = 'x'"]})", "filters[0]"},
      // Columns and order.
      {R"({"table": "transactions", "columns": "transaction_id"})", "columns"},
      {R"({"table": "transactions", "columns": [["transaction_id"]]})", "columns[0]"},
      {R"({"table": "transactions", "columns": ["country", "country"]})", "columns[1]"},
      {R"({"table": "transactions", "order": [{"column": "country", "dir": "DESC"}]})",
       "order[0].dir"},
      {R"({"table": "transactions", "order": ["country"]})", "order[0]"},
      // Limits.
      {R"({"table": "transactions", "limit": 0})", "limit"},
      {R"({"table": "transactions", "limit": -1})", "limit"},
      {R"({"table": "transactions", "limit": 10001})", "limit"},
      {R"({"table": "transactions", "limit": 9223372036854775807})", "limit"},
      {R"({"table": "transactions", "limit": 18446744073709551615})", "limit"},
      {R"({"table": "transactions", "limit": 1e400})", "query"},
      {R"({"table": "transactions", "limit": 10.5})", "limit"},
      {R"({"table": "transactions", "limit": "10"})", "limit"},
      // Shape.
      {R"({"table": ["transactions"]})", "table"},
      {R"({"table": null})", "table"},
      {R"({})", "table"},
      {R"([])", "query"},
      {R"("transactions")", "query"},
      {R"({"table": "transactions")", "query"},
      {R"({"table": "transactions"} {"table": "x"})", "query"},
      {R"({"table": "transactions", "filters": [{"column": "country", "op": "in", "value": [[[[["x"]]]]]}]})",
       "query"},
      {std::string(10000, '[') + std::string(10000, ']'), "query"},
      {"{\"table\": \"trans\xff\"}", "query"},
  };
  for (const Attack& a : attacks) {
    Result<CompiledQuery> c = CompileText(a.json);
    ASSERT_FALSE(c.ok()) << a.json.substr(0, 200) << "\ncompiled to: " << c->sql;
    EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(c.status().message().starts_with(a.field))
        << a.json.substr(0, 200) << "\nmessage: " << c.status().message();
  }
}

TEST(ExplorerCompileTest, NulAndOverlongTextAreRefused) {
  Result<CompiledQuery> nul = CompileText(
      R"({"table": "transactions", "filters": [{"column": "country", "op": "=", "value": "a\u0000b"}]})");
  ASSERT_FALSE(nul.ok());
  EXPECT_NE(nul.status().message().find("NUL"), std::string::npos);
  Result<CompiledQuery> long_text = CompileText(
      R"({"table": "transactions", "filters": [{"column": "country", "op": "=", "value": ")" +
      std::string(kMaxTextBytes + 1, 'x') + "\"}]}");
  ASSERT_FALSE(long_text.ok());
  EXPECT_TRUE(long_text.status().message().starts_with("filters[0].value"));
}

TEST(ExplorerCompileTest, ListBounds) {
  std::string in =
      R"({"table": "transactions", "filters": [{"column": "user_id", "op": "in", "value": [)";
  for (size_t i = 0; i <= kMaxInValues; ++i) in += (i ? ",\"u" : "\"u") + std::to_string(i) + "\"";
  in += "]}]}";
  EXPECT_FALSE(CompileText(in).ok());
  std::string filters = R"({"table": "transactions", "filters": [)";
  for (size_t i = 0; i <= kMaxFilters; ++i) {
    filters += std::string(i ? "," : "") + R"({"column": "country", "op": "=", "value": "x"})";
  }
  filters += "]}";
  Result<CompiledQuery> c = CompileText(filters);
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().message().starts_with("filters:"));
}

TEST(ExplorerCompileTest, UnicodeValuesAreParametersVerbatim) {
  Result<CompiledQuery> c = CompileText(
      R"({"table": "transactions", "filters": [{"column": "country", "op": "=", "value": "Österreich 🇦🇹 \u202e'"}]})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->params[0], "Österreich 🇦🇹 \u202e'");
}

TEST(ExplorerCompileTest, QuoteIdentifierDoublesQuotes) {
  EXPECT_EQ(QuoteIdentifier("a"), "\"a\"");
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
}

TEST(ExplorerRowsTest, JsonAndCsv) {
  Rows rows;
  rows.columns = {Column{"id", "text", ColumnKind::kText},
                  Column{"n", "bigint", ColumnKind::kInteger},
                  Column{"ok", "boolean", ColumnKind::kBoolean},
                  Column{"x", "double precision", ColumnKind::kNumeric}};
  rows.rows.push_back(
      {std::string("a,\"b\"\n"), std::string("42"), std::string("true"), std::string("0.25")});
  rows.rows.push_back({std::string("plain"), std::nullopt, std::string("false"), std::nullopt});
  rows.more = true;
  nlohmann::ordered_json j = RowsToJson(rows);
  EXPECT_EQ(j["rows"][0]["n"], 42);
  EXPECT_EQ(j["rows"][0]["ok"], true);
  EXPECT_EQ(j["rows"][0]["x"], 0.25);
  EXPECT_TRUE(j["rows"][1]["n"].is_null());
  EXPECT_EQ(j["more"], true);
  EXPECT_EQ(j["columns"][1]["kind"], "integer");
  EXPECT_EQ(RowsToCsv(rows), "id,n,ok,x\r\n\"a,\"\"b\"\"\n\",42,true,0.25\r\nplain,,false,\r\n");
}

TEST(ExplorerSchemaTest, InternalTablesAreNeverAllowed) {
  for (std::string_view t : AllowedTables()) {
    EXPECT_NE(t, "api_keys");
    EXPECT_NE(t, "stream_offsets");
    EXPECT_NE(t, "stream_task_state");
    EXPECT_NE(t, "stream_task_state_changes");
    EXPECT_NE(t, "schema_migrations");
  }
  EXPECT_EQ(KindOfDataType("bigint"), ColumnKind::kInteger);
  EXPECT_EQ(KindOfDataType("timestamp with time zone"), ColumnKind::kTimestamp);
  EXPECT_EQ(KindOfDataType("bytea"), ColumnKind::kOther);
}

}  // namespace
}  // namespace gm::server::explorer
