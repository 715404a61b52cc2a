#pragma once

// Small formatting helpers shared by the catalog and customer writers and the ids.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gm::generator::internal {

//! Appends n (≥ 0) in decimal, left-padded with zeros to at least `width` digits.
inline void AppendPadded(int64_t n, int width, std::string& out) {
  char buf[24];
  char* end = buf + sizeof buf;
  char* p = end;
  do {
    *--p = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n > 0);
  while (end - p < width && p > buf) *--p = '0';
  out.append(p, static_cast<size_t>(end - p));  // one append: ids are on the hot path
}

//! Parses `prefix` + decimal digits written by AppendPadded with `width`; rejects any other
//! spelling of the same number (so ids round-trip exactly).
inline std::optional<int64_t> ParsePaddedId(std::string_view id, char prefix, int width) {
  if (id.size() < static_cast<size_t>(width) + 1 || id.size() > 19 || id[0] != prefix) {
    return std::nullopt;
  }
  int64_t n = 0;
  for (size_t i = 1; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9') return std::nullopt;
    n = n * 10 + (id[i] - '0');
  }
  if (id.size() > static_cast<size_t>(width) + 1 && id[1] == '0') return std::nullopt;
  return n;
}

//! Appends a CSV field, quoted when it holds a comma, quote or line break.
inline void AppendCsvField(std::string_view field, std::string& out) {
  if (field.find_first_of(",\"\n\r") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

//! Appends x rounded to `decimals` fraction digits (x ≥ 0 or negative), e.g. 4.2 → "4.2".
inline void AppendFixed(double x, int decimals, std::string& out) {
  int64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  int64_t v = std::llround(x * static_cast<double>(scale));
  if (v < 0) {
    out.push_back('-');
    v = -v;
  }
  AppendPadded(v / scale, 1, out);
  if (decimals > 0) {
    out.push_back('.');
    AppendPadded(v % scale, decimals, out);
  }
}
inline void AppendFixed1(double x, std::string& out) { AppendFixed(x, 1, out); }

}  // namespace gm::generator::internal
