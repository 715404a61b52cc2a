#include "common/internal/config_property.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <system_error>
#include <utility>

namespace gm::internal {

Status BadValue(std::string_view key, std::string_view value, std::string_view why) {
  return InvalidArgument("invalid value '" + std::string(value) + "' for " + std::string(key) +
                         ": " + std::string(why));
}

Property DurationProperty(std::string key, std::string description, Micros& (*field)(Config&),
                          Micros min, Micros max) {
  Property p;
  p.key = key;
  p.description = std::move(description);
  p.unit = "duration";
  p.quote = true;
  p.set = [key, field, min, max](Config& c, std::string_view v) -> Status {
    Result<Micros> d = ParseDuration(v);
    if (!d.ok()) return BadValue(key, v, d.status().message());
    if (*d < min || *d > max) {
      return BadValue(key, v,
                      "must be between " + FormatDuration(min) + " and " + FormatDuration(max));
    }
    field(c) = *d;
    return Status::Ok();
  };
  p.get = [field](const Config& c) { return FormatDuration(field(const_cast<Config&>(c))); };
  return p;
}

Property StringProperty(std::string key, std::string description, std::string& (*field)(Config&),
                        std::vector<std::string> allowed) {
  Property p;
  p.key = key;
  p.description = std::move(description);
  p.quote = true;
  p.set = [key, field, allowed](Config& c, std::string_view v) -> Status {
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : "|") + a;
      return BadValue(key, v, "expected one of " + list);
    }
    field(c) = std::string(v);
    return Status::Ok();
  };
  p.get = [field](const Config& c) { return field(const_cast<Config&>(c)); };
  return p;
}

std::optional<double> ParseDouble(std::string_view v) {
  double d = 0;
  std::string text(v);
  std::erase(text, '_');
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty() || !std::isfinite(d)) {
    return std::nullopt;
  }
  return d;
}

std::string FormatDouble(double d) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, ptr);
}

Property RateProperty(std::string key, std::string description, double& (*field)(Config&),
                      bool allow_max) {
  Property p;
  p.key = key;
  p.description = std::move(description);
  p.unit = "events/s";
  p.set = [key, field, allow_max](Config& c, std::string_view v) -> Status {
    if (allow_max && v == "max") {
      field(c) = 0;
      return Status::Ok();
    }
    std::optional<double> d = ParseDouble(v);
    if (!d || *d <= 0 || *d > 100'000'000) {
      return BadValue(key, v,
                      allow_max ? "expected a rate in events/s (0 < rate ≤ 1e8) or 'max'"
                                : "expected a rate in events/s (0 < rate ≤ 1e8)");
    }
    field(c) = *d;
    return Status::Ok();
  };
  p.get = [field](const Config& c) {
    double d = field(const_cast<Config&>(c));
    return d == 0 ? std::string("\"max\"") : FormatDouble(d);
  };
  return p;
}

Property BoolProperty(std::string key, std::string description, bool& (*field)(Config&)) {
  Property p;
  p.key = key;
  p.description = std::move(description);
  p.set = [key, field](Config& c, std::string_view v) -> Status {
    if (v != "true" && v != "false") return BadValue(key, v, "expected true or false");
    field(c) = v == "true";
    return Status::Ok();
  };
  p.get = [field](const Config& c) {
    return std::string(field(const_cast<Config&>(c)) ? "true" : "false");
  };
  return p;
}

std::vector<std::string> SplitList(std::string_view v) {
  std::vector<std::string> items;
  while (!v.empty()) {
    size_t comma = v.find(',');
    std::string_view item = v.substr(0, comma);
    v = comma == std::string_view::npos ? std::string_view() : v.substr(comma + 1);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) {
      item.remove_prefix(1);
    }
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) {
      item.remove_suffix(1);
    }
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

Property ListProperty(std::string key, std::string description,
                      std::vector<std::string>& (*field)(Config&)) {
  Property p;
  p.key = key;
  p.description = std::move(description);
  p.quote = true;
  p.set = [field](Config& c, std::string_view v) -> Status {
    field(c) = SplitList(v);
    return Status::Ok();
  };
  p.get = [field](const Config& c) {
    std::string out;
    for (const std::string& item : field(const_cast<Config&>(c))) {
      out += (out.empty() ? "" : ",") + item;
    }
    return out;
  };
  return p;
}

}  // namespace gm::internal
