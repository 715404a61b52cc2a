// COPY round trips with awkward values, and the catalog load built on it.
#include "store/copy_writer.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <pqxx/pqxx>
#include <type_traits>

#include "common/hex.h"
#include "store/catalog.h"
#include "store/catalog_csv.h"
#include "store/migrations.h"
#include "test_cluster.h"

namespace gm::store {
namespace {

using testing::TestCluster;

struct AwkwardRow {
  std::optional<std::string> text;
  std::string bytes;
  std::vector<std::string> array;
};

TEST(CopyWriterTest, AwkwardValuesRoundTripExactly) {
  TestCluster cluster;
  cluster.Start();
  auto conn = cluster.Connect();
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Execute("CREATE TABLE awkward (id int, t text, b bytea, a text[], "
                            "ts timestamptz, d double precision, f bool, n bigint)")
                  .ok());
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  const std::vector<AwkwardRow> rows = {
      {"tab\there", "", {}},
      {"new\nline and cr\r\n", "\\x00", {"a,b", "{braces}"}},
      {"back\\slash \\N \\\\", all_bytes, {"say \"hi\"", "back\\slash", ""}},
      {"quotes ' \" and commas ,", "\t\n", {"NULL", "null"}},
      {"UTF-8: grüße, 東京, emoji 🎉, RTL עברית", "\xff\xfe", {"日本", "🎉"}},
      {std::nullopt, "", {}},
      {"", "x", {" spaced "}},
  };
  {
    pqxx::work tx(conn->pqxx());
    Result<CopyWriter> writer =
        CopyWriter::Begin(*conn, "awkward", {"id", "t", "b", "a", "ts", "d", "f", "n"});
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    for (size_t i = 0; i < rows.size(); ++i) {
      writer->Int(static_cast<int64_t>(i)).TextOrNull(rows[i].text).Bytes(rows[i].bytes);
      writer->TextArray(rows[i].array);
      writer->Timestamp(1'700'000'000'123'456 + static_cast<Micros>(i));
      writer->Double(i == 0 ? -0.1 : 1e300).Bool(i % 2 == 0).Int(INT64_MIN + 1);
      ASSERT_TRUE(writer->EndRow().ok());
    }
    Result<int64_t> n = writer->Finish();
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(*n, static_cast<int64_t>(rows.size()));
    tx.commit();
  }
  pqxx::work tx(conn->pqxx());
  pqxx::result r = tx.exec(
      "SELECT t, encode(b, 'hex'), array_length(a, 1), a, "
      "(extract(epoch FROM ts) * 1000000)::bigint, d, f, n FROM awkward ORDER BY id");
  ASSERT_EQ(r.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].text) {
      EXPECT_EQ(r[i][0].as<std::string>(), *rows[i].text) << i;
    } else {
      EXPECT_TRUE(r[i][0].is_null()) << i;
    }
    EXPECT_EQ(r[i][1].as<std::string>(), Hex(rows[i].bytes)) << i;
    // Read the array back element by element with the server's help.
    pqxx::result elems =
        tx.exec_params("SELECT unnest(a) FROM awkward WHERE id = $1", static_cast<int>(i));
    ASSERT_EQ(elems.size(), rows[i].array.size()) << i;
    for (size_t k = 0; k < elems.size(); ++k) {
      EXPECT_EQ(elems[k][0].as<std::string>(), rows[i].array[k]) << i << "/" << k;
    }
    EXPECT_EQ(r[i][4].as<int64_t>(), 1'700'000'000'123'456 + static_cast<int64_t>(i));
    EXPECT_EQ(r[i][5].as<double>(), i == 0 ? -0.1 : 1e300);
    EXPECT_EQ(r[i][6].as<bool>(), i % 2 == 0);
    EXPECT_EQ(r[i][7].as<int64_t>(), INT64_MIN + 1);
  }
}

TEST(CopyWriterTest, BadRowsAndServerErrorsAreReportedAndTheConnectionSurvives) {
  TestCluster cluster;
  cluster.Start();
  auto conn = cluster.Connect();
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Execute("CREATE TABLE t (x int CHECK (x > 0), s text)").ok());
  {
    Result<CopyWriter> w = CopyWriter::Begin(*conn, "t", {"x", "s"});
    ASSERT_TRUE(w.ok());
    w->Int(1);
    Status s = w->EndRow();
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.message().find("expects 2"), std::string::npos) << s.message();
    EXPECT_FALSE(w->Finish().ok());
  }
  {
    Result<CopyWriter> w = CopyWriter::Begin(*conn, "t", {"x", "s"});
    ASSERT_TRUE(w.ok());
    w->Int(1).Text(std::string("a\0b", 3));
    EXPECT_NE(w->EndRow().message().find("NUL"), std::string::npos);
    w->Abort("test");
  }
  {
    Result<CopyWriter> w = CopyWriter::Begin(*conn, "t", {"x", "s"});
    ASSERT_TRUE(w.ok());
    w->Int(5).Text("fine");
    ASSERT_TRUE(w->EndRow().ok());
    w->Int(-1).Text("violates the check");
    ASSERT_TRUE(w->EndRow().ok());
    Result<int64_t> n = w->Finish();
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(n.status().message().find("23514"), std::string::npos) << n.status().message();
  }
  EXPECT_EQ(CopyWriter::Begin(*conn, "no_such_table", {"x"}).status().code(), ErrorCode::kInternal);
  { CopyWriter abandoned = std::move(CopyWriter::Begin(*conn, "t", {"x", "s"})).value(); }
  EXPECT_TRUE(conn->Healthy());
  pqxx::nontransaction tx(conn->pqxx());
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM t")[0].as<int64_t>(), 0);
}

