// SessionTracker against an independent brute force (DESIGN.md §6 Sessions, Carts): the
// brute force keeps every session in a list and, before each event, scans for the earliest
// due timer — no heap, no lazy re-queuing, no user map.
#include "stream/processors/sessions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <tuple>
#include <variant>

namespace gm::stream {
namespace {

constexpr Micros kSec = kMicrosPerSecond;
constexpr Micros kGap = 120 * kSec;
constexpr Micros kTimeout = 60 * kSec;

using Input = std::variant<events::ProductView, events::CartEvent, events::Transaction>;
struct Timed {
  OrderKey key;
  Input event;
};

// --- Brute force -------------------------------------------------------------------------

struct BfLine {
  std::string product;
  int64_t q = 0;
  Cents price = 0;
};
struct BfSession {
  std::string id, user, device, country;
  Micros start = 0, last = 0;
  int64_t order = 0;  // when it last got an event
  int views = 0, adds = 0, removes = 0, purchases = 0;
  Cents total = 0;
  std::vector<std::string> viewed;
  std::vector<BfLine> cart;
  Micros first_add = 0, last_activity = 0;
  OrderKey last_key;
  bool abandoned = false;
  std::optional<CartAbandonmentRow> latest;  // latest abandonment row
};
struct BruteForce {
  explicit BruteForce(const CatalogLookup& c) : catalog(c) {}
  const CatalogLookup& catalog;
  std::vector<BfSession> open;
  std::map<std::pair<std::string, Micros>, SessionRow> sessions;
  std::map<std::tuple<std::string, Micros, Micros>, CartAbandonmentRow> abandonments;
  std::map<std::tuple<OrderKey, std::string>, int64_t> reserved;  // (key, product) → Σ delta
  int64_t counter = 0;

