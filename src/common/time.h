#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace gm {

//! A point in time: microseconds since the Unix epoch, UTC. Event time everywhere.
using Micros = int64_t;

inline constexpr Micros kMicrosPerMilli = 1'000;
inline constexpr Micros kMicrosPerSecond = 1'000'000;
inline constexpr Micros kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr Micros kMicrosPerHour = 60 * kMicrosPerMinute;
inline constexpr Micros kMicrosPerDay = 24 * kMicrosPerHour;

//! Parses ISO-8601 date-times as the event contract allows (docs/events.md):
//! `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]]` followed by `Z`, `±HH:MM`, `±HHMM`, `±HH` or
//! nothing (then UTC, as Python's isoformat() writes naive times). Fractions beyond
//! microseconds are truncated. Returns false (and leaves *out alone) on anything else,
//! including impossible dates such as February 30th.
[[nodiscard]] bool ParseTimestamp(std::string_view text, Micros* out);

//! Appends `YYYY-MM-DDTHH:MM:SS.mmmZ` (microsecond digits when the value has them).
void AppendTimestamp(Micros t, std::string& out);
std::string FormatTimestamp(Micros t);

//! Parses a duration with a unit: `250ms`, `10s`, `5m`, `2h`, `30d` (also `us`).
//! A bare `0` is accepted. Returns an InvalidArgument status naming the text otherwise.
Result<Micros> ParseDuration(std::string_view text);
//! The shortest exact spelling of a duration, e.g. "1m", "250ms", "30d".
std::string FormatDuration(Micros d);

//! Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
//! Floor division of a timestamp into whole days, then the civil date.
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day);

//! The source of "now". Injected wherever wall-clock time matters so tests can use
//! ManualClock and run instantly. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  //! Wall-clock time, UTC.
  virtual Micros Now() const = 0;
};

//! The real clock (std::chrono::system_clock).
class SystemClock final : public Clock {
 public:
  Micros Now() const override;
  //! A process-wide instance; SystemClock holds no state, so sharing is safe.
  static const SystemClock& Instance();
};

//! A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Micros start) : now_(start) {}
  Micros Now() const override { return now_.load(std::memory_order_relaxed); }
  void Set(Micros t) { now_.store(t, std::memory_order_relaxed); }
  void Advance(Micros d) { now_.fetch_add(d, std::memory_order_relaxed); }

 private:
  std::atomic<Micros> now_;
};

}  // namespace gm
