#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/money.h"
#include "common/status.h"
#include "common/time.h"

namespace gm {

// Every configuration property lives here, once: its key, meaning, unit, default and
// bounds are in the property table in config.cpp, and config/globalmart.toml documents
// each key. Modules receive their own struct, already validated; nothing reads a global.

//! [log] Console and file logging.
struct LogConfig {
  std::string level = "info";     //!< trace|debug|info|warn|error
  std::string dir = "./var/log";  //!< rotating log files of long-running commands
};

//! [bus] The event bus, whichever kind.
struct BusConfig {
  int32_t partitions = 6;           //!< partitions per topic (memory queues; Kafka topics created)
  int32_t memory_capacity = 8'192;  //!< messages buffered per memory partition before Send blocks
};

//! [kafka] The Kafka bus (distributed mode).
struct KafkaConfig {
  std::string brokers = "127.0.0.1:9092";          //!< bootstrap servers, comma-separated
  std::string topic_prefix;                        //!< prepended to every topic name
  std::string group_id = "globalmart-stream";      //!< consumer group of `stream` processes
  Micros connect_timeout = 30 * kMicrosPerSecond;  //!< give up reaching the cluster after this
  Micros create_timeout = 10 * kMicrosPerSecond;   //!< give up creating missing topics after this
  //! Any librdkafka property (docs: CONFIGURATION.md), e.g. security.protocol, sasl.*.
  std::map<std::string, std::string> properties;
};

enum class GeneratorProfile { kRealistic, kSeed };

//! [generator] The synthetic shop.
struct GeneratorConfig {
  GeneratorProfile profile = GeneratorProfile::kRealistic;
  double rate = 500;              //!< events per second of event time, paced; 0 = "max" (unpaced)
  double max_event_rate = 500;    //!< event-time density of an unpaced (`--rate max`) run
  uint64_t seed = 1;              //!< same seed + flags + start → byte-identical output
  int64_t customers = 1'000'000;  //!< customer population (derived lazily from the index)
  int64_t products = 250'000;     //!< catalog size (in 100 categories)
  int64_t count = 0;              //!< stop after this many live events; 0 = no limit
  Micros duration = 0;            //!< stop after this much event time; 0 = no limit
  std::optional<Micros> start;    //!< event times begin here; nullopt = now
  double anomaly_rate = 0.01;     //!< fraction of transactions that are injected anomalies
  Micros backfill = 0;            //!< history before start, emitted first at full speed
  int64_t backfill_per_day = 200'000;  //!< events per day of backfill
};

//! [store] The PostgreSQL database (docs/database.md).
struct StoreConfig {
  std::string url;  //!< existing server; empty = embedded cluster (env alias GLOBALMART_PG_URL)
  std::string data_dir = "./var/pg";  //!< embedded cluster's data directory
  int32_t port = 5433;                //!< embedded cluster's loopback port; next free one if busy
  int32_t pool_size = 8;              //!< connections per process
  Micros connect_timeout = 30 * kMicrosPerSecond;  //!< keep retrying the server this long
};

//! Which processors a stream engine runs (stream.processors; all by default). The inventory
//! tracker needs the session analyzer: cart reservations come from its carts.
struct StreamProcessors {
  bool sales = true;      //!< sales_metrics windows
  bool anomalies = true;  //!< transaction_anomalies scoring
  bool archive = true;    //!< transactions + transaction_items
  bool sessions = true;   //!< session_metrics and cart_abandonment
  bool inventory = true;  //!< inventory_status and low_stock_alerts

