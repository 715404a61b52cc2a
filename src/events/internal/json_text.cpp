#include "events/internal/json_text.h"

namespace gm::events::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (s[i] >= '1' && s[i] <= '9') {
    while (i < n && IsDigit(s[i])) ++i;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (i >= n || !IsDigit(s[i])) return false;
    while (i < n && IsDigit(s[i])) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= n || !IsDigit(s[i])) return false;
    while (i < n && IsDigit(s[i])) ++i;
  }
  return i == n;
}

IntegerParse ParseJsonInteger(std::string_view s, int64_t* out) {
  size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) ++i;
  // The digits before and after the point form one sequence, split into two views.
  const size_t int_begin = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  const std::string_view int_part = s.substr(int_begin, i - int_begin);
  std::string_view frac_part;
  if (i < s.size() && s[i] == '.') {
    const size_t frac_begin = ++i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    frac_part = s.substr(frac_begin, i - frac_begin);
  }
  // The exponent is clamped: beyond ±10^6 no message-sized digit sequence can compensate.
  int64_t exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    const bool exp_negative = s[i] == '-';
    if (s[i] == '+' || s[i] == '-') ++i;
    for (; i < s.size(); ++i) {
      if (exponent < 1'000'000) exponent = exponent * 10 + (s[i] - '0');
    }
    if (exp_negative) exponent = -exponent;
  }
  const size_t total = int_part.size() + frac_part.size();
  auto digit = [&](size_t k) {
    return k < int_part.size() ? int_part[k] : frac_part[k - int_part.size()];
  };
  size_t first = 0;
  while (first < total && digit(first) == '0') ++first;
  if (first == total) {  // zero, however it is spelled
    *out = 0;
    return IntegerParse::kOk;
  }
  size_t last = total - 1;
  while (digit(last) == '0') --last;
  // value = digits[first..last] × 10^scale
  const int64_t scale =
      exponent - static_cast<int64_t>(frac_part.size()) + static_cast<int64_t>(total - 1 - last);
  if (scale < 0) return IntegerParse::kNotInteger;
  const int64_t significant = static_cast<int64_t>(last - first + 1);
  if (significant + scale > 18) return IntegerParse::kOutOfRange;
  int64_t value = 0;
  for (size_t k = first; k <= last; ++k) value = value * 10 + (digit(k) - '0');
  for (int64_t k = 0; k < scale; ++k) value *= 10;
  *out = negative ? -value : value;
  return IntegerParse::kOk;
}

void AppendEcho(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t end = value.size();
  const bool cut = end > kMaxEchoBytes;
  if (cut) {
    end = kMaxEchoBytes;
    // Step back over continuation bytes so a multi-byte character is never split.
    while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
  }
  for (size_t i = 0; i < end; ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c != 0x7F) {
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '\t') {
      out.append("\\t");
    } else if (c == '\r') {
      out.append("\\r");
    } else {
      const char escaped[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(escaped, sizeof escaped);
    }
  }
  if (cut) out.append("...");
}

size_t FindInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    uint32_t min;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return n;
}

}  // namespace gm::events::internal