TEST(CopyWriterTest, AppendRowsSendsEncodedRowsBetweenWrittenOnes) {
  TestCluster cluster;
  cluster.Start();
  auto conn = cluster.Connect();
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Execute("CREATE TABLE t (id int, s text, b bytea, a text[])").ok());
  // More than the writer's flush size, so the appended rows go out in several chunks.
  CopyRows rows(4);
  const std::string filler(200, 'x');
  for (int i = 1; i <= 5000; ++i) {
    rows.Int(i).Text("row " + std::to_string(i) + "\t\\" + filler);
    rows.Bytes(std::string("\0\x01", 2)).TextArray(std::vector<std::string>{"a\"", "\\"});
    rows.EndRow();
  }
  ASSERT_GT(rows.data().size(), 1'000'000u);
  {
    pqxx::work tx(conn->pqxx());
    Result<CopyWriter> w = CopyWriter::Begin(*conn, "t", {"id", "s", "b", "a"});
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    w->Int(0).Text("written").Bytes("").TextArray(std::vector<std::string>{});
    ASSERT_TRUE(w->EndRow().ok());
    ASSERT_TRUE(w->AppendRows(rows).ok());
    ASSERT_TRUE(w->AppendRows(CopyRows(4)).ok());  // nothing to send
    w->Int(5001).Null().Null().Null();
    ASSERT_TRUE(w->EndRow().ok());
    EXPECT_EQ(w->rows(), 5002);
    Result<int64_t> n = w->Finish();
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(*n, 5002);
    tx.commit();
  }
  pqxx::nontransaction tx(conn->pqxx());
  EXPECT_EQ(tx.exec1("SELECT count(DISTINCT id) FROM t")[0].as<int64_t>(), 5002);
  pqxx::row r = tx.exec1("SELECT s, encode(b, 'hex'), a[1], a[2] FROM t WHERE id = 4321");
  EXPECT_EQ(r[0].as<std::string>(), "row 4321\t\\" + filler);
  EXPECT_EQ(r[1].as<std::string>(), "0001");
  EXPECT_EQ(r[2].as<std::string>(), "a\"");
  EXPECT_EQ(r[3].as<std::string>(), "\\");
  EXPECT_TRUE(tx.exec1("SELECT s FROM t WHERE id = 5001")[0].is_null());
}

