#include "common/money.h"

#include <charconv>

namespace gm {
namespace {
constexpr int kMaxDigits = 18;  // keeps every intermediate below 10^18 < 2^63
}

bool ParseCents(std::string_view s, Cents* out) {
  size_t pos = 0;
  bool negative = false;
  if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) negative = s[pos++] == '-';
  // All significant digits in order, with the count that follow the decimal point.
  char digits[64];
  int n = 0;
  int fraction_digits = 0;
  bool seen_digit = false, seen_point = false, nonzero_dropped = false;
  for (; pos < s.size(); ++pos) {
    char c = s[pos];
    if (c >= '0' && c <= '9') {
      seen_digit = true;
      if (n == 0 && c == '0') {  // leading zeros carry no information
        if (seen_point) ++fraction_digits;
        continue;
      }
      if (n < static_cast<int>(sizeof digits)) {
        digits[n++] = c;
        if (seen_point) ++fraction_digits;
      } else if (seen_point) {
        // Beyond 64 significant digits only "is anything non-zero left" matters.
        nonzero_dropped |= c != '0';
      } else {
        return false;
      }
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!seen_digit) return false;
  int exponent = 0;
  if (pos < s.size() && (s[pos] == 'e' || s[pos] == 'E')) {
    ++pos;
    bool exp_negative = false;
    if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) exp_negative = s[pos++] == '-';
    if (pos >= s.size()) return false;
    for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos) {
      exponent = exponent * 10 + (s[pos] - '0');
      if (exponent > 1000) return false;
    }
    if (exp_negative) exponent = -exponent;
  }
  if (pos != s.size()) return false;
  // value = digits × 10^(exponent − fraction_digits); cents = value × 100.
  int shift = exponent - fraction_digits + 2;
  int keep = n + shift < 0 ? 0 : (shift >= 0 ? n : n + shift);
  if (keep + (shift > 0 ? shift : 0) > kMaxDigits) return false;
  Cents value = 0;
  for (int i = 0; i < keep; ++i) value = value * 10 + (digits[i] - '0');
  for (int i = 0; i < shift; ++i) value *= 10;
  if (keep < n) {
    // Round half to even on the dropped digits.
    int first = digits[keep] - '0';
    bool rest_nonzero = nonzero_dropped;
    for (int i = keep + 1; i < n; ++i) rest_nonzero |= digits[i] != '0';
    if (n + shift < 0) {  // every kept position is zero and the first dropped is below 0.1¢
      first = 0;
      rest_nonzero = true;
    }
    if (first > 5 || (first == 5 && (rest_nonzero || value % 2 == 1))) ++value;
  }
  if (value > Cents{100'000'000'000'000'000}) return false;
  *out = negative ? -value : value;
  return true;
}

void AppendCents(Cents cents, std::string& out) {
  uint64_t magnitude = cents < 0 ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
  if (cents < 0) out.push_back('-');
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, magnitude / 100);
  out.append(digits, end);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + magnitude % 100 / 10));
  out.push_back(static_cast<char>('0' + magnitude % 10));
}

std::string FormatCents(Cents cents) {
  std::string out;
  AppendCents(cents, out);
  return out;
}

}  // namespace gm
