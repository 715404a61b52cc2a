#include "store/copy_rows.h"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <type_traits>

#include "common/hex.h"

namespace gm::store {

namespace copy_text {

namespace {

// The bytes COPY's text format escapes (and NUL, which it cannot hold).
constexpr auto kNeedsEscape = [] {
  std::array<bool, 256> t{};
  for (unsigned char c : {'\\', '\t', '\n', '\r', '\0'}) t[c] = true;
  return t;
}();

}  // namespace

bool AppendEscaped(std::string_view value, std::string& out) {
  // Almost every value has nothing to escape: find out with one table lookup per byte and
  // append it whole.
  size_t first = 0;
  while (first < value.size() && !kNeedsEscape[static_cast<unsigned char>(value[first])]) {
    ++first;
  }
  if (first == value.size()) {
    out.append(value);
    return true;
  }
  bool ok = true;
  size_t start = 0;
  for (size_t i = first; i < value.size(); ++i) {
    const char c = value[i];
    const char* escape = nullptr;
    switch (c) {
      case '\\':
        escape = "\\\\";
        break;
      case '\t':
        escape = "\\t";
        break;
      case '\n':
        escape = "\\n";
        break;
      case '\r':
        escape = "\\r";
        break;
      case '\0':
        ok = false;
        break;
      default:
        continue;
    }
    out.append(value.substr(start, i - start));
    if (escape != nullptr) out.append(escape);
    start = i + 1;
  }
  out.append(value.substr(start));
  return ok;
}

void AppendArrayLiteral(std::span<const std::string> values, std::string& out) {
  out.push_back('{');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
}

}  // namespace copy_text

namespace {

// The binary format's integers are big-endian (network byte order). Writes `value` at `out`
// and returns the end.
template <typename U>
char* PutBigEndian(U value, char* out) {
  static_assert(std::is_unsigned_v<U>);
  for (size_t i = 0; i < sizeof(U); ++i) {
    *out++ = static_cast<char>(value >> (8 * (sizeof(U) - 1 - i)));
  }
  return out;
}
template <typename U>
void AppendBigEndian(U value, std::string& out) {
  char bytes[sizeof(U)];
  out.append(bytes, PutBigEndian(value, bytes));
}

// PostgreSQL counts timestamps and dates from 2000-01-01 00:00:00 UTC.
constexpr Micros kPostgresEpochMicros = 946'684'800'000'000;
constexpr int64_t kPostgresEpochDays = 10'957;
// The binary array format names its element type: text.
constexpr uint32_t kTextOid = 25;

template <typename F>
void AppendTextFloat(F value, std::string& out) {
  if (std::isnan(value)) {
    out.append("NaN");
  } else if (std::isinf(value)) {
    out.append(value > 0 ? "Infinity" : "-Infinity");
  } else {
    // The shortest text that reads back as the same value.
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, end);
  }
}

}  // namespace

void CopyRows::BeginField() {
  if (fields_in_row_++ > 0) buffer_.push_back('\t');
}

// A binary field: its length and value, after the row's field count when it is the row's
// first (one append where the width is fixed).
void CopyRows::BinaryField(int32_t size) {
  char head[2 + 4];
  char* end = head;
  // A tuple starts with its field count: the row's first field writes the expected one
  // (EndRow reports a row that does not have it).
  if (fields_in_row_++ == 0) end = PutBigEndian(static_cast<uint16_t>(columns_), end);
  end = PutBigEndian(static_cast<uint32_t>(size), end);
  buffer_.append(head, end);
}

template <typename U>
void CopyRows::BinaryValue(U bits) {
  char field[2 + 4 + sizeof(U)];
  char* end = field;
  if (fields_in_row_++ == 0) end = PutBigEndian(static_cast<uint16_t>(columns_), end);
  end = PutBigEndian(static_cast<uint32_t>(sizeof(U)), end);
  end = PutBigEndian(bits, end);
  buffer_.append(field, end);
}

void CopyRows::NulByte() {
  if (!error_.ok()) return;
  error_ = InvalidArgument("column " + std::to_string(fields_in_row_) + " of row " +
                           std::to_string(rows_ + 1) +
                           " holds a NUL byte, which PostgreSQL text cannot store");
}

CopyRows& CopyRows::Null() {
  if (format_ == CopyFormat::kBinary) {
    BinaryField(-1);
    return *this;
  }
  BeginField();
  buffer_.append("\\N");
  return *this;
}

CopyRows& CopyRows::Text(std::string_view value) {
  if (format_ == CopyFormat::kBinary) {
    BinaryField(static_cast<int32_t>(value.size()));
    buffer_.append(value);
    if (value.find('\0') != std::string_view::npos) NulByte();
    return *this;
  }
  BeginField();
  if (!copy_text::AppendEscaped(value, buffer_)) NulByte();
  return *this;
}

CopyRows& CopyRows::TextOrNull(std::string_view value) {
  return value.empty() ? Null() : Text(value);
}

