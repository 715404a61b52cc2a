#include "store/copy_rows.h"

#include <array>
#include <charconv>
#include <cmath>

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

void CopyRows::BeginField() {
  if (fields_in_row_++ > 0) buffer_.push_back('\t');
}

CopyRows& CopyRows::Null() {
  BeginField();
  buffer_.append("\\N");
  return *this;
}

CopyRows& CopyRows::Text(std::string_view value) {
  BeginField();
  if (!copy_text::AppendEscaped(value, buffer_) && error_.ok()) {
    error_ = InvalidArgument("column " + std::to_string(fields_in_row_) + " of row " +
                             std::to_string(rows_ + 1) +
                             " holds a NUL byte, which PostgreSQL text cannot store");
  }
  return *this;
}

CopyRows& CopyRows::TextOrNull(std::string_view value) {
  return value.empty() ? Null() : Text(value);
}

CopyRows& CopyRows::Int(int64_t value) {
  BeginField();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  buffer_.append(buf, end);
  return *this;
}

CopyRows& CopyRows::Double(double value) {
  BeginField();
  if (std::isnan(value)) {
    buffer_.append("NaN");
  } else if (std::isinf(value)) {
    buffer_.append(value > 0 ? "Infinity" : "-Infinity");
  } else {
    // The shortest text that reads back as the same double.
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    buffer_.append(buf, end);
  }
  return *this;
}

CopyRows& CopyRows::Bool(bool value) {
  BeginField();
  buffer_.push_back(value ? 't' : 'f');
  return *this;
}

CopyRows& CopyRows::Timestamp(Micros value) {
  BeginField();
  AppendTimestamp(value, buffer_);
  return *this;
}

CopyRows& CopyRows::Date(Micros value) {
  BeginField();
  buffer_.append(FormatTimestamp(value), 0, 10);
  return *this;
}

CopyRows& CopyRows::Bytes(std::string_view value) {
  BeginField();
  static constexpr char kHex[] = "0123456789abcdef";
  buffer_.append("\\\\x");  // bytea's \x prefix, its backslash escaped for COPY
  const size_t at = buffer_.size();
  buffer_.resize(at + 2 * value.size());
  char* out = buffer_.data() + at;
  for (unsigned char c : value) {
    *out++ = kHex[c >> 4];
    *out++ = kHex[c & 15];
  }
  return *this;
}

CopyRows& CopyRows::TextArray(std::span<const std::string> values) {
  scratch_.clear();
  copy_text::AppendArrayLiteral(values, scratch_);
  return Text(scratch_);
}

void CopyRows::EndRow() {
  if (fields_in_row_ != columns_ && error_.ok()) {
    error_ = InvalidArgument("row " + std::to_string(rows_ + 1) + " has " +
                             std::to_string(fields_in_row_) + " fields; the COPY expects " +
                             std::to_string(columns_));
  }
  fields_in_row_ = 0;
  buffer_.push_back('\n');
  ++rows_;
}

void CopyRows::Clear() {
  fields_in_row_ = 0;
  rows_ = 0;
  buffer_.clear();
  error_ = Status::Ok();
}

}  // namespace gm::store