  bool operator==(const StreamProcessors&) const = default;
};

//! The enabled processors, comma-separated in the order sales, anomalies, archive, sessions,
//! inventory (as stream.processors renders them).
std::string ProcessorsText(const StreamProcessors& processors);

//! [stream] The stream engine and its processors (DESIGN.md §6).
struct StreamConfig {
  StreamProcessors processors;
  //! An event is late when its time is below the highest time seen before it in its
  //! source partition minus this; that bound is the partition's watermark.
  Micros allowed_lateness = 5 * kMicrosPerSecond;
  //! A source partition at its end and quiet this long stops holding back the watermark
  //! (live modes only; file mode is deterministic and closes everything at EOF).
  Micros idle_timeout = 10 * kMicrosPerSecond;
  Micros window_size = 60 * kMicrosPerSecond;   //!< sales_metrics window length
  Micros window_slide = 30 * kMicrosPerSecond;  //!< sales_metrics window start spacing
  //! How often outputs, offsets and state are committed in one transaction (open windows
  //! are upserted live at this pace).
  Micros checkpoint_interval = 1 * kMicrosPerSecond;
  Micros dedup_horizon = 10 * kMicrosPerMinute;  //!< a repeated id within this is dropped
  int32_t workers = 0;  //!< processing threads; 0 = one per core
  //! Anomaly rules (each firing means score ≥ 0.8).
  Cents high_value = 500'000;         //!< a line-items total above this fires high_value
  int32_t unusual_quantity = 10;      //!< a line quantity above this fires unusual_quantity
  int32_t velocity_count = 6;         //!< the Nth transaction of a user within the window...
  Micros velocity_window = 60 * kMicrosPerSecond;  //!< ...fires velocity
  double statistical_z = 3.0;  //!< |z| of log(amount) vs a baseline that scores ≥ 0.5
  //! A user's amount baseline is forgotten after this much event time without purchases.
  Micros baseline_ttl = 7 * kMicrosPerDay;
  int32_t dead_letter_max_bytes = 64 * 1024;  //!< raw bytes kept per dead letter
  //! A session closes when the watermark passes its last event + this.
  Micros session_gap = 2 * kMicrosPerMinute;
  //! Open sessions' live rows are written at most this often (closed ones at every
  //! checkpoint); 0 = at every checkpoint.
  Micros session_live_interval = 5 * kMicrosPerSecond;
  //! A non-empty cart without a transaction this long after its last activity is abandoned.
  Micros cart_timeout = 1 * kMicrosPerMinute;
  //! A product whose available stock is below this has an open low_stock_alert...
  int64_t low_stock_threshold = 10;
  //! ...of severity critical below this (low otherwise).
  int64_t critical_stock_threshold = 5;
};

//! [up] The all-in-one command.
struct UpConfig {
  Micros report_interval = 10 * kMicrosPerSecond;  //!< how often per-topic rates are printed
};

//! [server] The HTTP server (`serve`, and part of `up`; docs/api.md).
struct ServerConfig {
  std::string address = "127.0.0.1";  //!< interface to listen on
  int32_t port = 8000;                //!< TCP port
  int32_t threads = 0;                //!< worker threads answering requests; 0 = one per core
  int32_t max_connections = 10'000;   //!< open connections at most; more wait in the backlog
  //! A keep-alive connection idle this long, or a client this slow to send its request
  //! headers, is closed.
  Micros idle_timeout = 60 * kMicrosPerSecond;
  Micros write_timeout = 30 * kMicrosPerSecond;  //!< a response not written by then is dropped
  int32_t max_url_bytes = 8'192;                 //!< longest request target
  int32_t max_header_bytes = 16'384;             //!< longest header value
  int32_t max_headers = 100;                     //!< most header fields per request
  int32_t max_body_bytes = 1 << 20;              //!< larger request bodies get 413
  int32_t gzip_min_bytes = 8'192;  //!< responses this large are gzipped when the client accepts
  bool access_log = true;          //!< one log line per request (logger "http")
  //! Stop() waits this long for requests in flight before closing connections.
  Micros shutdown_timeout = 10 * kMicrosPerSecond;
  int32_t db_connections = 8;  //!< connections of the API's read-only pool
  std::string reader_role = "globalmart_reader";       //!< role every API query runs as
  Micros statement_timeout = 10 * kMicrosPerSecond;    //!< PostgreSQL cancels API queries after
  Micros cache_ttl = 1 * kMicrosPerSecond;  //!< hot figures (sales summary, live) are this fresh
  int32_t default_page_size = 100;          //!< `limit` of a list when none is given
  int32_t max_page_size = 10'000;           //!< largest `limit` a list accepts
  //! /health fails ("pipeline") when the stream engine's last commit is older; 0 = not checked.
  Micros health_max_lag = 60 * kMicrosPerSecond;
  std::string web_dir = "./web";  //!< static files (static/) and npm packages (node_modules/)
};

//! [auth] API keys and the per-key rate limit of the HTTP server (docs/security.md).
struct AuthConfig {
  bool enabled = true;  //!< false: every route is open (development only)
  //! Paths answered without a key; an entry ending in `*` matches every path it prefixes.
  std::vector<std::string> public_paths = {"/",       "/health", "/metrics", "/openapi.json",
                                           "/docs",   "/docs/*", "/static/*", "/favicon.ico"};
  double rate_limit = 50;    //!< sustained requests/s per key (token bucket); 0 = unlimited
  int32_t rate_burst = 100;  //!< bucket size: requests a key may send at once
  std::vector<std::string> rate_limit_exempt;  //!< key names never rate-limited (benchmarks)
  //! How long a verified key is trusted before its row is read again (bounds how late a
  //! revocation takes effect).
  Micros cache_ttl = 1 * kMicrosPerSecond;
};

//! [cors] Cross-origin requests from browsers (docs/security.md).
struct CorsConfig {
  //! Origins (scheme://host[:port]) allowed to call the API; "*" = any; empty = none.
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_headers = {"Authorization", "Content-Type", "X-API-Key"};
  Micros max_age = 10 * kMicrosPerMinute;  //!< how long browsers may cache a preflight answer
};

//! [explorer] The data explorer's structured queries (docs/security.md).
struct ExplorerConfig {
  int32_t max_rows = 10'000;                          //!< row cap of one query
  Micros statement_timeout = 5 * kMicrosPerSecond;    //!< per query, enforced by PostgreSQL
  std::string role = "globalmart_reader";  //!< SET LOCAL ROLE for queries; empty = the login
};

struct Config {
  LogConfig log;
  BusConfig bus;
  KafkaConfig kafka;
  GeneratorConfig generator;
  StoreConfig store;
  StreamConfig stream;
  UpConfig up;
  ServerConfig server;
  AuthConfig auth;
  CorsConfig cors;
  ExplorerConfig explorer;
};

//! Where a property's effective value came from.
enum class ConfigOrigin { kDefault, kFile, kEnv, kFlag };

//! Inputs to LoadConfig, lowest precedence first: defaults < file < env < flags.
struct ConfigSources {
  //! The TOML file. When empty, GLOBALMART_CONFIG names it, else ./config/globalmart.toml
  //! is read if it exists. A file named explicitly must exist.
  std::string file;
  //! `KEY=VALUE` environment entries (only GLOBALMART_* are looked at).
  std::vector<std::string> environment;
  //! Flag overrides as (key, value), applied in order.
  std::vector<std::pair<std::string, std::string>> flags;
};

//! The effective configuration plus, for `config show`, where each value came from.
struct LoadedConfig {
  Config config;
  std::string file_used;  //!< empty when no file was read
  std::map<std::string, ConfigOrigin> origins;
};

//! Builds the effective configuration. Unknown keys (in the file, GLOBALMART_* variables
//! or flags) and values that fail to parse or are out of bounds give InvalidArgument with
//! a message naming the key and the value; the CLI turns that into exit code 2.
Result<LoadedConfig> LoadConfig(const ConfigSources& sources);

//! The process environment as `KEY=VALUE` strings.
std::vector<std::string> ProcessEnvironment();

//! The effective configuration as TOML, each key commented with its origin and meaning.
std::string RenderConfig(const LoadedConfig& loaded);

//! `url` with any password (user:PASSWORD@, password=PASSWORD) replaced by ***.
std::string RedactUrl(std::string_view url);

//! The environment variable for a key: generator.rate → GLOBALMART_GENERATOR_RATE.
std::string EnvVarForKey(std::string_view key);

std::string_view GeneratorProfileName(GeneratorProfile profile);

}  // namespace gm
