#pragma once

// The order in which a task applies order-sensitive work (DESIGN.md §6 Order).

#include <compare>
#include <cstdint>

#include "common/time.h"

namespace gm::stream {

//! "No time yet": below every event time.
inline constexpr Micros kNoTime = INT64_MIN;

//! An event's place in the order of DESIGN.md §6: (effective time, topic, partition,
//! offset). For a file source, the partition is 0 and the offset the line number. Work
//! caused by a timer (a cart abandonment) takes the timer's time with the position of the
//! event that set it.
struct OrderKey {
  Micros effective_time = 0;
  uint8_t topic = 0;
  int32_t partition = 0;
  int64_t offset = 0;
  auto operator<=>(const OrderKey&) const = default;
};

}  // namespace gm::stream