  void Reserve(const OrderKey& key, const std::string& product, int64_t delta) {
    if (delta != 0) reserved[{key, product}] += delta;
  }
  SessionRow RowOf(const BfSession& s) {
    SessionRow r;
    r.session_id = s.id;
    r.session_start = s.start;
    r.session_end = s.last;
    r.user_id = s.user;
    r.task = 3;
    r.page_views = s.views;
    r.cart_adds = s.adds;
    r.cart_removes = s.removes;
    r.purchases = s.purchases;
    r.total_amount = s.total;
    r.distinct_products_viewed = static_cast<int32_t>(s.viewed.size());
    r.device = s.device;
    r.country = s.country;
    r.converted = s.purchases > 0;
    r.abandoned = s.latest && !s.latest->recovered;
    r.is_closed = true;
    return r;
  }
  void Abandon(BfSession& s) {
    CartAbandonmentRow r;
    r.session_id = s.id;
    r.session_start = s.start;
    r.abandonment_time = s.last_activity + kTimeout;
    r.user_id = s.user;
    r.task = 3;
    for (const BfLine& l : s.cart) {
      ++r.products_in_cart;
      r.items_in_cart += l.q;
      r.cart_value += l.q * l.price;
    }
    r.time_in_cart = s.last_activity - s.first_add;
    s.latest = r;
    abandonments[{r.session_id, r.session_start, r.abandonment_time}] = r;
    OrderKey key = s.last_key;
    key.effective_time = r.abandonment_time;
    for (const BfLine& l : s.cart) Reserve(key, l.product, -l.q);
    s.abandoned = true;
  }
  // Fires every timer due at or before `t`, earliest first (cart before close).
  void FireThrough(Micros t) {
    while (true) {
      std::optional<std::tuple<Micros, int, size_t>> next;
      for (size_t i = 0; i < open.size(); ++i) {
        const BfSession& s = open[i];
        if (!s.cart.empty() && !s.abandoned) {
          std::tuple<Micros, int, size_t> c{s.last_activity + kTimeout, 0, i};
          if (!next || c < *next) next = c;
        }
        std::tuple<Micros, int, size_t> c{s.last + kGap, 1, i};
        if (!next || c < *next) next = c;
      }
      if (!next || std::get<0>(*next) > t) return;
      BfSession& s = open[std::get<2>(*next)];
      if (std::get<1>(*next) == 0) {
        Abandon(s);
      } else {
        sessions[{s.id, s.start}] = RowOf(s);
        open.erase(open.begin() + static_cast<ptrdiff_t>(std::get<2>(*next)));
      }
    }
  }
  BfSession& Find(const std::string& id, const std::string& user, Micros t) {
    for (BfSession& s : open) {
      if (s.id == id) return s;
    }
    BfSession& s = open.emplace_back();
    s.id = id;
    s.user = user;
    s.start = s.last = t;
    return s;
  }
  void Touched(BfSession& s, Micros t) {
    s.last = t;
    s.order = ++counter;
  }
  void Apply(const Timed& e) {
    const Micros t = e.key.effective_time;
    FireThrough(t);
    if (auto* v = std::get_if<events::ProductView>(&e.event)) {
      BfSession& s = Find(v->session_id, v->user_id, t);
      ++s.views;
      if (std::find(s.viewed.begin(), s.viewed.end(), v->product_id) == s.viewed.end()) {
        s.viewed.push_back(v->product_id);
      }
      if (s.device.empty()) s.device = v->device;
      if (s.country.empty()) s.country = v->country;
      Touched(s, t);
    } else if (auto* c = std::get_if<events::CartEvent>(&e.event)) {
      BfSession& s = Find(c->session_id, c->user_id, t);
      // Reservation before and after, per product.
      std::map<std::string, int64_t> before, after;
      for (const BfLine& l : s.cart) before[l.product] = s.abandoned ? 0 : l.q;
      const bool was_empty = s.cart.empty();
      auto it = std::find_if(s.cart.begin(), s.cart.end(),
                             [&](const BfLine& l) { return l.product == c->product_id; });
      if (it == s.cart.end()) {
        s.cart.push_back({c->product_id, 0, catalog.PriceOf(c->product_id).value_or(0)});
        it = s.cart.end() - 1;
      }
      if (c->price) it->price = *c->price;
      if (c->action == events::CartAction::kAdd) {
        it->q += c->quantity;
        ++s.adds;
      } else if (c->action == events::CartAction::kUpdate) {
        it->q = c->quantity;
      } else {
        it->q = 0;
        ++s.removes;
      }
      if (it->q == 0) s.cart.erase(it);
      s.abandoned = false;
      for (const BfLine& l : s.cart) after[l.product] = l.q;
      std::map<std::string, int64_t> all = before;
      for (auto& [p, q] : after) all[p];
      for (auto& [p, q] : all) Reserve(e.key, p, after[p] - before[p]);
      if (was_empty && !s.cart.empty()) s.first_add = t;
      s.last_activity = t;
      s.last_key = e.key;
      Touched(s, t);
    } else {
      const auto& tx = std::get<events::Transaction>(e.event);
      BfSession* s = nullptr;
      if (!tx.session_id.empty()) {
        s = &Find(tx.session_id, tx.user_id, t);
      } else {
        for (BfSession& o : open) {
          if (o.user == tx.user_id && (s == nullptr || o.order > s->order)) s = &o;
        }
        if (s == nullptr) return;
      }
      ++s->purchases;
      s->total += tx.LineItemsTotal();
      if (s->device.empty()) s->device = tx.device;
      if (s->country.empty()) s->country = tx.country;
      if (!s->abandoned) {
        for (const BfLine& l : s->cart) Reserve(e.key, l.product, -l.q);
      }
      s->cart.clear();
      s->abandoned = false;
      if (s->latest && !s->latest->recovered) {
        s->latest->recovered = true;
        s->latest->recovered_at = t;
        const CartAbandonmentRow& r = *s->latest;
        abandonments[{r.session_id, r.session_start, r.abandonment_time}] = r;
      }
      Touched(*s, t);
    }
  }
};

// --- Inputs ------------------------------------------------------------------------------

// Events of a few users and sessions, in OrderKey order, with pauses around the gap and
// the cart timeout (and exactly at them), equal timestamps, session-less transactions.
std::vector<Timed> RandomEvents(uint32_t seed, int n) {
  std::mt19937 rng(seed);
  auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<uint32_t>(k)); };
  const Micros pauses[] = {0, 1 * kSec, 10 * kSec, kTimeout - 1, kTimeout, kTimeout + 1,
                           kGap - 1, kGap, 3 * kGap};
  std::vector<Timed> out;
  Micros t = 1'700'000'000 * kSec;
  for (int i = 0; i < n; ++i) {
    t += pauses[pick(9)] / (1 + pick(4));
    const std::string user = "u" + std::to_string(pick(4));
    const std::string session = "s" + user + "-" + std::to_string(pick(3));
    const std::string product = "p" + std::to_string(pick(5));
    Timed e;
    const int kind = pick(10);
    e.key = {.effective_time = t, .topic = 0, .partition = 0, .offset = i};
    if (kind < 3) {
      events::ProductView v;
      v.event_id = "v" + std::to_string(i);
      v.user_id = user;
      v.session_id = session;
      v.product_id = product;
      v.device = pick(3) == 0 ? "" : (pick(2) ? "mobile" : "desktop");
      v.country = pick(3) == 0 ? "" : "UK";
      e.key.topic = 1;
      e.event = v;
    } else if (kind < 8) {
      events::CartEvent c;
      c.event_id = "c" + std::to_string(i);
      c.user_id = user;
      c.session_id = session;
      c.product_id = product;
      const int a = pick(4);
      c.action = a < 2 ? events::CartAction::kAdd
                       : a == 2 ? events::CartAction::kUpdate : events::CartAction::kRemove;
      c.quantity = c.action == events::CartAction::kRemove ? pick(2) : 1 + pick(3);
      if (pick(2)) c.price = 100 + pick(900);
      e.key.topic = 2;
      e.event = c;
    } else {
      events::Transaction tx;
      tx.transaction_id = "t" + std::to_string(i);
      tx.user_id = user;
      tx.session_id = pick(3) == 0 ? "" : session;
      tx.products.push_back({product, "", 1 + pick(2), 250});
      tx.country = "USA";
      tx.device = pick(2) ? "tablet" : "";
      e.event = tx;
    }
    out.push_back(std::move(e));
  }
  return out;
}

