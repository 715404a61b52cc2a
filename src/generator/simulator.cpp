#include "generator/simulator.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "generator/internal/simulator_impl.h"
#include "generator/internal/world_data.h"

namespace gm::generator {

using internal::ActorKind;
using internal::QueueEntry;
using internal::Session;

namespace {

constexpr uint64_t kSaltSimulator = 0x73696d75;
constexpr uint64_t kSaltRunTag = 0x72756e74;
constexpr int kCustomerTries = 32;

// Warm-up covers sessions begun up to this long before a start (10 minutes: longer than
// nearly every session, so the event rate is steady from the first second), capped so that
// warming up a very high rate stays under ~3·10^7 simulated events (5 s at 50,000 events/s;
// an unpaced run's density is low enough to warm up 10 minutes in well under a second).
Micros WarmUpWindow(double rate) {
  const double seconds = std::min(600.0, 3e7 / std::max(rate, 1.0));
  return static_cast<Micros>(seconds) * kMicrosPerSecond;
}

// Simulated time runs in whole milliseconds; starts are rounded up to one.
Micros CeilMs(Micros t) {
  const Micros r = ((t % kMicrosPerMilli) + kMicrosPerMilli) % kMicrosPerMilli;
  return r == 0 ? t : t + (kMicrosPerMilli - r);
}

SimulatorSchedule Rounded(SimulatorSchedule s) {
  s.begin = CeilMs(s.begin);
  s.start = std::max(s.begin, CeilMs(s.start));
  return s;
}

}  // namespace

std::string_view RuleName(Rule rule) {
  switch (rule) {
    case Rule::kHighValue:
      return "high_value";
    case Rule::kUnusualQuantity:
      return "unusual_quantity";
    case Rule::kVelocity:
      return "velocity";
    case Rule::kGeoMismatch:
      return "geo_mismatch";
    case Rule::kAmountMismatch:
      return "amount_mismatch";
  }
  return "unknown";
}

Simulator::Impl::Impl(const GeneratorConfig& config, const Catalog& catalog,
                      const Customers& customers, const SimulatorSchedule& schedule)
    : config_(config),
      catalog_(catalog),
      customers_(customers),
      schedule_(Rounded(schedule)),
      model_(internal::MakeModel(config.profile, config.anomaly_rate)),
      rng_(internal::Hash3(config.seed, kSaltSimulator, static_cast<uint64_t>(schedule.start))) {
  const internal::BehaviourModel& m = model_;
  using internal::BinomialPmf;
  using internal::Deck;
  decks_.views =
      Deck::Fitting(m.views_geometric ? internal::CappedGeometricPmf(m.views_q, m.views_cap)
                                      : BinomialPmf(m.views_n, m.views_p));
  decks_.buys = Deck::Fitting(BinomialPmf(m.buys_n, m.buys_p));
  decks_.cart = Deck::Fitting(BinomialPmf(1, m.p_cart));
  decks_.adds = Deck::Fitting(BinomialPmf(m.adds_n, m.adds_p));
  decks_.updates = Deck::Fitting(BinomialPmf(m.updates_n, m.updates_p));
  decks_.removes = Deck::Fitting(BinomialPmf(m.removes_n, m.removes_p));
  decks_.checkout = Deck::Fitting(BinomialPmf(1, m.p_checkout));

  // Ids embed a tag of (seed, start) so runs with different seeds or starts never collide.
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  uint64_t tag = internal::Hash3(config.seed, kSaltRunTag, static_cast<uint64_t>(schedule.start));
  for (int i = 0; i < 6; ++i, tag >>= 5) run_tag_.push_back(kAlphabet[tag & 31]);

  stock_.resize(static_cast<size_t>(catalog.size()));
  price_.resize(static_cast<size_t>(catalog.size()));
  restock_due_.assign(static_cast<size_t>(catalog.size()), 0);
  sold_since_restock_.assign(static_cast<size_t>(catalog.size()), 0);
  restocked_at_.assign(static_cast<size_t>(catalog.size()), CeilMs(schedule.begin));
  int32_t dearest = 0;
  for (int64_t i = 0; i < catalog.size(); ++i) {
    const Product& p = catalog.product(i);
    stock_[i] = p.initial_stock;
    price_[i] = static_cast<int32_t>(p.price);
    if (p.price >= 100'000) expensive_.push_back(static_cast<int32_t>(i));
    if (p.price > catalog.product(dearest).price) dearest = static_cast<int32_t>(i);
  }
  if (expensive_.empty()) expensive_.push_back(dearest);

  const auto categories = internal::CategoryTable();
  for (int h = 0; h < 24; ++h) {
    std::vector<double> w;
    for (const auto& c : categories) w.push_back(c.weight * internal::HourWeight(c.hours, h));
    category_by_hour_[h] = internal::AliasTable(w);
  }
  for (int c = 0; c < Catalog::kCategoryCount; ++c) {
    ranked_begin_[c] = static_cast<uint32_t>(ranked_.size());
    double sum = 0;
    const auto products = catalog.ByPopularity(c);
    for (size_t r = 0; r < products.size(); ++r) {
      sum += Catalog::ZipfWeight(static_cast<int64_t>(r));
      ranked_.push_back({static_cast<float>(sum), products[r]});
    }
  }
  ranked_begin_[Catalog::kCategoryCount] = static_cast<uint32_t>(ranked_.size());
  for (int c = 0; c < kCountryCount; ++c) {
    has_customers_[c] = customers.Pick(static_cast<Country>(c), 0, 0) >= 0;
  }

  for (int c = 0; c < Catalog::kCategoryCount; ++c) {
    category_names_[c] = Catalog::categories()[c].name;
  }

  // History (if any) at its own rate, then the switch to the live rate at `start`.
  const bool history = schedule_.start > schedule_.begin;
  now_ = base_ = schedule_.begin;
  SetRate(history ? schedule_.begin_rate : schedule_.rate);
  WarmUp(schedule_.begin - WarmUpWindow(rate_), schedule_.begin);
  if (history) Push(schedule_.start, ActorKind::kSwitch, 0);
}

// The queue is a 4-ary min-heap on the key: half the depth of a binary heap, and a node's
// children share a cache line.
void Simulator::Impl::Push(Micros time, ActorKind kind, uint32_t index) {
  assert(time >= base_ && time % internal::kMs == 0);
  const uint64_t ms = static_cast<uint64_t>((time - base_) / internal::kMs);
  const QueueEntry entry{(ms << internal::kSeqBits) | (seq_++ & ((1u << internal::kSeqBits) - 1)),
                         index, kind};
  queue_.push_back(entry);
  size_t i = queue_.size() - 1;
  while (i > 0) {
    const size_t parent = (i - 1) / 4;
    if (queue_[parent].key <= entry.key) break;
    queue_[i] = queue_[parent];
    i = parent;
  }
  queue_[i] = entry;
}

QueueEntry Simulator::Impl::Pop() {
  const QueueEntry top = queue_.front();
  const QueueEntry last = queue_.back();
  queue_.pop_back();
  const size_t n = queue_.size();
  if (n == 0) return top;
  size_t i = 0;
  for (;;) {
    const size_t first = 4 * i + 1;
    if (first >= n) break;
    size_t best = first;
    const size_t end = std::min(first + 4, n);
    for (size_t c = first + 1; c < end; ++c) {
      if (queue_[c].key < queue_[best].key) best = c;
    }
    if (queue_[best].key >= last.key) break;
    queue_[i] = queue_[best];
    i = best;
  }
  queue_[i] = last;
  return top;
}

// Starts a new generation of the arrival processes at `now_` with the given rate.
void Simulator::Impl::SetRate(double rate) {
  rate_ = rate;
  session_rate_ = rate * model_.sessions_per_event;
  burst_rate_ = rate * model_.bursts_per_event;
  stocktake_rate_ = rate * model_.stocktakes_per_event;
  ++generation_;
  const double now_ms = static_cast<double>((now_ - base_) / internal::kMs);
  arrival_ms_ = burst_ms_ = stocktake_ms_ = now_ms;
  if (session_rate_ > 0) {
    Push(Advance(arrival_ms_, NextArrivalGap()), ActorKind::kArrival, generation_);
  }
  if (burst_rate_ > 0) {
    Push(Advance(burst_ms_, ExponentialGap(burst_rate_)), ActorKind::kBurstArrival, generation_);
  }
  if (stocktake_rate_ > 0) {
    Push(Advance(stocktake_ms_, ExponentialGap(stocktake_rate_)), ActorKind::kStocktake,
         generation_);
  }
}

// Session arrivals are a renewal process with Erlang-6 gaps: random like a Poisson process,
// but with a sixth of its count variance, so each topic's per-minute count stays within a
// few percent of its rate.
double Simulator::Impl::NextArrivalGap() {
  constexpr int kShape = 6;
  const double mean_ms = 1e3 / session_rate_ / kShape;
  double gap = 0;
  for (int i = 0; i < kShape; ++i) gap += rng_.Exponential(mean_ms);
  return gap;
}

double Simulator::Impl::ExponentialGap(double rate) { return rng_.Exponential(1e3 / rate); }

// Arrival processes keep their clocks in fractional milliseconds (so rounding never biases
// a rate) and schedule at the whole millisecond.
Micros Simulator::Impl::Advance(double& clock_ms, double gap_ms) {
  clock_ms += gap_ms;
  return base_ + static_cast<Micros>(std::floor(clock_ms)) * internal::kMs;
}

// Simulates, without emitting, the sessions that arrived in [from, to); those still going
// at `to` continue visibly from their first event at or after `to`.
void Simulator::Impl::WarmUp(Micros from, Micros to) {
  if (session_rate_ <= 0) return;
  // StartSession fast-forwards silent sessions up to now_, which is `to` here.
  std::vector<uint32_t> running;
  double clock_ms = static_cast<double>((from - base_) / internal::kMs);
  for (Micros t = Advance(clock_ms, NextArrivalGap()); t < to;
       t = Advance(clock_ms, NextArrivalGap())) {
    const int64_t slot = StartSession(t, /*burst=*/false, /*silent=*/true);
    if (slot >= 0) running.push_back(static_cast<uint32_t>(slot));
  }
  // Surface them. Each view a surfacing session must add before its purchase is paid for by
  // skipping the plain view due soonest at or after it, so the view rate stays flat.
  struct Due {
    Micros time;
    uint32_t slot;
    bool operator<(const Due& o) const { return time != o.time ? time < o.time : slot < o.slot; }
  };
  std::vector<Due> added, plain;
  for (uint32_t slot : running) {
    Session& s = sessions_[slot];
    if (Surface(s)) {
      added.push_back({s.next_time, slot});
    } else if (s.next == internal::Action::kView && s.view_product < 0 && s.buys == 0) {
      // Only sessions with no buy-now left: skipping a view of one that still has to buy
      // would just make it show a product first, later.
      plain.push_back({s.next_time, slot});
    }
  }
  std::sort(added.begin(), added.end());
  std::sort(plain.begin(), plain.end());
  std::vector<uint8_t> ended(sessions_.size(), 0);
  size_t j = 0;
  for (const Due& a : added) {
    while (j < plain.size() && plain[j].time < a.time) ++j;
    if (j == plain.size()) {
      ++view_debt_;  // paid by new sessions
      continue;
    }
    Session& s = sessions_[plain[j++].slot];
    ChooseNext(s, s.next_time);  // the step after the skipped view keeps its pause
    if (s.next == internal::Action::kEnd) {
      ended[plain[j - 1].slot] = 1;
    } else if (s.next == internal::Action::kUpdate || s.next == internal::Action::kRemove) {
      s.next = internal::Action::kAdd;
    }
  }
  for (uint32_t slot : running) {
    if (ended[slot]) {
      EndSession(slot);
    } else {
      Push(sessions_[slot].next_time, ActorKind::kSession, slot);
    }
  }
}

int64_t Simulator::Impl::StartSession(Micros t, bool burst, bool silent) {
  const int country = ChooseCountry(t);
  const int64_t user = country < 0 ? -1 : PickCustomer(country);
  if (user < 0) {
    ++stats_.sessions_dropped;
    return -1;
  }
  uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<uint32_t>(sessions_.size());
    sessions_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    sessions_[slot] = Session();
  }
  Session& s = sessions_[slot];
  const CustomerTraits traits = customers_.Traits(user);
  const auto& country_data = internal::CountryTable()[country];
  s.user = user;
  s.number = session_counter_++;
  s.burst = burst;
  s.country = static_cast<uint8_t>(country);
  s.city = traits.city;
  s.preferred = traits.preferred;
  const double device = rng_.Uniform();
  s.device = device < 0.58 ? 0 : device < 0.92 ? 1 : 2;
  const auto pay = country_data.payment_weights;
  double x = rng_.Uniform() * 100;  // payment weights are percentages
  s.payment = 0;
  while (s.payment + 1u < pay.size() && x >= pay[s.payment]) x -= pay[s.payment++];
  const City& city = Customers::city(traits.country, traits.city);
  s.local_hour = static_cast<uint8_t>(internal::LocalHour(t, city.utc_offset_minutes));
  busy_[user] = slot;
  ++stats_.sessions;

  if (burst) {
    ++stats_.bursts;
    s.buys = static_cast<int16_t>(rng_.Between(6, 10));
    s.burst_gap_ms = 50'000 / s.buys;
    s.next = internal::Action::kView;
    s.next_time = t;
  } else {
    PlanSession(s, t);
    if (!silent && view_debt_ > 0) {
      // Views surfaced sessions had to add are taken out of new sessions' plans, so the
      // view rate stays steady from the first minute.
      const int n = static_cast<int>(std::min<int64_t>(view_debt_, 2));
      view_debt_ -= n;
      PayViews(s, n);  // what this session cannot pay stays owed
    }
  }
  if (!silent) {
    Push(s.next_time, ActorKind::kSession, slot);
    return slot;
  }
  // Warm-up: run the session up to the present; WarmUp() lets it surface.
  while (s.next != internal::Action::kEnd && s.next_time < now_) {
    Perform(s, nullptr);
    ChooseNext(s, s.next_time);
  }
  if (s.next == internal::Action::kEnd) {
    EndSession(slot);
    return -1;
  }
  return slot;
}

void Simulator::Impl::EndSession(uint32_t slot) {
  busy_.Erase(sessions_[slot].user);
  free_slots_.push_back(slot);
}

int Simulator::Impl::ChooseCountry(Micros t) {
  const auto countries = internal::CountryTable();
  double cumulative[kCountryCount];
  double sum = 0;
  for (int c = 0; c < kCountryCount; ++c) {
    const Micros local = t + countries[c].main_utc_offset_minutes * kMicrosPerMinute;
    const double hour =
        static_cast<double>(((local % kMicrosPerDay) + kMicrosPerDay) % kMicrosPerDay) /
        static_cast<double>(kMicrosPerHour);
    const int64_t day = local >= 0 ? local / kMicrosPerDay : (local + 1) / kMicrosPerDay - 1;
    const int weekday = static_cast<int>(((day + 3) % 7 + 7) % 7);  // 1970-01-01: Thursday
    const double w = has_customers_[c] ? countries[c].share * internal::ShoppingHourWeight(hour) *
                                             internal::WeekdayWeight(weekday)
                                       : 0;
    sum += w;
    cumulative[c] = sum;
  }
  if (sum <= 0) return -1;
  return internal::PickCumulative(cumulative, kCountryCount, rng_.Uniform());
}

int64_t Simulator::Impl::PickCustomer(int country) {
  for (int i = 0; i < kCustomerTries; ++i) {
    const int64_t user = customers_.Pick(static_cast<Country>(country), rng_.Next(), rng_.Next());
    if (user >= 0 && busy_.Find(user) == nullptr) return user;
  }
  return -1;
}

void Simulator::Impl::AppendId(char prefix, uint64_t counter, std::string& out) const {
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[32];
  buf[0] = prefix;
  size_t len = 1 + run_tag_.copy(buf + 1, run_tag_.size());
  int shift = 60;
  while (shift > 0 && ((counter >> shift) & 15) == 0) shift -= 4;
  for (; shift >= 0; shift -= 4) buf[len++] = kHex[(counter >> shift) & 15];
  out.assign(buf, len);
}

bool Simulator::Impl::Next(events::Event& out, Label* label) {
  while (!queue_.empty()) {
    const QueueEntry e = Pop();
    // The next entry's session is most likely needed next: fetch it while this one works.
    if (!queue_.empty() && queue_.front().kind == ActorKind::kSession) {
      __builtin_prefetch(&sessions_[queue_.front().index]);
    }
    now_ = base_ + static_cast<Micros>(e.key >> internal::kSeqBits) * internal::kMs;
    switch (e.kind) {
      case ActorKind::kSession: {
        Session& s = sessions_[e.index];
        last_has_injected_ = false;
        Perform(s, &out);
        const int64_t user = s.user;
        const int home = s.country;
        ChooseNext(s, now_);
        if (out.topic == events::Topic::kProductViews) {
          out.view.duration_seconds =
              s.next == internal::Action::kEnd
                  ? static_cast<int32_t>(rng_.Between(5, 120))
                  : static_cast<int32_t>(std::max<Micros>(
                        1, (s.next_time - now_) / kMicrosPerSecond - rng_.Between(0, 3)));
        }
        if (s.next == internal::Action::kEnd) {
          EndSession(e.index);
        } else {
          Push(s.next_time, ActorKind::kSession, e.index);
        }
        if (label != nullptr) *label = Label();
        if (out.topic == events::Topic::kTransactions) {
          ComputeLabel(out.transaction, user, home, label);
          ApplyPurchase(out.transaction);
        }
        break;
      }
      case ActorKind::kArrival:
        if (e.index != generation_) continue;
        StartSession(now_, /*burst=*/false, /*silent=*/false);
        Push(Advance(arrival_ms_, NextArrivalGap()), ActorKind::kArrival, generation_);
        continue;
      case ActorKind::kBurstArrival:
        if (e.index != generation_) continue;
        StartSession(now_, /*burst=*/true, /*silent=*/false);
        Push(Advance(burst_ms_, ExponentialGap(burst_rate_)), ActorKind::kBurstArrival,
             generation_);
        continue;
      case ActorKind::kRestock:
        if (restock_due_[e.index] != now_) continue;  // expedited meanwhile
        EmitRestock(static_cast<int32_t>(e.index), out);
        if (label != nullptr) *label = Label();
        break;
      case ActorKind::kStocktake:
        if (e.index != generation_) continue;
        EmitStocktake(out);
        Push(Advance(stocktake_ms_, ExponentialGap(stocktake_rate_)), ActorKind::kStocktake,
             generation_);
        if (label != nullptr) *label = Label();
        break;
      case ActorKind::kSwitch:
        SetRate(schedule_.rate);
        WarmUp(now_ - WarmUpWindow(rate_), now_);
        continue;
    }
    ++stats_.events;
    ++stats_.per_topic[static_cast<int>(out.topic)];
    return true;
  }
  return false;
}

Simulator::Simulator(const GeneratorConfig& config, const Catalog& catalog,
                     const Customers& customers, const SimulatorSchedule& schedule)
    : impl_(std::make_unique<Impl>(config, catalog, customers, schedule)) {}

Simulator::~Simulator() = default;

bool Simulator::Next(events::Event& out, Label* label) { return impl_->Next(out, label); }
Micros Simulator::time() const { return impl_->time(); }
const SimulatorStats& Simulator::stats() const { return impl_->stats(); }

}  // namespace gm::generator
