#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "bus/bus.h"
#include "common/config.h"
#include "common/status.h"
#include "common/time.h"
#include "events/event.h"
#include "generator/simulator.h"

namespace gm::generator {

//! What a generator run did.
struct GeneratorStats {
  int64_t events = 0;           //!< all events sent (history + live)
  int64_t backfill_events = 0;  //!< of which history before `start`
  int64_t per_topic[events::kTopicCount] = {};
  int64_t labelled = 0;  //!< transactions some DESIGN.md §6 rule must flag
  int64_t injected = 0;  //!< transactions with an injected anomaly
  int64_t bytes = 0;     //!< payload bytes sent
  Micros start = 0;      //!< event time where live generation began
  Micros last_event_time = 0;
  Micros elapsed = 0;   //!< wall time of the run
  bool behind = false;  //!< the sink could not keep up with --rate at some point
};

using ProgressCallback = std::function<void(const GeneratorStats&)>;

//! Everything a run needs besides its config and sink; the defaults suit the CLI.
struct RunOptions {
  //! Wall clock for pacing and `now` (when config.start is unset).
  const Clock* clock = &SystemClock::Instance();
  //! Sleeps about the given time; default std::this_thread::sleep_for. Tests pass one that
  //! advances a ManualClock.
  std::function<void(Micros)> sleep;
  //! Set from another thread or a signal handler to stop the run cleanly.
  const std::atomic<bool>* stop = nullptr;
  //! Ground truth, one JSON line per transaction with a label or an injected anomaly:
  //! {"transaction_id":…,"user_id":…,"timestamp":…,"types":[…],"injected":"velocity"|null}.
  std::ostream* truth = nullptr;
  //! Called about every `progress_interval` of wall time (the final figures are returned).
  ProgressCallback progress;
  Micros progress_interval = 5 * kMicrosPerSecond;
};

//! Runs the synthetic shop into `sink`:
//!  1. history: events from start − config.backfill up to start at
//!     config.backfill_per_day events a day, unpaced, in event-time order;
//!  2. live: from start (config.start, else the clock's now rounded down to a millisecond),
//!     paced so that event time tracks start + wall time elapsed when config.rate > 0
//!     (sleeping in slices of at most 10 ms; if the sink is slower, the run falls behind and
//!     says so in the log), unpaced at config.max_event_rate events per event-second when
//!     config.rate == 0;
//!  3. until config.count live events were sent, config.duration of live event time passed,
//!     or *options.stop became true.
//! Each event is encoded with events::Encode and sent to its topic with key user_id
//! (product_id for inventory_updates) and its event time. The sink is flushed at the end.
//! Returns the stats, or the sink's error (the run stops at the first failed Send).
Result<GeneratorStats> RunGenerator(const GeneratorConfig& config, bus::Sink& sink,
                                    const RunOptions& options = {});

//! Appends one ground-truth JSON line (with '\n') for a transaction and its label.
void AppendTruthLine(const events::Transaction& t, const Label& label, std::string& out);

}  // namespace gm::generator
