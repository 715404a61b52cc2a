#include "common/time.h"

#include <chrono>
#include <cstdio>

namespace gm {
namespace {

bool ReadDigits(std::string_view s, size_t& pos, int count, int* out) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (int i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += count;
  *out = v;
  return true;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

void Append2(std::string& out, int v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* year, unsigned* month, unsigned* day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = y + (*month <= 2);
}

bool ParseTimestamp(std::string_view s, Micros* out) {
  size_t pos = 0;
  int year, month, day, hour, minute, second = 0;
  if (!ReadDigits(s, pos, 4, &year) || pos >= s.size() || s[pos++] != '-') return false;
  if (!ReadDigits(s, pos, 2, &month) || pos >= s.size() || s[pos++] != '-') return false;
  if (!ReadDigits(s, pos, 2, &day) || pos >= s.size()) return false;
  if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return false;
  ++pos;
  if (!ReadDigits(s, pos, 2, &hour) || pos >= s.size() || s[pos++] != ':') return false;
  if (!ReadDigits(s, pos, 2, &minute)) return false;
  Micros fraction = 0;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!ReadDigits(s, pos, 2, &second)) return false;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      size_t digits = 0;
      Micros scale = 100000;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (digits < 6) fraction += (s[pos] - '0') * scale;
        scale /= 10;
        ++digits;
        ++pos;
      }
      if (digits == 0) return false;
    }
  }
  Micros offset = 0;
  if (pos < s.size()) {
    char c = s[pos];
    if ((c == 'Z' || c == 'z') && pos + 1 == s.size()) {
      ++pos;
    } else if (c == '+' || c == '-') {
      ++pos;
      int oh, om = 0;
      if (!ReadDigits(s, pos, 2, &oh)) return false;
      if (pos < s.size() && s[pos] == ':') ++pos;
      if (pos < s.size() && !ReadDigits(s, pos, 2, &om)) return false;
      if (pos != s.size() || oh > 23 || om > 59) return false;
      offset = (oh * 60 + om) * kMicrosPerMinute;
      if (c == '-') offset = -offset;
    } else {
      return false;
    }
  }
  if (pos != s.size()) return false;
  if (month < 1 || month > 12 || day < 1 || day > static_cast<int>(DaysInMonth(year, month)) ||
      hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  const int64_t days = DaysFromCivil(year, month, day);
  *out = days * kMicrosPerDay + hour * kMicrosPerHour + minute * kMicrosPerMinute +
         second * kMicrosPerSecond + fraction - offset;
  return true;
}

void AppendTimestamp(Micros t, std::string& out) {
  int64_t days = t / kMicrosPerDay;
  Micros rem = t % kMicrosPerDay;
  if (rem < 0) {
    rem += kMicrosPerDay;
    --days;
  }
  int64_t year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  char buf[32];
  if (year >= 0 && year <= 9999) {  // the common case, without snprintf's cost
    Append2(out, static_cast<int>(year / 100));
    Append2(out, static_cast<int>(year % 100));
    out.push_back('-');
  } else {
    int n = std::snprintf(buf, sizeof buf, "%04lld-", static_cast<long long>(year));
    out.append(buf, static_cast<size_t>(n));
  }
  Append2(out, static_cast<int>(month));
  out.push_back('-');
  Append2(out, static_cast<int>(day));
  out.push_back('T');
  Append2(out, static_cast<int>(rem / kMicrosPerHour));
  out.push_back(':');
  Append2(out, static_cast<int>(rem / kMicrosPerMinute % 60));
  out.push_back(':');
  Append2(out, static_cast<int>(rem / kMicrosPerSecond % 60));
  out.push_back('.');
  Micros sub = rem % kMicrosPerSecond;
  int digits = sub % 1000 == 0 ? 3 : 6;
  if (digits == 3) sub /= 1000;
  for (int i = digits - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + sub % 10);
    sub /= 10;
  }
  out.append(buf, static_cast<size_t>(digits));
  out.push_back('Z');
}

std::string FormatTimestamp(Micros t) {
  std::string out;
  AppendTimestamp(t, out);
  return out;
}

Result<Micros> ParseDuration(std::string_view text) {
  if (text == "0") return Micros{0};
  size_t i = 0;
  Micros value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (value > (int64_t{1} << 40))
      return InvalidArgument("duration too large: '" + std::string(text) + "'");
    value = value * 10 + (text[i] - '0');
    ++i;
  }
  std::string_view unit = text.substr(i);
  Micros scale = 0;
  if (i == 0)
    scale = 0;
  else if (unit == "us")
    scale = 1;
  else if (unit == "ms")
    scale = kMicrosPerMilli;
  else if (unit == "s")
    scale = kMicrosPerSecond;
  else if (unit == "m" || unit == "min")
    scale = kMicrosPerMinute;
  else if (unit == "h")
    scale = kMicrosPerHour;
  else if (unit == "d")
    scale = kMicrosPerDay;
  if (scale == 0) {
    return InvalidArgument(
        "'" + std::string(text) +
        "' is not a duration (use a number and a unit: 250ms, 10s, 5m, 2h, 30d)");
  }
  return value * scale;
}

std::string FormatDuration(Micros d) {
  struct Unit {
    Micros scale;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{kMicrosPerDay, "d"},
                                    {kMicrosPerHour, "h"},
                                    {kMicrosPerMinute, "m"},
                                    {kMicrosPerSecond, "s"},
                                    {kMicrosPerMilli, "ms"}};
  if (d == 0) return "0";
  for (const Unit& u : kUnits) {
    if (d % u.scale == 0) return std::to_string(d / u.scale) + u.name;
  }
  return std::to_string(d) + "us";
}

Micros SystemClock::Now() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

}  // namespace gm
