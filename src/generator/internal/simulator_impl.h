#pragma once

// The simulator's internals, shared by simulator.cpp (event queue, arrivals, warm-up),
// session.cpp (a session's plan and its events) and inventory.cpp (stock, restocks,
// stocktakes, ground-truth labels).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "generator/catalog.h"
#include "generator/customers.h"
#include "generator/internal/flat_map.h"
#include "generator/internal/model.h"
#include "generator/internal/random.h"
#include "generator/simulator.h"

namespace gm::generator {

namespace internal {

inline constexpr Micros kMs = kMicrosPerMilli;

//! The hour of day (0–23) at UTC offset `offset_minutes` of time t.
inline int LocalHour(Micros t, int32_t offset_minutes) {
  const Micros local = t + offset_minutes * kMicrosPerMinute;
  const Micros in_day = ((local % kMicrosPerDay) + kMicrosPerDay) % kMicrosPerDay;
  return static_cast<int>(in_day / kMicrosPerHour);
}
inline constexpr int kViewedCapacity = 8;     // the most recent views a session remembers
inline constexpr int kCartCapacity = 8;       // ≥ 1 + adds_n: adds go to distinct products
inline constexpr int kRestockThreshold = 20;  // the smallest reorder point

enum class Action : uint8_t {
  kView,
  kBuyNow,
  kAdd,
  kUpdate,
  kRemove,
  kCheckout,
  kEnd,  // not an event: the session is over
};

struct CartLine {
  int32_t product = 0;
  int32_t quantity = 0;
};

//! One session (or velocity burst) in flight. Plain data in a pool; no allocation.
struct Session {
  int64_t user = -1;
  uint64_t number = 0;  // the session_id counter
  Micros next_time = 0;
  Action next = Action::kView;
  bool burst = false;
  bool will_checkout = false;
  uint8_t country = 0;
  uint8_t city = 0;
  uint8_t device = 0;
  uint8_t payment = 0;
  uint8_t local_hour = 0;  // at the session's start, for category weights
  std::array<uint8_t, 3> preferred{};
  // The remaining plan: views before the cart (phase 1, interleaved with buy-nows), views
  // during the cart phase, cart events, and views after abandoning.
  int16_t views1 = 0, buys = 0, views2 = 0, adds = 0, updates = 0, removes = 0, views3 = 0;
  bool checkout_done = false;
  // The anomaly decided for the next transaction, and the product a buy-now must buy
  // (-1: choose among the viewed ones).
  bool has_pending = false;
  Rule pending_rule = Rule::kHighValue;
  int32_t pending_product = -1;
  int32_t view_product = -1;     // the next view shows this product (-1: choose)
  Action forced = Action::kEnd;  // the action after the next one (kEnd: none)
  Micros forced_at = 0;          // when the forced action happens (0: after a short pause)
  int32_t burst_gap_ms = 0;      // a burst's longest pause between purchases
  Micros last_cart_activity = 0;
  int32_t viewed[kViewedCapacity] = {};
  uint8_t viewed_count = 0;  // ≤ kViewedCapacity
  uint8_t viewed_next = 0;   // ring position of the next view
  int32_t last_viewed = -1;
  CartLine cart[kCartCapacity];
  uint8_t lines = 0;
};

//! A user's last five transaction times, for the velocity rule.
struct RecentTransactions {
  Micros times[5] = {};
  uint8_t count = 0;  // ≤ 5
  uint8_t next = 0;
};

enum class ActorKind : uint8_t { kSession, kArrival, kBurstArrival, kRestock, kStocktake, kSwitch };

//! A queue entry. All simulated times are whole milliseconds; the key packs the time (in ms
//! since the simulation's base) above 20 bits of an insertion counter, so one integer
//! comparison orders entries by time and breaks ties deterministically.
struct QueueEntry {
  uint64_t key;
  uint32_t index;  // session slot, or product for restocks
  ActorKind kind;
};
inline constexpr int kSeqBits = 20;

}  // namespace internal

class Simulator::Impl {
 public:
  Impl(const GeneratorConfig& config, const Catalog& catalog, const Customers& customers,
       const SimulatorSchedule& schedule);
  bool Next(events::Event& out, Label* label);
  Micros time() const { return now_; }
  const SimulatorStats& stats() const { return stats_; }

  // --- simulator.cpp ---
  void Push(Micros time, internal::ActorKind kind, uint32_t index);
  internal::QueueEntry Pop();  //!< REQUIRES: !queue_.empty()
  void SetRate(double rate);
  void WarmUp(Micros from, Micros to);
  //! Pauses between session arrivals (Erlang-6) and of a Poisson process, in fractional ms.
  double NextArrivalGap();
  double ExponentialGap(double rate);
  //! Moves an arrival clock (ms since base_) on by gap_ms; returns the whole-ms time.
  Micros Advance(double& clock_ms, double gap_ms);
  //! Starts a session (or burst) at t and returns its slot, or -1 when no customer is free.
  //! A silent one is simulated up to now_ without emitting and left for WarmUp to surface
  //! (-1 when it ended before).
  int64_t StartSession(Micros t, bool burst, bool silent);
  void EndSession(uint32_t slot);
  int ChooseCountry(Micros t);
  int64_t PickCustomer(int country);
  void AppendId(char prefix, uint64_t counter, std::string& out) const;

