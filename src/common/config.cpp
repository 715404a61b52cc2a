#include "common/config.h"

#include <toml++/toml.h>

#include <cctype>
#include <filesystem>
#include <limits>
#include <system_error>

#include "common/internal/config_property.h"
#include "common/internal/config_server_properties.h"

extern char** environ;

namespace gm {
namespace {

using internal::AddSecurityProperties;
using internal::AddServerProperties;
using internal::BadValue;
using internal::DurationProperty;
using internal::FormatDouble;
using internal::IntProperty;
using internal::ParseDouble;
using internal::Property;
using internal::RateProperty;
using internal::SplitList;
using internal::StringProperty;

// stream.processors: a processor's name and its switch, in the order the value is rendered.
struct ProcessorName {
  std::string_view name;
  bool StreamProcessors::*enabled;
};
constexpr ProcessorName kProcessorNames[] = {
    {"sales", &StreamProcessors::sales},         {"anomalies", &StreamProcessors::anomalies},
    {"archive", &StreamProcessors::archive},     {"sessions", &StreamProcessors::sessions},
    {"inventory", &StreamProcessors::inventory},
};

// A comma-separated list of processor names, or `all`; every processor not named is off.
Property ProcessorsProperty() {
  static constexpr std::string_view kKey = "stream.processors";
  Property p;
  p.key = kKey;
  p.description =
      "Processors the stream engine runs: a comma-separated list of sales, anomalies, archive, "
      "sessions, inventory, or all. Turning one off leaves its tables untouched and saves its "
      "work.";
  p.quote = true;
  p.set = [](Config& c, std::string_view v) -> Status {
    std::vector<std::string> names = SplitList(v);
    if (names.empty()) return BadValue(kKey, v, "name at least one processor");
    StreamProcessors chosen;
    for (const ProcessorName& proc : kProcessorNames) chosen.*proc.enabled = false;
    for (const std::string& name : names) {
      const bool all = name == "all";
      bool known = all;
      for (const ProcessorName& proc : kProcessorNames) {
        if (all || name == proc.name) {
          chosen.*proc.enabled = true;
          known = true;
        }
      }
      if (!known) {
        return BadValue(kKey, v,
                        "unknown processor '" + name +
                            "'; expected a comma-separated list of sales, anomalies, archive, "
                            "sessions, inventory, or all");
      }
    }
    // The inventory tracker reserves stock for the carts the session analyzer keeps.
    if (chosen.inventory && !chosen.sessions) {
      return BadValue(kKey, v,
                      "inventory needs sessions (cart reservations come from the session "
                      "analyzer)");
    }
    c.stream.processors = chosen;
    return Status::Ok();
  };
  p.get = [](const Config& c) { return ProcessorsText(c.stream.processors); };
  return p;
}

const std::vector<Property>& Properties() {
  static const std::vector<Property> kProperties = [] {
    std::vector<Property> ps;
    ps.push_back(StringProperty("log.level", "Lowest level written to the console and log files.",
                                +[](Config& c) -> std::string& { return c.log.level; },
                                {"trace", "debug", "info", "warn", "error"}));
    ps.push_back(StringProperty(
        "log.dir", "Folder for the rotating log files of long-running commands.",
        +[](Config& c) -> std::string& { return c.log.dir; }));
    ps.push_back(IntProperty<int32_t>(
        "bus.partitions",
        "Partitions per topic: memory-bus queues, and the count used when creating Kafka topics.",
        "", +[](Config& c) -> int32_t& { return c.bus.partitions; }, 1, 1024));
    ps.push_back(IntProperty<int32_t>(
        "bus.memory_capacity",
        "Messages buffered per memory-bus partition before senders block (backpressure).",
        "messages", +[](Config& c) -> int32_t& { return c.bus.memory_capacity; }, 16,
        16 * 1024 * 1024));
    ps.push_back(StringProperty(
        "kafka.brokers", "Kafka bootstrap servers, comma-separated HOST:PORT.",
        +[](Config& c) -> std::string& { return c.kafka.brokers; }));
    ps.push_back(StringProperty(
        "kafka.topic_prefix", "Prepended to every topic name (e.g. 'staging.').",
        +[](Config& c) -> std::string& { return c.kafka.topic_prefix; }));
    ps.push_back(StringProperty(
        "kafka.group_id", "Consumer group shared by all `stream` processes.",
        +[](Config& c) -> std::string& { return c.kafka.group_id; }));
    ps.push_back(DurationProperty(
        "kafka.connect_timeout",
        "How long to keep retrying (with backoff) to reach the cluster before giving up.",
        +[](Config& c) -> Micros& { return c.kafka.connect_timeout; }, kMicrosPerSecond,
        kMicrosPerDay));
    ps.push_back(DurationProperty(
        "kafka.create_timeout", "How long to wait for the broker to create missing topics.",
        +[](Config& c) -> Micros& { return c.kafka.create_timeout; }, kMicrosPerSecond,
        kMicrosPerHour));
    {
      Property p;
      p.key = "generator.profile";
      p.description =
          "Behaviour profile: 'realistic' (published e-commerce funnels) or 'seed' (the "
          "original system's 100 transactions + 300 views + 100 cart events per second).";
      p.quote = true;
      p.set = [](Config& c, std::string_view v) -> Status {
        if (v == "realistic")
          c.generator.profile = GeneratorProfile::kRealistic;
        else if (v == "seed")
          c.generator.profile = GeneratorProfile::kSeed;
        else
          return BadValue("generator.profile", v, "expected one of realistic|seed");
        return Status::Ok();
      };
      p.get = [](const Config& c) {
        return std::string(GeneratorProfileName(c.generator.profile));
      };
      ps.push_back(std::move(p));
    }
    ps.push_back(RateProperty(
        "generator.rate",
        "Events per second, paced against the wall clock; \"max\" = as fast as possible.",
        +[](Config& c) -> double& { return c.generator.rate; }, true));
    ps.push_back(RateProperty(
        "generator.max_event_rate",
        "Event-time density of an unpaced (rate = \"max\") run: its timestamps advance as if "
        "the shop produced this many events per second.",
        +[](Config& c) -> double& { return c.generator.max_event_rate; }, false));
    ps.push_back(IntProperty<uint64_t>(
        "generator.seed", "Random seed; the same seed, flags and start give byte-identical output.",
        "", +[](Config& c) -> uint64_t& { return c.generator.seed; }, 0,
        std::numeric_limits<uint64_t>::max()));
    ps.push_back(IntProperty<int64_t>(
        "generator.customers", "Customer population (derived lazily; 10 million and more work).",
        "customers", +[](Config& c) -> int64_t& { return c.generator.customers; }, 1,
        int64_t{1} << 40));
    ps.push_back(IntProperty<int64_t>(
        "generator.products", "Products in the catalog, spread over 100 categories.", "products",
        +[](Config& c) -> int64_t& { return c.generator.products; }, 100, 10'000'000));
    ps.push_back(IntProperty<int64_t>(
        "generator.count", "Stop after this many live events; 0 = no limit.", "events",
        +[](Config& c) -> int64_t& { return c.generator.count; }, 0,
        std::numeric_limits<int64_t>::max()));
    ps.push_back(DurationProperty(
        "generator.duration", "Stop after this much event time; 0 = no limit.",
        +[](Config& c) -> Micros& { return c.generator.duration; }, 0, 3650 * kMicrosPerDay));
    {
      Property p;
      p.key = "generator.start";
      p.description = "Event times begin here (ISO-8601); \"now\" = the wall clock at start.";
      p.quote = true;
      p.set = [](Config& c, std::string_view v) -> Status {
        if (v == "now") {
          c.generator.start.reset();
          return Status::Ok();
        }
        Micros t;
        if (!ParseTimestamp(v, &t)) {
          return BadValue("generator.start", v, "expected an ISO-8601 time or 'now'");
        }
        c.generator.start = t;
        return Status::Ok();
      };
      p.get = [](const Config& c) {
        return c.generator.start ? FormatTimestamp(*c.generator.start) : std::string("now");
      };
      ps.push_back(std::move(p));
    }
    {
      Property p;
      p.key = "generator.anomaly_rate";
      p.description = "Fraction of transactions that are injected anomalies (0 to 0.5).";
      p.set = [](Config& c, std::string_view v) -> Status {
        std::optional<double> d = ParseDouble(v);
        if (!d || *d < 0 || *d > 0.5) {
          return BadValue("generator.anomaly_rate", v, "expected a fraction between 0 and 0.5");
        }
        c.generator.anomaly_rate = *d;
        return Status::Ok();
      };
      p.get = [](const Config& c) { return FormatDouble(c.generator.anomaly_rate); };
      ps.push_back(std::move(p));
    }
    ps.push_back(DurationProperty(
        "generator.backfill",
        "History to emit before live generation, at full speed and in event-time order.",
        +[](Config& c) -> Micros& { return c.generator.backfill; }, 0, 3650 * kMicrosPerDay));
    ps.push_back(IntProperty<int64_t>(
        "generator.backfill_per_day", "Events per day of backfilled history.", "events/day",
        +[](Config& c) -> int64_t& { return c.generator.backfill_per_day; }, 1, 1'000'000'000));
    ps.push_back(StringProperty(
        "store.url",
        "PostgreSQL URL of an existing server (postgresql://user:password@host:5432/db); empty = "
        "the embedded cluster under store.data_dir. Also GLOBALMART_PG_URL.",
        +[](Config& c) -> std::string& { return c.store.url; }));
    ps.push_back(StringProperty(
        "store.data_dir",
        "Data directory of the embedded PostgreSQL cluster (created on first use).",
        +[](Config& c) -> std::string& { return c.store.data_dir; }));
    ps.push_back(IntProperty<int32_t>(
        "store.port",
        "Loopback TCP port of the embedded cluster; the next free one is used when busy.", "",
        +[](Config& c) -> int32_t& { return c.store.port; }, 1, 65535));
    ps.push_back(IntProperty<int32_t>(
        "store.pool_size", "Database connections per process.", "connections",
        +[](Config& c) -> int32_t& { return c.store.pool_size; }, 1, 256));
    ps.push_back(DurationProperty(
        "store.connect_timeout",
        "How long to keep retrying, with backoff, to reach the database before giving up.",
        +[](Config& c) -> Micros& { return c.store.connect_timeout; }, kMicrosPerSecond,
        kMicrosPerDay));
    ps.push_back(ProcessorsProperty());
    ps.push_back(DurationProperty(
        "stream.allowed_lateness",
        "An event older than the newest one seen in its partition minus this is late.",
        +[](Config& c) -> Micros& { return c.stream.allowed_lateness; }, 0, kMicrosPerDay));
    ps.push_back(DurationProperty(
        "stream.idle_timeout",
        "A partition at its end and quiet this long stops holding back the watermark (live "
        "modes).",
        +[](Config& c) -> Micros& { return c.stream.idle_timeout; }, 100 * kMicrosPerMilli,
        kMicrosPerDay));
    ps.push_back(DurationProperty(
        "stream.window_size", "Length of the sales_metrics windows.",
        +[](Config& c) -> Micros& { return c.stream.window_size; }, kMicrosPerSecond,
        kMicrosPerDay));
    ps.push_back(DurationProperty(
        "stream.window_slide",
        "Spacing of the sales_metrics window starts (equal to window_size: tumbling).",
        +[](Config& c) -> Micros& { return c.stream.window_slide; }, kMicrosPerSecond,
        kMicrosPerDay));
    ps.push_back(DurationProperty(
        "stream.checkpoint_interval",
        "How often outputs, source offsets and state are committed together (live upserts).",
        +[](Config& c) -> Micros& { return c.stream.checkpoint_interval; },
        100 * kMicrosPerMilli, kMicrosPerHour));
    ps.push_back(DurationProperty(
        "stream.dedup_horizon", "A transaction_id or event_id seen again within this is dropped.",
        +[](Config& c) -> Micros& { return c.stream.dedup_horizon; }, 0, kMicrosPerDay));
    ps.push_back(IntProperty<int32_t>(
        "stream.workers", "Processing threads of a stream process; 0 = one per core.", "threads",
        +[](Config& c) -> int32_t& { return c.stream.workers; }, 0, 256));
    {
      Property p;
      p.key = "stream.high_value";
      p.description = "A transaction whose line items total more than this fires high_value.";
      p.unit = "currency";
      p.set = [](Config& c, std::string_view v) -> Status {
        Cents cents = 0;
        if (!ParseCents(v, &cents) || cents < 0) {
          return BadValue("stream.high_value", v, "expected a non-negative amount like 5000.00");
        }
        c.stream.high_value = cents;
        return Status::Ok();
      };
      p.get = [](const Config& c) { return FormatCents(c.stream.high_value); };
      ps.push_back(std::move(p));
    }
    ps.push_back(IntProperty<int32_t>(
        "stream.unusual_quantity", "A line quantity above this fires unusual_quantity.", "units",
        +[](Config& c) -> int32_t& { return c.stream.unusual_quantity; }, 1, 1'000'000));
    ps.push_back(IntProperty<int32_t>(
        "stream.velocity_count",
        "The Nth or later transaction of one user within velocity_window fires velocity.",
        "transactions", +[](Config& c) -> int32_t& { return c.stream.velocity_count; }, 2, 10'000));
    ps.push_back(DurationProperty(
        "stream.velocity_window", "The window of the velocity rule.",
        +[](Config& c) -> Micros& { return c.stream.velocity_window; }, kMicrosPerSecond,
        kMicrosPerDay));
    {
      Property p;
      p.key = "stream.statistical_z";
      p.description =
          "How many standard deviations of log(amount) from the user's or category's baseline "
          "make a transaction a statistical anomaly.";
      p.unit = "sigma";
      p.set = [](Config& c, std::string_view v) -> Status {
        std::optional<double> d = ParseDouble(v);
        if (!d || *d < 1 || *d > 100) {
          return BadValue("stream.statistical_z", v, "expected a number between 1 and 100");
        }
        c.stream.statistical_z = *d;
        return Status::Ok();
      };
      p.get = [](const Config& c) { return FormatDouble(c.stream.statistical_z); };
      ps.push_back(std::move(p));
    }
    ps.push_back(DurationProperty(
        "stream.baseline_ttl",
        "A user's amount baseline is forgotten after this much event time without purchases.",
        +[](Config& c) -> Micros& { return c.stream.baseline_ttl; }, kMicrosPerMinute,
        3650 * kMicrosPerDay));
    ps.push_back(IntProperty<int32_t>(
        "stream.dead_letter_max_bytes", "Raw bytes kept per dead_letter_events row.", "bytes",
        +[](Config& c) -> int32_t& { return c.stream.dead_letter_max_bytes; }, 0, 100 << 20));
    ps.push_back(DurationProperty(
        "stream.session_gap",
        "A session closes when the watermark passes its last event plus this gap.",
        +[](Config& c) -> Micros& { return c.stream.session_gap; }, kMicrosPerSecond,
        kMicrosPerDay));
    ps.push_back(DurationProperty(
        "stream.session_live_interval",
        "An open session's live session_metrics row is written at most this long after it "
        "changed, and at most once per interval (closed sessions at every checkpoint); 0 = "
        "at every checkpoint.",
        +[](Config& c) -> Micros& { return c.stream.session_live_interval; }, 0,
        kMicrosPerDay));
    ps.push_back(DurationProperty(
        "stream.cart_timeout",
        "A non-empty cart with no transaction this long after its last activity is abandoned.",
        +[](Config& c) -> Micros& { return c.stream.cart_timeout; }, kMicrosPerSecond,
        kMicrosPerDay));
    ps.push_back(IntProperty<int64_t>(
        "stream.low_stock_threshold",
        "A low_stock_alert is open while a product's available stock is below this.", "units",
        +[](Config& c) -> int64_t& { return c.stream.low_stock_threshold; }, 1, 1'000'000'000));
    ps.push_back(IntProperty<int64_t>(
        "stream.critical_stock_threshold",
        "An open low_stock_alert is critical (not low) while available stock is below this.",
        "units", +[](Config& c) -> int64_t& { return c.stream.critical_stock_threshold; }, 1,
        1'000'000'000));
    ps.push_back(DurationProperty(
        "up.report_interval", "How often `up` prints per-topic event rates.",
        +[](Config& c) -> Micros& { return c.up.report_interval; }, 100 * kMicrosPerMilli,
        kMicrosPerDay));
    AddServerProperties(ps);
    AddSecurityProperties(ps);
    return ps;
  }();
  return kProperties;
}

const Property* FindProperty(std::string_view key) {
  for (const Property& p : Properties()) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

constexpr std::string_view kKafkaPropertiesPrefix = "kafka.properties.";
// Environment variables that are not properties: the config file's path.
constexpr std::string_view kConfigFileVar = "GLOBALMART_CONFIG";
constexpr std::string_view kPgUrlAlias = "GLOBALMART_PG_URL";

Status Apply(LoadedConfig& loaded, std::string_view key, std::string_view value,
             ConfigOrigin origin, std::string_view where) {
  if (key.starts_with(kKafkaPropertiesPrefix) && key.size() > kKafkaPropertiesPrefix.size()) {
    loaded.config.kafka.properties[std::string(key.substr(kKafkaPropertiesPrefix.size()))] = value;
    loaded.origins[std::string(key)] = origin;
    return Status::Ok();
  }
  const Property* p = FindProperty(key);
  if (p == nullptr) {
    return InvalidArgument(std::string(where) + ": unknown key '" + std::string(key) +
                           "' (see `globalmart config show` for the keys)");
  }
  Status s = p->set(loaded.config, value);
  if (!s.ok()) return InvalidArgument(std::string(where) + ": " + s.message());
  loaded.origins[p->key] = origin;
  return Status::Ok();
}

// Flattens a TOML table into dotted keys with their values as text.
Status FlattenToml(const toml::table& table, const std::string& prefix,
                   std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& [k, node] : table) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const toml::table* sub = node.as_table()) {
      Status s = FlattenToml(*sub, key, out);
      if (!s.ok()) return s;
    } else if (auto s = node.value<std::string>(); s && node.is_string()) {
      out.emplace_back(key, *s);
    } else if (node.is_integer()) {
      out.emplace_back(key, std::to_string(*node.value<int64_t>()));
    } else if (node.is_floating_point()) {
      out.emplace_back(key, FormatDouble(*node.value<double>()));
    } else if (node.is_boolean()) {
      out.emplace_back(key, *node.value<bool>() ? "true" : "false");
    } else {
      return InvalidArgument("key '" + key + "' has an unsupported type (arrays are not used)");
    }
  }
  return Status::Ok();
}

}  // namespace

std::string ProcessorsText(const StreamProcessors& processors) {
  std::string out;
  for (const ProcessorName& proc : kProcessorNames) {
    if (processors.*proc.enabled) out += (out.empty() ? "" : ",") + std::string(proc.name);
  }
  return out;
}

std::string_view GeneratorProfileName(GeneratorProfile profile) {
  return profile == GeneratorProfile::kSeed ? "seed" : "realistic";
}

std::string RedactUrl(std::string_view url) {
  std::string out(url);
  // URI form: scheme://user:password@host
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t at = out.find('@', scheme + 3);
    size_t colon = out.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // keyword form or query parameter: password=secret
  for (size_t pos = out.find("password="); pos != std::string::npos;
       pos = out.find("password=", pos + 1)) {
    size_t start = pos + 9;
    size_t end = out.find_first_of(" &", start);
    if (end == std::string::npos) end = out.size();
    out.replace(start, end - start, "***");
  }
  return out;
}

std::string EnvVarForKey(std::string_view key) {
  std::string out = "GLOBALMART_";
  for (char c : key) out.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(c)));
  return out;
}

std::vector<std::string> ProcessEnvironment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

Result<LoadedConfig> LoadConfig(const ConfigSources& sources) {
  LoadedConfig loaded;
  for (const Property& p : Properties()) loaded.origins[p.key] = ConfigOrigin::kDefault;

  std::map<std::string, std::string> env;
  for (const std::string& entry : sources.environment) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos || !entry.starts_with("GLOBALMART_")) continue;
    env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }

  // 1. The file.
  std::string file = sources.file;
  bool explicit_file = !file.empty();
  if (file.empty() && env.count(std::string(kConfigFileVar))) {
    file = env[std::string(kConfigFileVar)];
    explicit_file = true;
  }
  if (file.empty()) file = "config/globalmart.toml";
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    // Debian's toml++ is built with exceptions: a syntax error throws toml::parse_error.
    toml::table table;
    try {
      table = toml::parse_file(file);
    } catch (const toml::parse_error& err) {
      return InvalidArgument(file + ":" + std::to_string(err.source().begin.line) + ": " +
                             std::string(err.description()));
    }
    std::vector<std::pair<std::string, std::string>> values;
    Status s = FlattenToml(table, "", values);
    if (!s.ok()) return InvalidArgument(file + ": " + s.message());
    for (const auto& [key, value] : values) {
      s = Apply(loaded, key, value, ConfigOrigin::kFile, file);
      if (!s.ok()) return s;
    }
    loaded.file_used = file;
  } else if (explicit_file) {
    return InvalidArgument("config file '" + file + "' does not exist");
  }

  // 2. GLOBALMART_* variables; one that names no property is an error, not a silent no-op.
  std::map<std::string, const Property*> by_env;
  for (const Property& p : Properties()) by_env[EnvVarForKey(p.key)] = &p;
  for (const auto& [name, value] : env) {
    if (name == kConfigFileVar) continue;
    if (name == kPgUrlAlias) {  // the conventional name; GLOBALMART_STORE_URL wins
      if (env.count("GLOBALMART_STORE_URL") == 0) {
        Status s = Apply(loaded, "store.url", value, ConfigOrigin::kEnv, "environment " + name);
        if (!s.ok()) return s;
      }
      continue;
    }
    auto it = by_env.find(name);
    if (it == by_env.end()) {
      return InvalidArgument("environment: unknown variable " + name +
                             " (GLOBALMART_<SECTION>_<KEY>, see `globalmart config show`)");
    }
    Status s = Apply(loaded, it->second->key, value, ConfigOrigin::kEnv, "environment " + name);
    if (!s.ok()) return s;
  }

  // 3. Flags.
  for (const auto& [key, value] : sources.flags) {
    Status s = Apply(loaded, key, value, ConfigOrigin::kFlag, "flag");
    if (!s.ok()) return s;
  }
  return loaded;
}

std::string RenderConfig(const LoadedConfig& loaded) {
  static constexpr std::string_view kOriginNames[] = {"default", "file", "env", "flag"};
  std::string out = "# effective configuration";
  out +=
      loaded.file_used.empty() ? " (no config file read)\n" : " (file: " + loaded.file_used + ")\n";
  std::string section;
  for (const Property& p : Properties()) {
    std::string sec = p.key.substr(0, p.key.find('.'));
    if (sec != section) {
      out += "\n[" + sec + "]\n";
      section = sec;
    }
    std::string value = p.get(loaded.config);
    if (p.key == "store.url") value = RedactUrl(value);
    if (p.quote) value = "\"" + value + "\"";
    std::string line = p.key.substr(sec.size() + 1) + " = " + value;
    out += line;
    out.append(line.size() < 40 ? 40 - line.size() : 2, ' ');
    out += "# ";
    auto origin = loaded.origins.find(p.key);
    out += kOriginNames[static_cast<int>(origin == loaded.origins.end() ? ConfigOrigin::kDefault
                                                                        : origin->second)];
    if (!p.unit.empty()) out += ", " + p.unit;
    out += " — " + p.description + "  [" + EnvVarForKey(p.key) + "]\n";
    if (p.key == "kafka.create_timeout" && !loaded.config.kafka.properties.empty()) {
      out += "\n[kafka.properties]\n";
      for (const auto& [k, v] : loaded.config.kafka.properties) {
        out += "\"" + k + "\" = \"" + v + "\"\n";
      }
      section = "kafka.properties";
    }
  }
  return out;
}

}  // namespace gm