struct Outputs {
  std::vector<SessionRow> sessions;
  std::vector<CartAbandonmentRow> abandonments;
  std::vector<StockChange> stock;
  SessionTracker::Output Out() { return {sessions, abandonments, stock}; }
};

void Feed(SessionTracker& tracker, const Timed& e, Outputs& o) {
  SessionTracker::Output out = o.Out();
  if (auto* v = std::get_if<events::ProductView>(&e.event)) tracker.OnView(*v, e.key, out);
  if (auto* c = std::get_if<events::CartEvent>(&e.event)) tracker.OnCart(*c, e.key, out);
  if (auto* t = std::get_if<events::Transaction>(&e.event)) tracker.OnTransaction(*t, e.key, out);
}

void ExpectSameAsBruteForce(const std::vector<Timed>& events, const Outputs& o,
                            const CatalogLookup& catalog) {
  BruteForce bf(catalog);
  for (const Timed& e : events) bf.Apply(e);
  bf.FireThrough(INT64_MAX);
  std::map<std::pair<std::string, Micros>, SessionRow> sessions;
  for (const SessionRow& r : o.sessions) {
    ASSERT_TRUE(r.is_closed);
    ASSERT_TRUE(sessions.emplace(std::make_pair(r.session_id, r.session_start), r).second)
        << "a session closed twice: " << r.session_id;
  }
  EXPECT_EQ(sessions.size(), bf.sessions.size());
  for (const auto& [key, expected] : bf.sessions) {
    auto it = sessions.find(key);
    ASSERT_NE(it, sessions.end()) << key.first << " at " << key.second;
    EXPECT_EQ(it->second, expected) << key.first << " at " << key.second;
  }
  std::map<std::tuple<std::string, Micros, Micros>, CartAbandonmentRow> abandonments;
  for (const CartAbandonmentRow& r : o.abandonments) {
    abandonments[{r.session_id, r.session_start, r.abandonment_time}] = r;
  }
  EXPECT_EQ(abandonments, bf.abandonments);
  std::map<std::tuple<OrderKey, std::string>, int64_t> reserved;
  for (const StockChange& c : o.stock) reserved[{c.key, c.product_id}] += c.reserved;
  std::erase_if(reserved, [](const auto& kv) { return kv.second == 0; });
  EXPECT_EQ(reserved, bf.reserved);
  // Everything reserved was released by the end (carts were abandoned or bought).
  std::map<std::string, int64_t> net;
  for (const StockChange& c : o.stock) net[c.product_id] += c.reserved;
  for (const auto& [product, q] : net) EXPECT_EQ(q, 0) << product;
}