TEST(CopyWriterTest, AppendRowsRefusesBadRowsAndTheCopyStoresNothing) {
  TestCluster cluster;
  cluster.Start();
  auto conn = cluster.Connect();
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Execute("CREATE TABLE t (id int, s text)").ok());
  CopyRows good(2);
  good.Int(1).Text("good").EndRow();
  CopyRows nul(2);
  nul.Int(2).Text(std::string("a\0b", 3)).EndRow();
  CopyRows narrow(1);
  narrow.Int(3).EndRow();
  {
    Result<CopyWriter> w = CopyWriter::Begin(*conn, "t", {"id", "s"});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(w->AppendRows(good).ok());
    Status s = w->AppendRows(nul);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.message().find("NUL"), std::string::npos) << s.message();
    EXPECT_EQ(w->Finish().status().code(), ErrorCode::kInvalidArgument);
  }
  {
    Result<CopyWriter> w = CopyWriter::Begin(*conn, "t", {"id", "s"});
    ASSERT_TRUE(w.ok());
    Status s = w->AppendRows(narrow);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.message().find("1 columns; the COPY expects 2"), std::string::npos) << s.message();
    EXPECT_FALSE(w->Finish().ok());
  }
  {
    Result<CopyWriter> w = CopyWriter::Begin(*conn, "t", {"id", "s"});
    ASSERT_TRUE(w.ok());
    w->Int(4);  // a row not ended yet
    EXPECT_EQ(w->AppendRows(good).code(), ErrorCode::kInvalidArgument);
    w->Abort("test");
  }
  EXPECT_TRUE(conn->Healthy());
  pqxx::nontransaction tx(conn->pqxx());
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM t")[0].as<int64_t>(), 0);
}

// One row of every type the binary format encodes; nullopt = NULL.
struct BinaryRow {
  std::optional<int16_t> s;
  std::optional<int32_t> i;
  std::optional<int64_t> b;
  std::optional<float> r;
  std::optional<double> d;
  std::optional<bool> f;
  std::optional<Micros> ts;
  std::optional<Micros> dt;
  std::optional<std::string> t;
  std::optional<std::string> by;
  std::optional<std::vector<std::string>> a;
};

constexpr char kBinaryTable[] =
    "CREATE TEMP TABLE typed (id integer, s smallint, i integer, b bigint, r real, "
    "d double precision, f boolean, ts timestamptz, dt date, t text, by bytea, a text[])";
const std::vector<std::string> kBinaryColumns = {"id", "s",  "i",  "b", "r",  "d",
                                                 "f",  "ts", "dt", "t", "by", "a"};

void Encode(int32_t id, const BinaryRow& row, CopyRows& out) {
  out.Int32(id);
  row.s ? out.Int16(*row.s) : out.Null();
  row.i ? out.Int32(*row.i) : out.Null();
  row.b ? out.Int(*row.b) : out.Null();
  row.r ? out.Float(*row.r) : out.Null();
  row.d ? out.Double(*row.d) : out.Null();
  row.f ? out.Bool(*row.f) : out.Null();
  row.ts ? out.Timestamp(*row.ts) : out.Null();
  row.dt ? out.Date(*row.dt) : out.Null();
  row.t ? out.Text(*row.t) : out.Null();
  row.by ? out.Bytes(*row.by) : out.Null();
  row.a ? out.TextArray(*row.a) : out.Null();
  out.EndRow();
}

// `value` as text: integers in decimal, floats as the server prints them (the shortest
// text that reads back exactly), nullopt for NULL.
template <typename T>
std::optional<std::string> TextOf(const std::optional<T>& value) {
  if (!value) return std::nullopt;
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(*value)) return "NaN";
    if (std::isinf(*value)) return *value > 0 ? "Infinity" : "-Infinity";
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *value);
  return std::string(buf, end);
}

