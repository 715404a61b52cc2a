#pragma once

// Shared set-up for the generator tests: a small world and a way to run the simulator over
// a stretch of event time without storing the events.

#include <functional>
#include <memory>

#include "common/config.h"
#include "common/time.h"
#include "events/event.h"
#include "generator/catalog.h"
#include "generator/customers.h"
#include "generator/simulator.h"

namespace gm::generator::testing {

// 2024-03-06 (a Wednesday) 12:00:00 UTC.
inline constexpr Micros kStart = 1709726400LL * kMicrosPerSecond;

inline GeneratorConfig TestConfig(GeneratorProfile profile, uint64_t seed = 7) {
  GeneratorConfig c;
  c.profile = profile;
  c.seed = seed;
  c.products = 20'000;  // enough for realistic popularity, quick to build
  c.customers = 1'000'000;
  c.start = kStart;
  return c;
}

//! A catalog, a population and a simulator over them, live from `start` at `rate`.
struct World {
  World(const GeneratorConfig& config, double rate, Micros start = kStart, Micros history = 0,
        double history_rate = 0)
      : config(config),
        catalog(config.products, config.seed),
        customers(config.customers, config.seed, start - history) {
    SimulatorSchedule schedule;
    schedule.begin = start - history;
    schedule.begin_rate = history_rate;
    schedule.start = start;
    schedule.rate = rate;
    simulator = std::make_unique<Simulator>(this->config, catalog, customers, schedule);
  }

  //! Calls `visit` for every event with time < until.
  void RunUntil(Micros until,
                const std::function<void(const events::Event&, const Label&)>& visit) {
    for (;;) {
      if (!pending_) {
        if (!simulator->Next(event, &label)) return;
        pending_ = true;
      }
      if (simulator->time() >= until) return;
      pending_ = false;
      visit(event, label);
    }
  }

  GeneratorConfig config;
  Catalog catalog;
  Customers customers;
  std::unique_ptr<Simulator> simulator;
  events::Event event;
  Label label;

 private:
  bool pending_ = false;
};

}  // namespace gm::generator::testing
