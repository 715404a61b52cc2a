#include "generator/generator.h"

#include <algorithm>
#include <limits>
#include <thread>

#include "common/logging.h"
#include "events/codec.h"
#include "generator/catalog.h"
#include "generator/customers.h"

namespace gm::generator {
namespace {

constexpr Micros kSleepSlice = 10 * kMicrosPerMilli;
constexpr Micros kBehindThreshold = kMicrosPerSecond;
constexpr Micros kBehindLogInterval = 10 * kMicrosPerSecond;

void DefaultSleep(Micros d) { std::this_thread::sleep_for(std::chrono::microseconds(d)); }

bool Stopped(const RunOptions& o) {
  return o.stop != nullptr && o.stop->load(std::memory_order_relaxed);
}

}  // namespace

void AppendTruthLine(const events::Transaction& t, const Label& label, std::string& out) {
  out.append("{\"transaction_id\":\"");
  out.append(t.transaction_id);  // generator ids and user ids never need JSON escaping
  out.append("\",\"user_id\":\"");
  out.append(t.user_id);
  out.append("\",\"timestamp\":\"");
  AppendTimestamp(t.timestamp, out);
  out.append("\",\"types\":[");
  bool first = true;
  for (Rule r : kAllRules) {
    if (!label.Fires(r)) continue;
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    out.append(RuleName(r));
    out.push_back('"');
  }
  out.append("],\"injected\":");
  if (label.has_injected) {
    out.push_back('"');
    out.append(RuleName(label.injected));
    out.push_back('"');
  } else {
    out.append("null");
  }
  out.append("}\n");
}

Result<GeneratorStats> RunGenerator(const GeneratorConfig& config, bus::Sink& sink,
                                    const RunOptions& options) {
  const auto log = Logger("generator");
  const Clock& clock = *options.clock;
  const std::function<void(Micros)> sleep = options.sleep ? options.sleep : DefaultSleep;
  const Micros wall_begin = clock.Now();
  const Micros start =
      config.start
          ? *config.start
          : wall_begin - ((wall_begin % kMicrosPerMilli) + kMicrosPerMilli) % kMicrosPerMilli;
  const Micros begin = start - config.backfill;
  const double live_rate = config.rate > 0 ? config.rate : config.max_event_rate;
  const Micros end =
      config.duration > 0 ? start + config.duration : std::numeric_limits<Micros>::max();

  Catalog catalog(config.products, config.seed);
  Customers customers(config.customers, config.seed, begin);
  SimulatorSchedule schedule;
  schedule.begin = begin;
  schedule.begin_rate = static_cast<double>(config.backfill_per_day) / 86'400.0;
  schedule.start = start;
  schedule.rate = live_rate;
  Simulator sim(config, catalog, customers, schedule);
  log->info("generating from {} ({} profile, {} events/s{}, seed {}, {} customers{})",
            FormatTimestamp(start), GeneratorProfileName(config.profile), live_rate,
            config.rate > 0 ? "" : " of event time, unpaced", config.seed, config.customers,
            config.backfill > 0 ? ", after " + FormatDuration(config.backfill) + " of history"
                                : std::string());

  GeneratorStats stats;
  stats.start = start;
  events::Event event;
  Label label;
  std::string payload, truth;
  bool live = false;
  Micros wall_live = 0;  // wall time when the first live event was due
  Micros next_progress = wall_begin + options.progress_interval;
  Micros last_behind_log = std::numeric_limits<Micros>::min() / 2;
  int64_t live_events = 0;

  bool warned_dropped = false;
  auto report = [&](Micros now) {
    // A population too small for the rate drops arrivals (every customer drawn has a session
    // open), so fewer events come out than asked: say so once, with the fix.
    const SimulatorStats& sim_stats = sim.stats();
    if (!warned_dropped && sim_stats.sessions_dropped * 100 > sim_stats.sessions + 100) {
      warned_dropped = true;
      log->warn("{} of {} session arrivals found no customer without an open session: {} "
                "customers are too few for {} events/s, so fewer events come out; set "
                "generator.customers to at least {:.0f}",
                sim_stats.sessions_dropped, sim_stats.sessions + sim_stats.sessions_dropped,
                config.customers, live_rate, live_rate * 100);
    }
    stats.elapsed = now - wall_begin;
    if (options.progress) options.progress(stats);
    next_progress = now + options.progress_interval;
  };

  while (!Stopped(options) && (config.count <= 0 || live_events < config.count)) {
    if (!sim.Next(event, &label)) break;
    const Micros t = sim.time();
    if (t >= start) {
      if (t >= end) break;
      if (!live) {
        live = true;
        wall_live = clock.Now();
      }
      if (config.rate > 0) {
        // Pacing: this event is due when as much wall time has passed as event time.
        const Micros due = wall_live + (t - start);
        Micros now = clock.Now();
        while (now < due && !Stopped(options)) {
          sleep(std::min(due - now, kSleepSlice));
          now = clock.Now();
          if (now >= next_progress) report(now);
        }
        if (Stopped(options)) break;
        if (now - due > kBehindThreshold) {
          stats.behind = true;
          if (now - last_behind_log >= kBehindLogInterval) {
            log->warn("generator is {:.1f} s behind: the sink is slower than {} events/s",
                      static_cast<double>(now - due) / kMicrosPerSecond, config.rate);
            last_behind_log = now;
          }
        }
      }
    }

    payload.clear();
    events::Encode(event, payload);
    Status sent = sink.Send(events::TopicName(event.topic), event.key(), payload, t);
    if (!sent.ok()) {
      log->error("sending to {} failed: {}", events::TopicName(event.topic), sent.message());
      return sent;
    }
    ++stats.events;
    ++stats.per_topic[static_cast<int>(event.topic)];
    stats.bytes += static_cast<int64_t>(payload.size());
    stats.last_event_time = t;
    if (t >= start) {
      ++live_events;
    } else {
      ++stats.backfill_events;
    }
    if (event.topic == events::Topic::kTransactions && !label.empty()) {
      stats.labelled += label.rules != 0;
      stats.injected += label.has_injected;
      if (options.truth != nullptr) {
        truth.clear();
        AppendTruthLine(event.transaction, label, truth);
        options.truth->write(truth.data(), static_cast<std::streamsize>(truth.size()));
      }
    }
    if ((stats.events & 4095) == 0) {
      const Micros now = clock.Now();
      if (now >= next_progress) report(now);
    }
  }

  Status flushed = sink.Flush(std::chrono::seconds(30));
  if (options.truth != nullptr) options.truth->flush();
  stats.elapsed = clock.Now() - wall_begin;
  if (!flushed.ok()) {
    log->error("flushing the sink failed: {}", flushed.message());
    return flushed;
  }
  if (options.truth != nullptr && !options.truth->good()) {
    return Status(ErrorCode::kInternal, "writing the ground truth failed");
  }
  return stats;
}

}  // namespace gm::generator