// Reads table `typed` back and compares it with `rows` (row k has id k).
void ExpectTypedRows(Connection& conn, const std::vector<BinaryRow>& rows) {
  pqxx::work tx(conn.pqxx());
  pqxx::result r = tx.exec(
      "SELECT id::text, s::text, i::text, b::text, r::text, d::text, f::text, "
      "((extract(epoch FROM ts) * 1000000)::bigint)::text, (dt - DATE '1970-01-01')::text, t, "
      "encode(by, 'hex'), cardinality(a)::text FROM typed ORDER BY typed.id");
  ASSERT_EQ(r.size(), rows.size());
  for (size_t k = 0; k < rows.size(); ++k) {
    const BinaryRow& row = rows[k];
    auto day_of = [](std::optional<Micros> t) -> std::optional<int64_t> {
      if (!t) return std::nullopt;
      return *t / kMicrosPerDay - (*t % kMicrosPerDay < 0 ? 1 : 0);  // rounded down
    };
    std::optional<std::string> hex, cardinality;
    if (row.by) hex = Hex(*row.by);
    if (row.a) cardinality = std::to_string(row.a->size());
    const std::optional<std::string> expected[] = {
        std::to_string(k),
        TextOf(row.s),
        TextOf(row.i),
        TextOf(row.b),
        TextOf(row.r),
        TextOf(row.d),
        row.f ? std::optional<std::string>(*row.f ? "true" : "false") : std::nullopt,
        TextOf(row.ts),
        TextOf(day_of(row.dt)),
        row.t,
        hex,
        cardinality};
    for (size_t c = 0; c < std::size(expected); ++c) {
      const pqxx::field got = r[k][static_cast<int>(c)];
      if (expected[c]) {
        EXPECT_EQ(got.is_null() ? "NULL" : got.as<std::string>(), *expected[c])
            << "row " << k << " column " << c;
      } else {
        EXPECT_TRUE(got.is_null()) << "row " << k << " column " << c;
      }
    }
    if (!row.a) continue;
    pqxx::result elems = tx.exec_params(
        "SELECT e FROM typed, unnest(a) WITH ORDINALITY AS u(e, n) WHERE id = $1 ORDER BY n",
        static_cast<int>(k));
    ASSERT_EQ(elems.size(), row.a->size()) << k;
    for (size_t e = 0; e < elems.size(); ++e) {
      EXPECT_EQ(elems[e][0].as<std::string>(), (*row.a)[e]) << k << "/" << e;
    }
  }
}