CopyRows& CopyRows::Int16(int16_t value) {
  if (format_ == CopyFormat::kText) return Int(value);
  BinaryValue(static_cast<uint16_t>(value));
  return *this;
}

CopyRows& CopyRows::Int32(int32_t value) {
  if (format_ == CopyFormat::kText) return Int(value);
  BinaryValue(static_cast<uint32_t>(value));
  return *this;
}

CopyRows& CopyRows::Int(int64_t value) {
  if (format_ == CopyFormat::kBinary) {
    BinaryValue(static_cast<uint64_t>(value));
    return *this;
  }
  BeginField();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  buffer_.append(buf, end);
  return *this;
}

CopyRows& CopyRows::Float(float value) {
  if (format_ == CopyFormat::kBinary) {
    BinaryValue(std::bit_cast<uint32_t>(value));
    return *this;
  }
  BeginField();
  AppendTextFloat(value, buffer_);
  return *this;
}

CopyRows& CopyRows::Double(double value) {
  if (format_ == CopyFormat::kBinary) {
    BinaryValue(std::bit_cast<uint64_t>(value));
    return *this;
  }
  BeginField();
  AppendTextFloat(value, buffer_);
  return *this;
}

CopyRows& CopyRows::Bool(bool value) {
  if (format_ == CopyFormat::kBinary) {
    BinaryValue(static_cast<uint8_t>(value ? 1 : 0));
    return *this;
  }
  BeginField();
  buffer_.push_back(value ? 't' : 'f');
  return *this;
}

CopyRows& CopyRows::Timestamp(Micros value) {
  if (format_ == CopyFormat::kBinary) {
    // Unsigned, so no value can overflow (those near the int64 limits are no real times).
    BinaryValue(static_cast<uint64_t>(value) - static_cast<uint64_t>(kPostgresEpochMicros));
    return *this;
  }
  BeginField();
  AppendTimestamp(value, buffer_);
  return *this;
}

CopyRows& CopyRows::Date(Micros value) {
  if (format_ == CopyFormat::kBinary) {
    // The day holding `value`: rounded down, also before 1970.
    Micros days = value / kMicrosPerDay;
    if (value % kMicrosPerDay < 0) --days;
    BinaryValue(static_cast<uint32_t>(days - kPostgresEpochDays));
    return *this;
  }
  BeginField();
  buffer_.append(FormatTimestamp(value), 0, 10);
  return *this;
}

CopyRows& CopyRows::Bytes(std::string_view value) {
  if (format_ == CopyFormat::kBinary) {
    BinaryField(static_cast<int32_t>(value.size()));
    buffer_.append(value);
    return *this;
  }
  BeginField();
  buffer_.append("\\\\x");  // bytea's \x prefix, its backslash escaped for COPY
  AppendHex(value, buffer_);
  return *this;
}

CopyRows& CopyRows::TextArray(std::span<const std::string> values) {
  if (format_ == CopyFormat::kText) {
    scratch_.clear();
    copy_text::AppendArrayLiteral(values, scratch_);
    return Text(scratch_);
  }
  // PostgreSQL's array_send layout: dimensions, a has-nulls flag, the element type, then
  // per dimension its length and lower bound; an empty array has no dimension.
  const bool empty = values.empty();
  size_t size = empty ? 12 : 20;
  for (const std::string& v : values) size += 4 + v.size();
  BinaryField(static_cast<int32_t>(size));
  char head[5 * 4];
  char* end = PutBigEndian(uint32_t{empty ? 0u : 1u}, head);  // dimensions
  end = PutBigEndian(uint32_t{0}, end);                       // no NULL elements
  end = PutBigEndian(kTextOid, end);
  if (!empty) {
    end = PutBigEndian(static_cast<uint32_t>(values.size()), end);
    end = PutBigEndian(uint32_t{1}, end);  // lower bound
  }
  buffer_.append(head, end);
  bool nul = false;
  for (const std::string& v : values) {
    AppendBigEndian(static_cast<uint32_t>(v.size()), buffer_);
    buffer_.append(v);
    nul |= v.find('\0') != std::string::npos;
  }
  if (nul) NulByte();
  return *this;
}

void CopyRows::EndRow() {
  if (fields_in_row_ != columns_ && error_.ok()) {
    error_ = InvalidArgument("row " + std::to_string(rows_ + 1) + " has " +
                             std::to_string(fields_in_row_) + " fields; the COPY expects " +
                             std::to_string(columns_));
  }
  if (format_ == CopyFormat::kBinary) {
    // A row without fields has not written its count yet.
    if (fields_in_row_ == 0) AppendBigEndian(static_cast<uint16_t>(columns_), buffer_);
  } else {
    buffer_.push_back('\n');
  }
  fields_in_row_ = 0;
  ++rows_;
}

void CopyRows::Clear() {
  fields_in_row_ = 0;
  rows_ = 0;
  buffer_.clear();
  error_ = Status::Ok();
}

}  // namespace gm::store