  // --- inventory.cpp ---
  void ApplyPurchase(const events::Transaction& t);
  double SalesPerSecond(int32_t product) const;
  void MaybeRestock(int32_t product);
  void EmitRestock(int32_t product, events::Event& out);
  void EmitStocktake(events::Event& out);
  //! `home` is the customer's home country (the session knows it).
  void ComputeLabel(const events::Transaction& t, int64_t user, int home, Label* label);

  // --- session.cpp ---
  void PlanSession(internal::Session& s, Micros t);
  //! Chooses s.next and s.next_time after the event at `t`; kEnd when the session is over.
  void ChooseNext(internal::Session& s, Micros t);
  //! Performs s.next at s.next_time. With `out`, fills the event (and returns its user);
  //! without, only the session's own state changes (silent warm-up).
  void Perform(internal::Session& s, events::Event* out);
  //! Makes a warmed-up session look freshly observed: no views, empty cart. Returns true
  //! when it had to add a view (of the product it buys next).
  bool Surface(internal::Session& s);
  void PayViews(internal::Session& s, int n);
  int32_t ChooseProduct(const internal::Session& s);
  int32_t ChooseInCategory(int category);
  //! Writes a product's id and category name.
  void FillProduct(int32_t product, std::string& id, std::string& category) const;
  int32_t ChooseViewedForPurchase(const internal::Session& s);
  void Remember(internal::Session& s, int32_t product);
  void FillCommon(const internal::Session& s, events::Event& out);
  void FillTransaction(internal::Session& s, events::Transaction& t, Rule* injected,
                       bool* has_injected);
  Micros Gap();

  const GeneratorConfig& config_;
  const Catalog& catalog_;
  const Customers& customers_;
  const SimulatorSchedule schedule_;
  internal::BehaviourModel model_;
  // A session's plan is drawn from decks (stratified sampling, see Deck): the distributions
  // of the model, with per-minute totals that stay close to their means.
  struct PlanDecks {
    internal::Deck views, buys, cart, adds, updates, removes, checkout;
  } decks_;
  internal::Rng rng_;
  std::string run_tag_;

  // Event queue: a 4-ary min-heap on QueueEntry::key.
  std::vector<internal::QueueEntry> queue_;
  uint64_t seq_ = 0;
  Micros base_ = 0;  // the queue's time origin (the schedule's begin)
  Micros now_ = 0;
  double rate_ = 0;
  double session_rate_ = 0;  // arrivals per second
  double burst_rate_ = 0;
  double stocktake_rate_ = 0;
  double arrival_ms_ = 0, burst_ms_ = 0, stocktake_ms_ = 0;  // arrival process clocks

  std::vector<internal::Session> sessions_;
  std::vector<uint32_t> free_slots_;
  internal::FlatMap<uint32_t> busy_;  // user → session slot
  uint64_t session_counter_ = 0;
  uint64_t transaction_counter_ = 0;
  uint64_t event_counter_ = 0;

  // Inventory: simulated stock, when the restock on its way arrives (0: none), and the
  // demand since the last restock.
  std::vector<int32_t> stock_;
  std::vector<Micros> restock_due_;
  std::vector<int32_t> sold_since_restock_;
  std::vector<Micros> restocked_at_;
  std::vector<int32_t> expensive_;  // products ≥ 1000.00, for high-value anomalies

  // Sampling tables: categories by local hour; products by popularity within a category
  // (cumulative Zipf weights over the ranks of Catalog::ByPopularity).
  std::array<internal::AliasTable, 24> category_by_hour_;
  std::array<std::string_view, Catalog::kCategoryCount> category_names_;
  // Per category, its products by popularity rank with the cumulative Zipf weight (float:
  // ample for ≤ 10^5 ranks, and half the cache footprint), categories one after another.
  struct Ranked {
    float cumulative;
    int32_t product;
  };
  std::vector<Ranked> ranked_;
  std::array<uint32_t, Catalog::kCategoryCount + 1> ranked_begin_{};
  // Compact copy of the price of every product, so the hot path does not touch the
  // (large) Product records; a product's category is its index % 100.
  std::vector<int32_t> price_;

  // Ground truth: recent transactions per user, expired through a FIFO of (time, user).
  internal::FlatMap<internal::RecentTransactions> recent_;
  struct Expiry {
    Micros time;
    int64_t user;
  };
  internal::RingQueue<Expiry> expiry_;

  // What the last Perform() injected into the transaction it emitted.
  bool last_has_injected_ = false;
  Rule last_injected_ = Rule::kHighValue;
  // Arrival entries carry the generation they were scheduled in; a rate switch starts a
  // new one, and entries of older generations are ignored when they come up.
  uint32_t generation_ = 0;
  // Views that surfaced sessions showed beyond their plan, to be taken from new sessions.
  int64_t view_debt_ = 0;
  std::array<bool, kCountryCount> has_customers_{};

  SimulatorStats stats_;
};

}  // namespace gm::generator