std::vector<BinaryRow> EveryTypeRows() {
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  return {
      // Extremes, a time before 2000 (and before 1970), text and arrays that need escapes in
      // the text format.
      {INT16_MIN, INT32_MIN, INT64_MIN, -0.5f, kNan, true,
       -14'182'940'000'001,  // 1969-07-20T20:17:39.999999Z
       -1, "tab\there\nnew line\r\\back\\slash \\N", all_bytes,
       std::vector<std::string>{"say \"hi\"", "back\\slash", "a,b", "{x}", "NULL", "", " "}},
      // Other extremes, a time after 2038, UTF-8, an empty bytea and an empty array.
      {INT16_MAX, INT32_MAX, INT64_MAX, std::numeric_limits<float>::infinity(), kInf, false,
       4'102'444'800'123'456,  // 2100-01-01T00:00:00.123456Z
       4'102'444'800'123'456, "UTF-8: grüße, 東京, emoji 🎉, RTL עברית", "",
       std::vector<std::string>{}},
      // PostgreSQL's epoch exactly, ordinary values.
      {-1, 0, 1, 3.25f, -0.5, true, 946'684'800'000'000, 946'684'800'000'000, "", "\\x00",
       std::vector<std::string>{"日本", "🎉"}},
      {0, -1, -1, -std::numeric_limits<float>::infinity(), -kInf, false, 1'700'000'000'123'456,
       1'700'000'000'123'456, "x", std::string("\0", 1), std::vector<std::string>{"one"}},
      {1, 1, 0, 0.1f, 0.1, false, 0, 0, "commas , and 'quotes' \"", "\t\n",
       std::vector<std::string>{"\t\n\\"}},
      // NULL everywhere but the id.
      {},
  };
}

TEST(CopyWriterTest, BinaryCopyRoundTripsEveryTypeExactly) {
  TestCluster cluster;
  cluster.Start();
  auto conn = cluster.Connect();
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Execute(kBinaryTable).ok());
  const std::vector<BinaryRow> rows = EveryTypeRows();
  {
    pqxx::work tx(conn->pqxx());
    Result<CopyWriter> writer =
        CopyWriter::Begin(*conn, "typed", kBinaryColumns, CopyFormat::kBinary);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    // Through the writer's own field calls (the same encoder as CopyRows).
    for (size_t k = 0; k < rows.size(); ++k) {
      const BinaryRow& row = rows[k];
      writer->Int32(static_cast<int32_t>(k));
      row.s ? writer->Int16(*row.s) : writer->Null();
      row.i ? writer->Int32(*row.i) : writer->Null();
      row.b ? writer->Int(*row.b) : writer->Null();
      row.r ? writer->Float(*row.r) : writer->Null();
      row.d ? writer->Double(*row.d) : writer->Null();
      row.f ? writer->Bool(*row.f) : writer->Null();
      row.ts ? writer->Timestamp(*row.ts) : writer->Null();
      row.dt ? writer->Date(*row.dt) : writer->Null();
      writer->TextOrNull(row.t);
      row.by ? writer->Bytes(*row.by) : writer->Null();
      row.a ? writer->TextArray(*row.a) : writer->Null();
      ASSERT_TRUE(writer->EndRow().ok()) << k;
    }
    Result<int64_t> n = writer->Finish();
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(*n, static_cast<int64_t>(rows.size()));
    tx.commit();
  }
  ExpectTypedRows(*conn, rows);
  // -0.5 as real and as double, and the date of a time before 1970, by the server's text.
  pqxx::nontransaction tx(conn->pqxx());
  EXPECT_EQ(tx.exec1("SELECT r::text FROM typed WHERE id = 0")[0].as<std::string>(), "-0.5");
  EXPECT_EQ(tx.exec1("SELECT d::text FROM typed WHERE id = 2")[0].as<std::string>(), "-0.5");
  EXPECT_EQ(
      tx.exec1("SELECT to_char(dt, 'YYYY-MM-DD') FROM typed WHERE id = 0")[0].as<std::string>(),
      "1969-12-31");
  EXPECT_EQ(tx.exec1("SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM "
                     "typed WHERE id = 1")[0]
                .as<std::string>(),
            "2100-01-01 00:00:00.123456");
}

