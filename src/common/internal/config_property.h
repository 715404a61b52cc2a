#pragma once

// The rows of the configuration property table (config.cpp's Properties()) and the builders
// that make them for the common kinds of value: each builder parses, bounds-checks and renders
// one field of Config, so a property is declared in one place with its key, meaning, unit
// and bounds. Internal to the common module.

#include <charconv>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "common/time.h"

namespace gm::internal {

//! One row per property: the single place that names, describes and bounds it.
struct Property {
  std::string key;
  std::string description;
  std::string unit;  //!< empty when unitless
  //! Parses a value given as text (file, environment or flag) into the config; on a bad
  //! value returns InvalidArgument (see BadValue) and leaves the config unchanged.
  std::function<Status(Config&, std::string_view)> set;
  //! The current value as text; RenderConfig quotes it when `quote` is set to make the TOML
  //! value, which `set` reads back. (RateProperty, unquoted, renders "max" with its quotes.)
  std::function<std::string(const Config&)> get;
  bool quote = false;  //!< rendered as a TOML string
};

//! InvalidArgument "invalid value 'VALUE' for KEY: WHY" — the one error every setter returns.
Status BadValue(std::string_view key, std::string_view value, std::string_view why);

//! A whole number in [min, max]; `_` separators are accepted (1_000_000) as TOML does.
//! Anything else (a fraction, a leading +, a - for an unsigned Int, trailing text) is a
//! BadValue. `field` selects the member of Config the property reads and writes.
template <typename Int>
Property IntProperty(std::string key, std::string description, std::string unit,
                     Int& (*field)(Config&), Int min, Int max) {
  Property p;
  p.key = key;
  p.description = std::move(description);
  p.unit = std::move(unit);
  p.set = [key, field, min, max](Config& c, std::string_view v) -> Status {
    Int parsed{};
    std::string text(v);
    // Accept 1_000_000 as TOML does.
    std::erase(text, '_');
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
      return BadValue(key, v, "expected a whole number");
    }
    if (parsed < min || parsed > max) {
      return BadValue(key, v,
                      "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    field(c) = parsed;
    return Status::Ok();
  };
  p.get = [field](const Config& c) { return std::to_string(field(const_cast<Config&>(c))); };
  return p;
}

//! A duration as ParseDuration reads it ("250ms", "5s", "2m"...) in [min, max]; rendered
//! with FormatDuration as a quoted string. Unit "duration".
Property DurationProperty(std::string key, std::string description, Micros& (*field)(Config&),
                          Micros min, Micros max);

//! Any text, or — when `allowed` is not empty — exactly one of `allowed` (case-sensitive;
//! the error lists them). Rendered quoted.
Property StringProperty(std::string key, std::string description, std::string& (*field)(Config&),
                        std::vector<std::string> allowed = {});

//! A finite number (`_` separators accepted); nullopt for anything else, including
//! surrounding blanks, inf and nan.
std::optional<double> ParseDouble(std::string_view v);

//! The shortest text that ParseDouble reads back as exactly `d`.
std::string FormatDouble(double d);

//! A rate in events/s, 0 < rate ≤ 1e8. With `allow_max`, the word "max" is accepted too and
//! stored as 0 (unpaced), which renders back as "max".
Property RateProperty(std::string key, std::string description, double& (*field)(Config&),
                      bool allow_max);

//! Exactly `true` or `false`.
Property BoolProperty(std::string key, std::string description, bool& (*field)(Config&));

//! The items of a comma-separated list, each with the blanks around it removed; empty items
//! are dropped, so "" and " , " give no items.
std::vector<std::string> SplitList(std::string_view v);

//! A list of strings as one comma-separated string (the file format has no arrays), split
//! with SplitList; never fails. Rendered quoted, items joined by ",".
Property ListProperty(std::string key, std::string description,
                      std::vector<std::string>& (*field)(Config&));

}  // namespace gm::internal