TEST(SessionTrackerTest, MatchesBruteForceOnRandomStreams) {
  CatalogLookup catalog;
  catalog.AddProduct("p1", "garden", 1999, 5);
  // The streams must exercise what is checked.
  int64_t sessions = 0, abandonments = 0, recovered = 0, reabandoned = 0, converted = 0;
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const std::vector<Timed> events = RandomEvents(seed, 300);
    SessionTracker tracker({.gap = kGap, .cart_timeout = kTimeout}, catalog, 3);
    Outputs o;
    for (const Timed& e : events) Feed(tracker, e, o);
    SessionTracker::Output out = o.Out();
    tracker.AdvanceTo(INT64_MAX, out);
    EXPECT_EQ(tracker.open_sessions(), 0u);
    ExpectSameAsBruteForce(events, o, catalog);
    if (HasFailure()) return;
    sessions += static_cast<int64_t>(o.sessions.size());
    std::map<std::pair<std::string, Micros>, int> per_session;
    for (const CartAbandonmentRow& r : o.abandonments) {
      abandonments += !r.recovered;
      recovered += r.recovered;
      ++per_session[{r.session_id, r.session_start}];
    }
    for (const auto& [k, n] : per_session) reabandoned += n > 2;
    for (const SessionRow& r : o.sessions) converted += r.converted;
  }
  EXPECT_GT(sessions, 1000);
  EXPECT_GT(abandonments, 200);
  EXPECT_GT(recovered, 20);
  EXPECT_GT(reabandoned, 5);
  EXPECT_GT(converted, 100);
  std::cout << sessions << " sessions, " << converted << " converted, " << abandonments
            << " abandonment rows, " << recovered << " recovery rows\n";
}

TEST(SessionTrackerTest, RestoringASnapshotMidStreamChangesNothing) {
  CatalogLookup catalog;
  for (uint32_t seed = 100; seed < 130; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const std::vector<Timed> events = RandomEvents(seed, 200);
    Outputs o;
    auto first = std::make_unique<SessionTracker>(
        SessionTracker::Options{.gap = kGap, .cart_timeout = kTimeout}, catalog, 3);
    const size_t cut = seed % events.size();
    for (size_t i = 0; i < cut; ++i) Feed(*first, events[i], o);
    // The watermark moved a little past the last event before the checkpoint.
    SessionTracker::Output out = o.Out();
    if (cut > 0) first->AdvanceTo(events[cut - 1].key.effective_time + 1, out);
    std::string bytes;
    SnapshotWriter w(bytes);
    first->Save(w);
    SessionTracker second({.gap = kGap, .cart_timeout = kTimeout}, catalog, 3);
    SnapshotReader r(bytes);
    ASSERT_TRUE(second.Restore(r).ok());
    EXPECT_TRUE(r.at_end());
    first.reset();
    for (size_t i = cut; i < events.size(); ++i) Feed(second, events[i], o);
    second.AdvanceTo(INT64_MAX, out);
    ExpectSameAsBruteForce(events, o, catalog);
    if (HasFailure()) return;
  }
}

TEST(SessionTrackerTest, LiveRowsOfOpenSessions) {
  CatalogLookup catalog;
  SessionTracker tracker({.gap = kGap, .cart_timeout = kTimeout}, catalog, 0);
  Outputs o;
  SessionTracker::Output out = o.Out();
  events::ProductView v;
  v.user_id = "u";
  v.session_id = "s";
  v.product_id = "p";
  tracker.OnView(v, {.effective_time = 10 * kSec, .topic = 1}, out);
  tracker.OnView(v, {.effective_time = 20 * kSec, .topic = 1, .offset = 1}, out);
  std::vector<SessionRow> live;
  tracker.CollectOpen(live);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_FALSE(live[0].is_closed);
  EXPECT_EQ(live[0].page_views, 2);
  EXPECT_EQ(live[0].distinct_products_viewed, 1);
  EXPECT_EQ(live[0].session_end - live[0].session_start, 10 * kSec);
  live.clear();
  tracker.CollectOpen(live);
  EXPECT_TRUE(live.empty()) << "unchanged sessions are not written again";
  // The session closes once time passes its last event + the gap (not at it).
  tracker.AdvanceTo(20 * kSec + kGap, out);
  EXPECT_TRUE(o.sessions.empty());
  tracker.AdvanceTo(20 * kSec + kGap + 1, out);
  ASSERT_EQ(o.sessions.size(), 1u);
  EXPECT_TRUE(o.sessions[0].is_closed);
}

}  // namespace
}  // namespace gm::stream
