// SessionTracker against the independent brute force of shop_brute_force.h (DESIGN.md §6
// Sessions, Carts): it keeps every session in a list and, before each event, scans for the
// earliest due timer — no heap, no lazy re-queuing, no user map.
#include "stream/processors/sessions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <tuple>
#include <variant>

#include "session_tracker_check.h"
#include "shop_brute_force.h"

namespace gm::stream {
namespace {

constexpr Micros kSec = kMicrosPerSecond;
constexpr Micros kGap = testing::kSessionGap;
constexpr Micros kTimeout = testing::kCartTimeout;

using Outputs = testing::SessionOutputs;
using Timed = testing::TimedEvent;
using testing::ExpectSameAsBruteForce;
using testing::Feed;

// --- Inputs ------------------------------------------------------------------------------

// Events of a few users and sessions, in OrderKey order, with pauses around the gap and
// the cart timeout (and exactly at them), equal timestamps, session-less transactions.
std::vector<Timed> RandomEvents(uint32_t seed, int n) {
  std::mt19937 rng(seed);
  auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<uint32_t>(k)); };
  const Micros pauses[] = {0,        1 * kSec, 10 * kSec, kTimeout - 1, kTimeout, kTimeout + 1,
                           kGap - 1, kGap,     3 * kGap};
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
      c.action = a < 2    ? events::CartAction::kAdd
                 : a == 2 ? events::CartAction::kUpdate
                          : events::CartAction::kRemove;
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

// Incremental checkpoints: a full snapshot early, then only the changes at several later
// points (sessions opened, changed, closed and reopened in between); restoring the full one
// and applying the changes in order must continue exactly like the original.
TEST(SessionTrackerTest, RestoringIncrementalSnapshotsMidStreamChangesNothing) {
  CatalogLookup catalog;
  for (uint32_t seed = 200; seed < 240; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const std::vector<Timed> events = RandomEvents(seed, 300);
    Outputs o;
    auto first = std::make_unique<SessionTracker>(
        SessionTracker::Options{.gap = kGap, .cart_timeout = kTimeout}, catalog, 3);
    SessionTracker::Output out = o.Out();
    std::string base;
    std::vector<std::string> changes;
    const size_t cut = 150 + seed % 150;
    for (size_t i = 0; i < cut; ++i) {
      Feed(*first, events[i], o);
      if (i % 17 != 5) continue;
      first->AdvanceTo(events[i].key.effective_time + 1, out);
      std::string bytes;
      SnapshotWriter w(bytes);
      if (base.empty()) {
        first->Save(w);
        base = std::move(bytes);
      } else {
        first->SaveChanges(w);
        changes.push_back(std::move(bytes));
      }
      first->ClearChanges();
    }
    first->AdvanceTo(events[cut - 1].key.effective_time + 1, out);
    {
      std::string bytes;
      SnapshotWriter w(bytes);
      first->SaveChanges(w);
      changes.push_back(std::move(bytes));
    }
    ASSERT_FALSE(base.empty());
    SessionTracker second({.gap = kGap, .cart_timeout = kTimeout}, catalog, 3);
    SnapshotReader r(base);
    ASSERT_TRUE(second.Restore(r).ok());
    for (const std::string& c : changes) {
      SnapshotReader cr(c);
      ASSERT_TRUE(second.ApplyChanges(cr).ok());
      EXPECT_TRUE(cr.at_end());
    }
    EXPECT_EQ(second.open_sessions(), first->open_sessions());
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

// Live rows with a minimum age: a session changed after the round at now − min_age waits,
// so rows spread over the calls; each changed session is written once.
TEST(SessionTrackerTest, LiveRowsWaitForTheirAge) {
  CatalogLookup catalog;
  SessionTracker tracker({.gap = kGap, .cart_timeout = kTimeout}, catalog, 0);
  Outputs o;
  SessionTracker::Output out = o.Out();
  auto view = [&](const char* session, Micros t) {
    events::ProductView v;
    v.user_id = std::string("u-") + session;
    v.session_id = session;
    v.product_id = "p";
    tracker.OnView(v, {.effective_time = t, .topic = 1, .offset = t}, out);
  };
  constexpr Micros kAge = 5 * kSec;
  std::vector<SessionRow> live;
  view("a", 1 * kSec);
  tracker.CollectOpen(live, /*now=*/100 * kSec, kAge);  // round at 100 s: a is in it
  EXPECT_TRUE(live.empty()) << "a changed less than 5 s ago";
  view("b", 2 * kSec);
  view("a", 3 * kSec);  // still waiting: written once, with both views
  tracker.CollectOpen(live, 103 * kSec, kAge);
  EXPECT_TRUE(live.empty());
  tracker.CollectOpen(live, 105 * kSec, kAge);  // the round at 100 s is 5 s old
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].session_id, "a");
  EXPECT_EQ(live[0].page_views, 2);
  live.clear();
  tracker.CollectOpen(live, 107 * kSec, kAge);
  EXPECT_TRUE(live.empty()) << "b became dirty after the round at 100 s: due at 108 s";
  tracker.CollectOpen(live, 108 * kSec, kAge);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].session_id, "b");
  live.clear();
  tracker.CollectOpen(live, 200 * kSec, kAge);
  EXPECT_TRUE(live.empty()) << "nothing changed since";
  view("b", 4 * kSec);
  tracker.CollectOpen(live, 200 * kSec, /*min_age=*/0);
  ASSERT_EQ(live.size(), 1u) << "min_age 0 writes every changed session";
  EXPECT_EQ(live[0].page_views, 2);
}

}  // namespace
}  // namespace gm::stream