TEST(CopyWriterTest, BinaryRowsOfSeveralSetsGoInOneCopy) {
  TestCluster cluster;
  cluster.Start();
  auto conn = cluster.Connect();
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Execute(kBinaryTable).ok());
  const std::vector<BinaryRow> every = EveryTypeRows();
  // The first set is larger than the writer's flush size, so it goes out in several chunks
  // (COPY data messages need not end at row boundaries, in binary either).
  std::vector<BinaryRow> rows;
  const std::string filler(300, 'x');
  for (int k = 0; k < 4000; ++k) {
    BinaryRow row = every[static_cast<size_t>(k) % every.size()];
    if (row.t) *row.t += filler;
    rows.push_back(std::move(row));
  }
  for (const BinaryRow& row : every) rows.push_back(row);
  CopyRows first(kBinaryColumns.size(), CopyFormat::kBinary);
  CopyRows second(kBinaryColumns.size(), CopyFormat::kBinary);
  for (size_t k = 1; k < rows.size(); ++k) {
    Encode(static_cast<int32_t>(k), rows[k], k < 4000 ? first : second);
  }
  ASSERT_GT(first.data().size(), 1'000'000u);
  {
    pqxx::work tx(conn->pqxx());
    Result<CopyWriter> w = CopyWriter::Begin(*conn, "typed", kBinaryColumns, CopyFormat::kBinary);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    // A row written with the field calls, then the two sets.
    w->Int32(0).Int16(*rows[0].s).Int32(*rows[0].i).Int(*rows[0].b).Float(*rows[0].r);
    w->Double(*rows[0].d).Bool(*rows[0].f).Timestamp(*rows[0].ts).Date(*rows[0].dt);
    w->Text(*rows[0].t).Bytes(*rows[0].by).TextArray(*rows[0].a);
    ASSERT_TRUE(w->EndRow().ok());
    ASSERT_TRUE(w->AppendRows(first).ok());
    ASSERT_TRUE(w->AppendRows(CopyRows(kBinaryColumns.size(), CopyFormat::kBinary)).ok());
    ASSERT_TRUE(w->AppendRows(second).ok());
    EXPECT_EQ(w->rows(), static_cast<int64_t>(rows.size()));
    Result<int64_t> n = w->Finish();
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(*n, static_cast<int64_t>(rows.size()));
    tx.commit();
  }
  ExpectTypedRows(*conn, rows);
}

TEST(CopyWriterTest, MixedFormatsAndWrongWidthsAreRefusedAndTheConnectionSurvives) {
  TestCluster cluster;
  cluster.Start();
  auto conn = cluster.Connect();
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Execute("CREATE TABLE t (id integer, s text)").ok());
  CopyRows text(2);
  text.Int32(1).Text("text").EndRow();
  CopyRows binary(2, CopyFormat::kBinary);
  binary.Int32(2).Text("binary").EndRow();
  {
    Result<CopyWriter> w = CopyWriter::Begin(*conn, "t", {"id", "s"}, CopyFormat::kBinary);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE(w->AppendRows(binary).ok());
    Status s = w->AppendRows(text);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.message().find("appended rows are in text format; the COPY is in binary"),
              std::string::npos)
        << s.message();
    EXPECT_EQ(w->Finish().status().code(), ErrorCode::kInvalidArgument);
  }
  {
    Result<CopyWriter> w = CopyWriter::Begin(*conn, "t", {"id", "s"});
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    Status s = w->AppendRows(binary);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.message().find("in binary format; the COPY is in text"), std::string::npos)
        << s.message();
    EXPECT_FALSE(w->Finish().ok());
  }
  {
    // A bigint where the column is an integer: the server refuses the binary data.
    Result<CopyWriter> w = CopyWriter::Begin(*conn, "t", {"id", "s"}, CopyFormat::kBinary);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    w->Int(3).Text("too wide");
    ASSERT_TRUE(w->EndRow().ok());
    Result<int64_t> n = w->Finish();
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.status().code(), ErrorCode::kInvalidArgument) << n.status().ToString();
    EXPECT_NE(n.status().message().find("incorrect binary data format"), std::string::npos)
        << n.status().message();
  }
  EXPECT_TRUE(conn->Healthy());
  {
    // The connection works for a good binary COPY afterwards.
    Result<CopyWriter> w = CopyWriter::Begin(*conn, "t", {"id", "s"}, CopyFormat::kBinary);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE(w->AppendRows(binary).ok());
    Result<int64_t> n = w->Finish();
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(*n, 1);
  }
  pqxx::nontransaction tx(conn->pqxx());
  EXPECT_EQ(tx.exec1("SELECT count(*)::text || ' ' || max(s) FROM t")[0].as<std::string>(),
            "1 binary");
}

class CatalogLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.Start();
    conn_ = cluster_.Connect();
    ASSERT_NE(conn_, nullptr);
    ASSERT_TRUE(Migrate(*conn_, BuiltinMigrations()).ok());
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = cluster_.root() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  Result<CatalogLoadStats> Load(const std::string& products, const std::string& customers) {
    auto p = CatalogCsvReader::OpenProducts(Write("products.csv", products));
    auto c = CatalogCsvReader::OpenCustomers(Write("customers.csv", customers));
    if (!p.ok()) return p.status();
    if (!c.ok()) return c.status();
    CatalogCsvReader* pr = p->get();
    CatalogCsvReader* cr = c->get();
    return LoadCatalog(
        *conn_, [pr](ProductRow& row) { return pr->NextProduct(row); },
        [cr](CustomerRow& row) { return cr->NextCustomer(row); }, nullptr);
  }
  std::string Query(const std::string& sql) {
    pqxx::nontransaction tx(conn_->pqxx());
    return tx.exec1(sql)[0].as<std::string>();
  }

  TestCluster cluster_;
  std::unique_ptr<Connection> conn_;
};

const char kProducts[] =
    "product_id,name,category,price,initial_stock,rating\n"
    "P000001,\"Veltra, \"\"Pro\"\" Phone\",Smartphones,1299.99,17,4.5\n"
    "P000002,Tab\\Let,Tablets,80.00,0,\n";
const char kCustomers[] =
    "user_id,first_name,last_name,email,age,country,city,latitude,longitude,"
    "utc_offset_minutes,signup_date,preferred_categories,activity\n"
    "U00000001,Zoë,O'Brien,zoe@example.com,34,UK,London,51.5074,-0.1278,0,2021-03-04,"
    "\"Books;Toys;Home, Garden\",heavy\n";

TEST_F(CatalogLoadTest, LoadingTwiceChangesNothingAndChangesAreCounted) {
  Result<CatalogLoadStats> first = Load(kProducts, kCustomers);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->products.read, 2);
  EXPECT_EQ(first->products.inserted, 2);
  EXPECT_EQ(first->customers.inserted, 1);
  EXPECT_EQ(Query("SELECT name || '|' || price_cents || '|' || rating FROM products "
                  "WHERE product_id = 'P000001'"),
            "Veltra, \"Pro\" Phone|129999|4.5");
  EXPECT_EQ(Query("SELECT coalesce(rating::text, 'null') FROM products WHERE product_id = "
                  "'P000002'"),
            "null");
  EXPECT_EQ(Query("SELECT name || '|' || signup_date || '|' || preferred_categories[3] || '|' "
                  "|| array_length(preferred_categories, 1) FROM customers"),
            "Zoë O'Brien|2021-03-04|Home, Garden|3");
  const std::string loaded_at = Query("SELECT max(loaded_at)::text FROM products");

  Result<CatalogLoadStats> second = Load(kProducts, kCustomers);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->products.unchanged(), 2);
  EXPECT_EQ(second->customers.unchanged(), 1);
  EXPECT_EQ(Query("SELECT max(loaded_at)::text FROM products"), loaded_at);

  std::string changed = kProducts;
  changed.replace(changed.find("80.00"), 5, "79.99");
  Result<CatalogLoadStats> third = Load(changed, kCustomers);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->products.updated, 1);
  EXPECT_EQ(third->products.inserted, 0);
  EXPECT_EQ(Query("SELECT price_cents::text FROM products WHERE product_id = 'P000002'"), "7999");
}

TEST_F(CatalogLoadTest, ADuplicateKeyAbortsTheWholeLoad) {
  std::string dup = std::string(kProducts) + "P000001,Again,Books,1.00,1,1.0\n";
  Result<CatalogLoadStats> r = Load(dup, kCustomers);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("P000001"), std::string::npos) << r.status().message();
  EXPECT_EQ(Query("SELECT count(*)::text FROM products"), "0");
  EXPECT_EQ(Query("SELECT count(*)::text FROM customers"), "0");
  EXPECT_TRUE(conn_->Healthy());
}

}  // namespace
}  // namespace gm::store
