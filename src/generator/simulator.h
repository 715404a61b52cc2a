#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/config.h"
#include "common/time.h"
#include "events/event.h"

namespace gm::generator {

class Catalog;
class Customers;

//! The rules of DESIGN.md §6 that always fire, which are also the injectable anomalies.
enum class Rule : uint8_t {
  kHighValue = 0,        //!< line-item total > 5000.00
  kUnusualQuantity = 1,  //!< a line with quantity > 10
  kVelocity = 2,         //!< the user's 6th or later transaction with time in (t − 60 s, t]
  kGeoMismatch = 3,      //!< country ≠ the customer's home country
  kAmountMismatch = 4,   //!< |total_amount − Σ quantity × price| > 1 cent
};
inline constexpr int kRuleCount = 5;
inline constexpr Rule kAllRules[] = {Rule::kHighValue, Rule::kUnusualQuantity, Rule::kVelocity,
                                     Rule::kGeoMismatch, Rule::kAmountMismatch};
//! "high_value", "unusual_quantity", "velocity", "geo_mismatch", "amount_mismatch".
std::string_view RuleName(Rule rule);

//! Ground truth for one emitted transaction.
struct Label {
  //! Bit (1 << Rule) is set for every rule that must flag the transaction, computed by
  //! applying the rules to exactly what was emitted (naturally expensive purchases too).
  uint8_t rules = 0;
  //! Whether an anomaly was injected into this transaction, and which.
  bool has_injected = false;
  Rule injected = Rule::kHighValue;

  bool Fires(Rule r) const { return (rules >> static_cast<int>(r)) & 1; }
  //! True when there is nothing to report (no rule fires, nothing injected).
  bool empty() const { return rules == 0 && !has_injected; }
};

//! When events happen: history from `begin` at `begin_rate`, then live from `start` at `rate`
//! (events per second of event time). Without history, begin == start.
struct SimulatorSchedule {
  Micros begin = 0;
  double begin_rate = 0;
  Micros start = 0;
  double rate = 500;
};

//! Counters of what the simulation did (emitted events only).
struct SimulatorStats {
  int64_t events = 0;
  int64_t per_topic[events::kTopicCount] = {};
  int64_t sessions = 0;          //!< sessions begun (warm-up sessions included)
  int64_t sessions_dropped = 0;  //!< arrivals that found no free customer (see Simulator)
  int64_t bursts = 0;
  int64_t restocks = 0;
  int64_t stocktakes = 0;
  int64_t labelled = 0;  //!< transactions some rule must flag
  int64_t injected = 0;  //!< transactions with an injected anomaly
};

//! The synthetic shop as an event-time simulation: session arrivals (country by share ×
//! diurnal × weekday curve of its local time), each session a plan of views → buy-now
//! purchases → cart add/update/remove → checkout or abandonment, velocity bursts,
//! restocks and stocktakes, all kept in one priority queue ordered by event time, so events
//! come out in non-decreasing time order. docs/generator.md describes the model.
//!
//! To start in steady state, sessions that would have begun up to 10 minutes before
//! `begin` (and before `start`, at the live rate) are simulated silently; their visible
//! part starts with an empty cart and no viewed products.
//!
//! A session's customer is drawn (skewed towards heavy shoppers) until one is found that
//! has no open session; after 32 tries the arrival is dropped and counted — only tiny
//! populations (customers ≲ rate × 100 s) hit that.
//!
//! Deterministic: the same config, catalog, customers and schedule give the same events.
//! Not thread-safe. The catalog and customers must outlive the simulator.
class Simulator {
 public:
  Simulator(const GeneratorConfig& config, const Catalog& catalog, const Customers& customers,
            const SimulatorSchedule& schedule);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  //! Fills `out` with the next event (only the member named by out.topic is written; the
  //! Event is meant to be reused) and, when `label` is given, its ground truth (empty for
  //! anything but transactions). Returns false only when nothing can ever happen again
  //! (a rate of 0).
  bool Next(events::Event& out, Label* label);

  //! Event time of the event the last Next() returned.
  Micros time() const;
  const SimulatorStats& stats() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace gm::generator
