// Pure logic of store/: migration files, COPY text encoding, CSV and catalog parsing, URLs,
// error mapping. No server needed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include "common/hex.h"
#include "store/catalog_csv.h"
#include "store/connection.h"
#include "store/copy_rows.h"
#include "store/copy_writer.h"
#include "store/database.h"
#include "store/internal/csv.h"
#include "store/internal/process.h"
#include "store/migrations.h"

namespace gm::store {
namespace {

TEST(MigrationTest, ParsesFileNames) {
  struct Case {
    std::string file;
    bool ok;
    int32_t version;
    std::string name;
  };
  const Case cases[] = {
      {"0001_core.sql", true, 1, "core"}, {"0042_add_sessions_2.sql", true, 42, "add_sessions_2"},
      {"7_x.sql", true, 7, "x"},          {"0000_zero.sql", false, 0, ""},
      {"0001_core.txt", false, 0, ""},    {"core.sql", false, 0, ""},
      {"_core.sql", false, 0, ""},        {"0001_.sql", false, 0, ""},
      {"0001_Core.sql", false, 0, ""},    {"00a1_core.sql", false, 0, ""},
      {"0001-core.sql", false, 0, ""},
  };
  for (const Case& c : cases) {
    Result<Migration> m = ParseMigration(c.file, "SELECT 1;");
    EXPECT_EQ(m.ok(), c.ok) << c.file;
    if (m.ok() && c.ok) {
      EXPECT_EQ(m->version, c.version) << c.file;
      EXPECT_EQ(m->name, c.name) << c.file;
      EXPECT_EQ(m->sql, "SELECT 1;");
    }
    if (!m.ok()) {
      EXPECT_EQ(m.status().code(), ErrorCode::kInvalidArgument);
    }
  }
}

TEST(MigrationTest, ChecksumIsSha256IgnoringCrlf) {
  // Known SHA-256 test vectors.
  EXPECT_EQ(MigrationChecksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(MigrationChecksum("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(MigrationChecksum("a\r\nb\r\n"), MigrationChecksum("a\nb\n"));
  EXPECT_NE(MigrationChecksum("a\rb"), MigrationChecksum("a\nb"));
  EXPECT_NE(MigrationChecksum("SELECT 1;"), MigrationChecksum("SELECT 1; "));
}

TEST(MigrationTest, ValidatesSequence) {
  auto make = [](std::vector<int32_t> versions) {
    std::vector<Migration> out;
    for (int32_t v : versions) out.push_back(Migration{v, "m" + std::to_string(v), "", ""});
    return out;
  };
  EXPECT_TRUE(ValidateMigrations(make({})).ok());
  EXPECT_TRUE(ValidateMigrations(make({1, 2, 3})).ok());
  EXPECT_FALSE(ValidateMigrations(make({2, 3})).ok());
  EXPECT_FALSE(ValidateMigrations(make({1, 3})).ok());
  EXPECT_FALSE(ValidateMigrations(make({1, 2, 2})).ok());
}

TEST(MigrationTest, BuiltinMigrationsAreEmbeddedAndValid) {
  const std::vector<Migration>& builtin = BuiltinMigrations();
  ASSERT_FALSE(builtin.empty());
  EXPECT_EQ(builtin[0].version, 1);
  EXPECT_EQ(builtin[0].name, "core");
  EXPECT_TRUE(ValidateMigrations(builtin).ok());
  // The embedded text is the file, byte for byte.
  std::ifstream in(std::string(GM_SOURCE_DIR) + "/sql/0001_core.sql", std::ios::binary);
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(builtin[0].sql, file);
  EXPECT_EQ(builtin[0].checksum, MigrationChecksum(file));
}

TEST(CopyTextTest, EscapesSpecialCharacters) {
  struct Case {
    std::string in;
    std::string out;
  };
  const Case cases[] = {
      {"plain", "plain"},
      {"", ""},
      {"a\tb", "a\\tb"},
      {"line1\nline2", "line1\\nline2"},
      {"cr\r", "cr\\r"},
      {"back\\slash", "back\\\\slash"},
      {"\\N", "\\\\N"},
      {"quote \" and '", "quote \" and '"},
      {"grüße 東京 🎉", "grüße 東京 🎉"},
  };
  for (const Case& c : cases) {
    std::string out;
    EXPECT_TRUE(copy_text::AppendEscaped(c.in, out));
    EXPECT_EQ(out, c.out) << c.in;
  }
  std::string out;
  EXPECT_FALSE(copy_text::AppendEscaped(std::string("nul\0byte", 8), out));
}

TEST(CopyTextTest, ArrayLiteralsQuoteEveryElement) {
  std::string out;
  copy_text::AppendArrayLiteral(std::vector<std::string>{}, out);
  EXPECT_EQ(out, "{}");
  out.clear();
  copy_text::AppendArrayLiteral(
      std::vector<std::string>{"a", "b,c", "say \"hi\"", "back\\slash", "{x}", "NULL", ""}, out);
  EXPECT_EQ(out, R"({"a","b,c","say \"hi\"","back\\slash","{x}","NULL",""})");
}

TEST(CopyRowsTest, EncodesEveryFieldKindLikeCopyText) {
  CopyRows rows(16);
  const std::vector<std::string> array = {"a", "b\"c", "back\\slash"};
  rows.Null().Text("tab\there\\").TextOrNull("").TextOrNull("x").Int(-5).Int(INT64_MIN);
  rows.Double(-0.1).Double(std::nan("")).Double(HUGE_VAL).Double(-HUGE_VAL).Bool(true);
  rows.Bool(false).Timestamp(1'700'000'000'123'456).Date(1'700'000'000'123'456);
  rows.Bytes(std::string("\0\xff\n", 3)).TextArray(array);
  rows.EndRow();
  EXPECT_TRUE(rows.status().ok()) << rows.status().ToString();
  EXPECT_EQ(rows.rows(), 1);
  EXPECT_FALSE(rows.empty());
  EXPECT_EQ(rows.data(),
            "\\N\ttab\\there\\\\\t\\N\tx\t-5\t-9223372036854775808\t-0.1\tNaN\tInfinity\t"
            "-Infinity\tt\tf\t2023-11-14T22:13:20.123456Z\t2023-11-14\t\\\\x00ff0a\t"
            R"({"a","b\\"c","back\\\\slash"})"
            "\n");
  // A second row starts after the first one's newline; whole-millisecond times get 3 digits.
  rows.Timestamp(0).Null().Null().Null().Null().Null().Null().Null().Null().Null().Null().Null();
  rows.Null().Null().Bytes("").TextArray(std::vector<std::string>{});
  rows.EndRow();
  EXPECT_EQ(rows.rows(), 2);
  EXPECT_TRUE(
      rows.data().ends_with("\n1970-01-01T00:00:00.000Z\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t"
                            "\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\\\x\t{}\n"))
      << rows.data();
}

TEST(CopyRowsTest, ANulByteIsRememberedAndTheRowStillEncoded) {
  CopyRows rows(2);
  rows.Int(1).Text("fine").EndRow();
  rows.Int(2).Text(std::string("a\0b", 3)).EndRow();
  rows.Int(3).Text("after").EndRow();
  ASSERT_FALSE(rows.status().ok());
  EXPECT_EQ(rows.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(rows.status().message().find("column 2 of row 2 holds a NUL byte"), std::string::npos)
      << rows.status().message();
  EXPECT_EQ(rows.rows(), 3);
  EXPECT_EQ(std::count(rows.data().begin(), rows.data().end(), '\n'), 3);

  CopyRows arrays(1);
  arrays.TextArray(std::vector<std::string>{"ok", std::string("\0", 1)}).EndRow();
  EXPECT_NE(arrays.status().message().find("NUL"), std::string::npos);
}

TEST(CopyRowsTest, AWrongFieldCountIsRememberedFirstErrorWins) {
  CopyRows rows(3);
  rows.Int(1).Int(2).EndRow();
  rows.Text(std::string("\0", 1)).Int(2).Int(3).EndRow();
  ASSERT_FALSE(rows.status().ok());
  EXPECT_EQ(rows.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(rows.status().message().find("row 1 has 2 fields; the COPY expects 3"),
            std::string::npos)
      << rows.status().message();
  CopyRows too_many(1);
  too_many.Int(1).Int(2).EndRow();
  EXPECT_NE(too_many.status().message().find("has 2 fields"), std::string::npos);
}

TEST(CopyRowsTest, TypedIntegersAndFloatsAreDecimalTextInTextFormat) {
  CopyRows rows(6);
  EXPECT_EQ(rows.format(), CopyFormat::kText);
  rows.Int16(-7).Int16(INT16_MAX).Int32(INT32_MIN).Float(0.1f).Float(std::nanf(""));
  rows.Float(-HUGE_VALF).EndRow();
  EXPECT_TRUE(rows.status().ok()) << rows.status().ToString();
  EXPECT_EQ(rows.data(), "-7\t32767\t-2147483648\t0.1\tNaN\t-Infinity\n");
}

// Expected bytes are written as hex with spaces between the parts.
std::string NoSpaces(std::string hex) {
  std::erase(hex, ' ');
  return hex;
}

TEST(CopyRowsBinaryTest, EncodesEachFieldKindByteByByte) {
  constexpr Micros kY2k = 946'684'800'000'000;  // PostgreSQL's epoch, 2000-01-01 UTC
  const std::vector<std::string> two = {"a", "bc"};
  struct Case {
    const char* name;
    std::function<void(CopyRows&)> field;
    const char* hex;  // the field: int32 length, then the value (spaces ignored)
  };
  const Case cases[] = {
      {"Int16", [](CopyRows& r) { r.Int16(0x1234); }, "00000002 1234"},
      {"Int16 negative", [](CopyRows& r) { r.Int16(-2); }, "00000002 fffe"},
      {"Int32", [](CopyRows& r) { r.Int32(0x01020304); }, "00000004 01020304"},
      {"Int32 negative", [](CopyRows& r) { r.Int32(-1); }, "00000004 ffffffff"},
      {"Int", [](CopyRows& r) { r.Int(0x0102030405060708); }, "00000008 0102030405060708"},
      {"Int min", [](CopyRows& r) { r.Int(INT64_MIN); }, "00000008 8000000000000000"},
      {"Bool true", [](CopyRows& r) { r.Bool(true); }, "00000001 01"},
      {"Bool false", [](CopyRows& r) { r.Bool(false); }, "00000001 00"},
      {"Float", [](CopyRows& r) { r.Float(1.5f); }, "00000004 3fc00000"},
      {"Float -0", [](CopyRows& r) { r.Float(-0.0f); }, "00000004 80000000"},
      {"Double", [](CopyRows& r) { r.Double(1.0); }, "00000008 3ff0000000000000"},
      {"Double -0.5", [](CopyRows& r) { r.Double(-0.5); }, "00000008 bfe0000000000000"},
      {"Double NaN", [](CopyRows& r) { r.Double(std::numeric_limits<double>::quiet_NaN()); },
       "00000008 7ff8000000000000"},
      {"Double -inf", [](CopyRows& r) { r.Double(-HUGE_VAL); }, "00000008 fff0000000000000"},
      {"Timestamp at 2000", [kY2k](CopyRows& r) { r.Timestamp(kY2k); },
       "00000008 0000000000000000"},
      {"Timestamp 1 us after", [kY2k](CopyRows& r) { r.Timestamp(kY2k + 1); },
       "00000008 0000000000000001"},
      {"Timestamp at 1970", [](CopyRows& r) { r.Timestamp(0); }, "00000008 fffca2fec4c82000"},
      {"Timestamp in 2100", [](CopyRows& r) { r.Timestamp(4'102'444'800'123'456); },
       "00000008 000b3625a1cdc240"},
      {"Date at 2000", [kY2k](CopyRows& r) { r.Date(kY2k); }, "00000004 00000000"},
      {"Date end of that day", [kY2k](CopyRows& r) { r.Date(kY2k + kMicrosPerDay - 1); },
       "00000004 00000000"},
      {"Date 1970-01-01", [](CopyRows& r) { r.Date(0); }, "00000004 ffffd533"},
      {"Date 1969-12-31", [](CopyRows& r) { r.Date(-1); }, "00000004 ffffd532"},
      {"Null", [](CopyRows& r) { r.Null(); }, "ffffffff"},
      {"TextOrNull empty", [](CopyRows& r) { r.TextOrNull(""); }, "ffffffff"},
      {"Text raw", [](CopyRows& r) { r.Text("a\tb\\"); }, "00000004 6109625c"},
      {"Text empty", [](CopyRows& r) { r.Text(""); }, "00000000"},
      {"Bytes", [](CopyRows& r) { r.Bytes(std::string("\0\xff", 2)); }, "00000002 00ff"},
      {"TextArray empty", [](CopyRows& r) { r.TextArray(std::vector<std::string>{}); },
       "0000000c 00000000 00000000 00000019"},
      // ndim 1, no nulls, element type text (OID 25), 2 elements from index 1, then each
      // element's length and bytes.
      {"TextArray", [&two](CopyRows& r) { r.TextArray(two); },
       "0000001f 00000001 00000000 00000019 00000002 00000001 00000001 61 00000002 6263"},
  };
  for (const Case& c : cases) {
    CopyRows rows(1, CopyFormat::kBinary);
    c.field(rows);
    rows.EndRow();
    EXPECT_TRUE(rows.status().ok()) << c.name << ": " << rows.status().ToString();
    // Each row starts with its field count (int16).
    EXPECT_EQ(Hex(rows.data()), NoSpaces(std::string("0001 ") + c.hex)) << c.name;
  }
}

TEST(CopyRowsBinaryTest, RowsAreTuplesOnlySoSetsCanBeConcatenated) {
  CopyRows rows(2, CopyFormat::kBinary);
  EXPECT_EQ(rows.format(), CopyFormat::kBinary);
  rows.Int16(1).Null().EndRow();
  rows.Int32(2).Text("x").EndRow();
  EXPECT_TRUE(rows.status().ok()) << rows.status().ToString();
  EXPECT_EQ(rows.rows(), 2);
  EXPECT_EQ(Hex(rows.data()),
            NoSpaces("0002 00000002 0001 ffffffff  0002 00000004 00000002 00000001 78"));
  rows.Clear();
  EXPECT_EQ(rows.format(), CopyFormat::kBinary);
  EXPECT_EQ(rows.data(), "");
  CopyRows none(0, CopyFormat::kBinary);
  none.EndRow();
  EXPECT_TRUE(none.status().ok());
  EXPECT_EQ(Hex(none.data()), "0000");
}

TEST(CopyRowsBinaryTest, AWrongFieldCountIsRemembered) {
  CopyRows rows(3, CopyFormat::kBinary);
  rows.Int(1).Int(2).Int(3).EndRow();
  rows.Int(1).Int(2).EndRow();
  rows.Int(1).Int(2).Int(3).Int(4).EndRow();
  ASSERT_FALSE(rows.status().ok());
  EXPECT_EQ(rows.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(rows.status().message().find("row 2 has 2 fields; the COPY expects 3"),
            std::string::npos)
      << rows.status().message();
  EXPECT_EQ(rows.rows(), 3);
  CopyRows empty_row(1, CopyFormat::kBinary);
  empty_row.EndRow();
  EXPECT_NE(empty_row.status().message().find("row 1 has 0 fields"), std::string::npos);
}

TEST(CopyRowsBinaryTest, ANulByteInTextIsRefusedLikeInTextFormat) {
  CopyRows rows(2, CopyFormat::kBinary);
  rows.Int(1).Text("fine").EndRow();
  rows.Int(2).Text(std::string("a\0b", 3)).EndRow();
  ASSERT_FALSE(rows.status().ok());
  EXPECT_EQ(rows.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(rows.status().message().find("column 2 of row 2 holds a NUL byte"), std::string::npos)
      << rows.status().message();

  CopyRows arrays(1, CopyFormat::kBinary);
  arrays.TextArray(std::vector<std::string>{"ok", std::string("\0", 1)}).EndRow();
  EXPECT_NE(arrays.status().message().find("column 1 of row 1 holds a NUL byte"), std::string::npos)
      << arrays.status().message();

  CopyRows bytes(1, CopyFormat::kBinary);
  bytes.Bytes(std::string("\0", 1)).EndRow();
  EXPECT_TRUE(bytes.status().ok());
}

TEST(CopyRowsTest, ClearForgetsRowsAndStatusButKeepsCapacity) {
  CopyRows rows(1);
  for (int i = 0; i < 1000; ++i) rows.Text("some text to fill the buffer").EndRow();
  rows.Text(std::string("\0", 1)).EndRow();
  ASSERT_FALSE(rows.status().ok());
  const size_t capacity = rows.data().size();
  rows.Clear();
  EXPECT_TRUE(rows.status().ok());
  EXPECT_TRUE(rows.empty());
  EXPECT_EQ(rows.rows(), 0);
  EXPECT_EQ(rows.data(), "");
  EXPECT_EQ(rows.columns(), 1u);
  const char* before = nullptr;
  rows.Text("x").EndRow();
  before = rows.data().data();
  for (int i = 0; i < 900; ++i) rows.Text("some text to fill the buffer").EndRow();
  EXPECT_EQ(rows.data().data(), before) << "reallocated below the old size " << capacity;
}

TEST(CsvReaderTest, ReadsRfc4180) {
  std::istringstream in(
      "a,b,c\r\n"
      "1,\"x, y\",\"say \"\"hi\"\"\"\n"
      "\n"
      "2,\"multi\nline\",\n"
      ",,\n"
      "last,row,ü");
  internal::CsvReader csv(in);
  std::vector<std::string> f;
  ASSERT_TRUE(*csv.Next(f));
  EXPECT_EQ(f, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(csv.line(), 1);
  ASSERT_TRUE(*csv.Next(f));
  EXPECT_EQ(f, (std::vector<std::string>{"1", "x, y", "say \"hi\""}));
  ASSERT_TRUE(*csv.Next(f));
  EXPECT_EQ(f, (std::vector<std::string>{"2", "multi\nline", ""}));
  EXPECT_EQ(csv.line(), 4);
  ASSERT_TRUE(*csv.Next(f));
  EXPECT_EQ(f, (std::vector<std::string>{"", "", ""}));
  ASSERT_TRUE(*csv.Next(f));
  EXPECT_EQ(f, (std::vector<std::string>{"last", "row", "ü"}));
  Result<bool> end = csv.Next(f);
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(*end);
}

TEST(CsvReaderTest, RejectsMalformedQuotes) {
  for (const char* text : {"\"open,1\n", "\"closed\"junk,1\n"}) {
    std::istringstream in(text);
    internal::CsvReader csv(in);
    std::vector<std::string> f;
    Result<bool> r = csv.Next(f);
    EXPECT_FALSE(r.ok()) << text;
  }
}

class CatalogCsvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gm-catalog-csv-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(CatalogCsvTest, ReadsProductsAsExported) {
  auto reader = CatalogCsvReader::OpenProducts(
      Write("products.csv",
            "product_id,name,category,price,initial_stock,rating,extra\n"
            "P000001,\"Veltra, Pro \"\"Phone\"\" 41\",Smartphones,1299.99,17,4.5,x\n"
            "P000002,Plain,Books,0.5,0,,y\n"));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->ignored_columns(), std::vector<std::string>{"extra"});
  ProductRow row;
  ASSERT_TRUE(*(*reader)->NextProduct(row));
  EXPECT_EQ(row.product_id, "P000001");
  EXPECT_EQ(row.name, "Veltra, Pro \"Phone\" 41");
  EXPECT_EQ(row.category, "Smartphones");
  EXPECT_EQ(row.price_cents, 129999);
  EXPECT_EQ(row.initial_stock, 17);
  EXPECT_EQ(row.rating, 4.5);
  ASSERT_TRUE(*(*reader)->NextProduct(row));
  EXPECT_EQ(row.price_cents, 50);
  EXPECT_FALSE(row.rating.has_value());
  EXPECT_FALSE(*(*reader)->NextProduct(row));
}

TEST_F(CatalogCsvTest, RejectsBadProductValuesWithLineAndColumn) {
  const std::string header = "product_id,name,category,price,initial_stock,rating\n";
  struct Case {
    std::string row;
    std::string column;
  };
  const Case cases[] = {{"P1,n,c,abc,1,4\n", "price"},        {"P1,n,c,-1.00,1,4\n", "price"},
                        {"P1,n,c,1,-2,4\n", "initial_stock"}, {"P1,n,c,1,2,7\n", "rating"},
                        {",n,c,1,2,4\n", "product_id"},       {"P1,n,c,1,2\n", "fields"}};
  for (const Case& c : cases) {
    auto reader = CatalogCsvReader::OpenProducts(Write("p.csv", header + c.row));
    ASSERT_TRUE(reader.ok());
    ProductRow row;
    Result<bool> r = (*reader)->NextProduct(row);
    ASSERT_FALSE(r.ok()) << c.row;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("p.csv:2"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(c.column), std::string::npos) << r.status().message();
  }
  auto missing = CatalogCsvReader::OpenProducts(Write("q.csv", "product_id,name\n"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("category"), std::string::npos);
  auto absent = CatalogCsvReader::OpenProducts((dir_ / "nope.csv").string());
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.status().code(), ErrorCode::kNotFound);
}

TEST_F(CatalogCsvTest, ReadsCustomersInBothExportFormats) {
  // The generator's format: first/last name, ';'-separated categories.
  auto gen = CatalogCsvReader::OpenCustomers(
      Write("customers.csv",
            "user_id,first_name,last_name,email,age,country,city,latitude,longitude,"
            "utc_offset_minutes,signup_date,preferred_categories,activity\n"
            "U00000001,Zoë,O'Brien,zoe@example.com,34,UK,London,51.5074,-0.1278,0,2021-03-04,"
            "Books;Toys;Garden,heavy\n"));
  ASSERT_TRUE(gen.ok()) << gen.status().ToString();
  CustomerRow row;
  ASSERT_TRUE(*(*gen)->NextCustomer(row));
  EXPECT_EQ(row.user_id, "U00000001");
  EXPECT_EQ(row.name, "Zoë O'Brien");
  EXPECT_EQ(row.first_name, "Zoë");
  EXPECT_EQ(row.age, 34);
  EXPECT_EQ(row.country, "UK");
  EXPECT_EQ(row.latitude, 51.5074);
  EXPECT_EQ(row.utc_offset_minutes, 0);
  EXPECT_EQ(row.signup_date, DaysFromCivil(2021, 3, 4) * kMicrosPerDay);
  EXPECT_EQ(row.preferred_categories, (std::vector<std::string>{"Books", "Toys", "Garden"}));
  EXPECT_EQ(row.activity, "heavy");

  // The documented format: one name column, '|'-separated categories, optional columns empty.
  auto doc = CatalogCsvReader::OpenCustomers(Write(
      "c2.csv",
      "user_id,name,email,age,country,city,latitude,longitude,signup_date,preferred_categories\n"
      "U2,Ann Lee,,,USA,,,,,Books|Home & Garden\n"));
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  ASSERT_TRUE(*(*doc)->NextCustomer(row));
  EXPECT_EQ(row.name, "Ann Lee");
  EXPECT_FALSE(row.first_name.has_value());
  EXPECT_FALSE(row.email.has_value());
  EXPECT_FALSE(row.age.has_value());
  EXPECT_FALSE(row.signup_date.has_value());
  EXPECT_EQ(row.preferred_categories, (std::vector<std::string>{"Books", "Home & Garden"}));

  auto bad = CatalogCsvReader::OpenCustomers(Write("c3.csv", "user_id,country\n"));
  EXPECT_FALSE(bad.ok());
  auto bad_date = CatalogCsvReader::OpenCustomers(
      Write("c4.csv", "user_id,name,country,signup_date\nU1,A,UK,2021-02-30\n"));
  ASSERT_TRUE(bad_date.ok());
  EXPECT_FALSE((*bad_date)->NextCustomer(row).ok());
}

TEST(UrlTest, RedactsPasswords) {
  EXPECT_EQ(RedactUrl("postgresql://gm:s3cret@127.0.0.1:5433/globalmart"),
            "postgresql://gm:***@127.0.0.1:5433/globalmart");
  EXPECT_EQ(RedactUrl("postgres://gm@host/db"), "postgres://gm@host/db");
  EXPECT_EQ(RedactUrl("postgresql://host/db?user=a&password=xyz&sslmode=require"),
            "postgresql://host/db?user=a&password=***&sslmode=require");
  EXPECT_EQ(RedactUrl("host=h password='a b' user=u"), "host=h password=*** user=u");
  EXPECT_EQ(RedactUrl("host=h password=abc"), "host=h password=***");
}

TEST(UrlTest, AddsParametersInTheUrlsOwnSyntax) {
  EXPECT_EQ(WithUrlParameter("postgresql://h/db", "connect_timeout", "5"),
            "postgresql://h/db?connect_timeout=5");
  EXPECT_EQ(WithUrlParameter("postgresql://h/db?sslmode=require", "connect_timeout", "5"),
            "postgresql://h/db?sslmode=require&connect_timeout=5");
  EXPECT_EQ(WithUrlParameter("postgresql://h/db?connect_timeout=9", "connect_timeout", "5"),
            "postgresql://h/db?connect_timeout=9");
  EXPECT_EQ(WithUrlParameter("host=h dbname=d", "connect_timeout", "5"),
            "host=h dbname=d connect_timeout=5");
  EXPECT_EQ(WithUrlParameter("host=h connect_timeout=1", "connect_timeout", "5"),
            "host=h connect_timeout=1");
}

TEST(UrlTest, MalformedUrlsFailAtOnceAsInvalidArgument) {
  for (const char* url : {"bogus", "postgresql://127.0.0.1/db?no_such_option=1",
                          "postgresql://127.0.0.1:notaport/db"}) {
    Result<std::unique_ptr<Connection>> c = Connection::Open(url, kMicrosPerSecond);
    ASSERT_FALSE(c.ok()) << url;
    EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument) << c.status().ToString();
  }
}

TEST(ErrorMappingTest, SqlStatesMapToCodes) {
  struct Case {
    const char* state;
    ErrorCode code;
  };
  const Case cases[] = {
      {"08006", ErrorCode::kUnavailable},     {"57P01", ErrorCode::kUnavailable},
      {"40001", ErrorCode::kUnavailable},     {"23505", ErrorCode::kInvalidArgument},
      {"22P02", ErrorCode::kInvalidArgument}, {"53100", ErrorCode::kResourceExhausted},
      {"57014", ErrorCode::kTimeout},         {"42P01", ErrorCode::kInternal}};
  for (const Case& c : cases) {
    Status s = SqlStateToStatus(c.state, "boom\n", "doing x");
    EXPECT_EQ(s.code(), c.code) << c.state;
    EXPECT_EQ(s.message(), std::string("doing x: boom (SQLSTATE ") + c.state + ")");
  }
}

TEST(ProcessTest, LastLinesAndShellQuoting) {
  EXPECT_EQ(internal::LastLines("a\nb\nc\n", 2), "b\nc");
  EXPECT_EQ(internal::LastLines("a\nb\nc", 5), "a\nb\nc");
  EXPECT_EQ(internal::LastLines("", 3), "");
  EXPECT_EQ(internal::LastLines("only", 1), "only");
  EXPECT_EQ(ShellQuote("/var/pg"), "/var/pg");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote(""), "''");
}

TEST(ProcessTest, RunsCommandsAndCapturesOutput) {
  internal::RunAs self;
  Result<internal::CommandResult> r = internal::RunCommand(
      {"/bin/sh", "-c", "cat; echo err >&2; exit 3"}, self, "input\n", 10 * kMicrosPerSecond);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->output, "input\nerr\n");
  Result<internal::CommandResult> slow =
      internal::RunCommand({"/bin/sleep", "5"}, self, "", 200 * kMicrosPerMilli);
  EXPECT_EQ(slow.status().code(), ErrorCode::kTimeout);
  Result<internal::CommandResult> missing =
      internal::RunCommand({"/nonexistent/program"}, self, "", kMicrosPerSecond);
  EXPECT_EQ(missing.status().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace gm::store
