// SessionTracker on hand-built streams, one per edge case of DESIGN.md §6 Sessions and Carts
// (gap 2 min, cart timeout 1 min). Each stream is compared with the brute force like the random
// streams of sessions_test.cpp, and its rows are written out by hand, so each test states its
// rule. Late events never reach the tracker (the worker leaves late views and cart events out,
// the task does not pass late transactions on), so that case is in pipeline_test's hand-built
// stream.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "session_tracker_check.h"
#include "shop_brute_force.h"
#include "stream/processors/sessions.h"

// The expected rows name only the fields that differ from a default-constructed row.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace gm::stream {
namespace {

constexpr Micros kSec = kMicrosPerSecond;
constexpr Micros kGap = testing::kSessionGap;       // 120 s
constexpr Micros kTimeout = testing::kCartTimeout;  // 60 s
constexpr int32_t kTask = testing::kSessionTask;
constexpr Micros kT0 = 1'700'000'000 * kSec;

using events::CartAction;
using Timed = testing::TimedEvent;

//! `seconds` after the start of every stream.
constexpr Micros At(int64_t seconds) { return kT0 + seconds * kSec; }

// A stream in the order the task applies events: each event gets the next offset.
class Stream {
 public:
  Stream& View(Micros t, const std::string& user, const std::string& session,
               const std::string& product) {
    events::ProductView v;
    v.event_id = "v" + std::to_string(events_.size());
    v.user_id = user;
    v.session_id = session;
    v.product_id = product;
    return Add(t, events::Topic::kProductViews, v);
  }
  Stream& Cart(Micros t, const std::string& user, const std::string& session,
               const std::string& product, CartAction action, int32_t quantity,
               std::optional<Cents> price = std::nullopt) {
    events::CartEvent c;
    c.event_id = "c" + std::to_string(events_.size());
    c.user_id = user;
    c.session_id = session;
    c.product_id = product;
    c.action = action;
    c.quantity = quantity;
    c.price = price;
    return Add(t, events::Topic::kCartEvents, c);
  }
  //! A purchase of one line; `session` empty: a transaction without session_id.
  Stream& Buy(Micros t, const std::string& user, const std::string& session,
              const std::string& product, int32_t quantity, Cents price,
              const std::string& country = "US", const std::string& device = "") {
    events::Transaction tx;
    tx.transaction_id = "t" + std::to_string(events_.size());
    tx.user_id = user;
    tx.session_id = session;
    tx.products.push_back({product, "", quantity, price});
    tx.country = country;
    tx.device = device;
    return Add(t, events::Topic::kTransactions, tx);
  }
  const std::vector<Timed>& events() const { return events_; }

 private:
  template <typename E>
  Stream& Add(Micros t, events::Topic topic, E event) {
    Timed& e = events_.emplace_back();
    e.key = {.effective_time = t,
             .topic = static_cast<uint8_t>(topic),
             .partition = 0,
             .offset = static_cast<int64_t>(events_.size())};
    e.event = std::move(event);
    return *this;
  }

  std::vector<Timed> events_;
};

// The tracker's outputs for `stream` run to the end of time, after checking them against the
// brute force.
testing::SessionOutputs RunToTheEnd(const Stream& stream) {
  CatalogLookup catalog;
  SessionTracker tracker({.gap = kGap, .cart_timeout = kTimeout}, catalog, kTask);
  testing::SessionOutputs o;
  for (const Timed& e : stream.events()) testing::Feed(tracker, e, o);
  SessionTracker::Output out = o.Out();
  tracker.AdvanceTo(INT64_MAX, out);
  EXPECT_EQ(tracker.open_sessions(), 0u);
  testing::ExpectSameAsBruteForce(stream.events(), o, catalog);
  return o;
}

// The closed sessions by start.
std::vector<SessionRow> Sessions(const testing::SessionOutputs& o) {
  std::vector<SessionRow> rows = o.sessions;
  std::sort(rows.begin(), rows.end(), [](const SessionRow& a, const SessionRow& b) {
    return std::tie(a.session_start, a.session_id) < std::tie(b.session_start, b.session_id);
  });
  return rows;
}

// The last row written of each abandonment (the stored one), by abandonment time.
std::vector<CartAbandonmentRow> Abandonments(const testing::SessionOutputs& o) {
  std::vector<CartAbandonmentRow> rows;
  for (const CartAbandonmentRow& r : o.abandonments) {
    auto same = std::find_if(rows.begin(), rows.end(), [&](const CartAbandonmentRow& k) {
      return k.session_id == r.session_id && k.session_start == r.session_start &&
             k.abandonment_time == r.abandonment_time;
    });
    if (same != rows.end()) {
      *same = r;
    } else {
      rows.push_back(r);
    }
  }
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.abandonment_time < b.abandonment_time; });
  return rows;
}

// Every reservation change as written: (effective time, product, reserved delta).
using Reservation = std::tuple<Micros, std::string, int64_t>;
std::vector<Reservation> Reservations(const testing::SessionOutputs& o) {
  std::vector<Reservation> out;
  for (const StockChange& c : o.stock) {
    EXPECT_EQ(c.sold, 0) << "the task, not the tracker, writes sales";
    out.emplace_back(c.key.effective_time, c.product_id, c.reserved);
  }
  return out;
}

// a. An event 1 µs before last + gap joins the session; one exactly at last + gap finds it
// closed (its close timer fires first) and starts a new session with the same id.
TEST(SessionEdgeCasesTest, AnEventExactlyAtLastPlusGapStartsANewSession) {
  const Micros second = kT0 + kGap - 1;
  const Micros third = second + kGap;
  Stream s;
  s.View(kT0, "u", "s", "p1").View(second, "u", "s", "p2").View(third, "u", "s", "p1");
  const testing::SessionOutputs o = RunToTheEnd(s);
  EXPECT_EQ(Sessions(o), (std::vector<SessionRow>{
                             {.session_id = "s",
                              .session_start = kT0,
                              .session_end = second,
                              .user_id = "u",
                              .task = kTask,
                              .page_views = 2,
                              .distinct_products_viewed = 2,
                              .is_closed = true},
                             {.session_id = "s",
                              .session_start = third,
                              .session_end = third,
                              .user_id = "u",
                              .task = kTask,
                              .page_views = 1,
                              .distinct_products_viewed = 1,
                              .is_closed = true},
                         }));
}

// b. A transaction without session_id joins the user's open session that got the latest event
// — here sA, which started before sB but was touched after it. sB's cart is not emptied: it
// is abandoned a minute after its add.
TEST(SessionEdgeCasesTest, SessionlessTransactionJoinsTheOpenSessionTouchedLast) {
  Stream s;
  s.View(At(0), "u", "sA", "p1")
      .Cart(At(1), "u", "sB", "p2", CartAction::kAdd, 1, 500)
      .View(At(2), "u", "sA", "p1")
      .Buy(At(3), "u", "", "p1", 1, 1000, "USA", "tablet");
  const testing::SessionOutputs o = RunToTheEnd(s);
  EXPECT_EQ(Sessions(o), (std::vector<SessionRow>{
                             {.session_id = "sA",
                              .session_start = At(0),
                              .session_end = At(3),
                              .user_id = "u",
                              .task = kTask,
                              .page_views = 2,
                              .purchases = 1,
                              .total_amount = 1000,
                              .distinct_products_viewed = 1,
                              .device = "tablet",
                              .country = "USA",
                              .converted = true,
                              .is_closed = true},
                             {.session_id = "sB",
                              .session_start = At(1),
                              .session_end = At(1),
                              .user_id = "u",
                              .task = kTask,
                              .cart_adds = 1,
                              .abandoned = true,
                              .is_closed = true},
                         }));
  EXPECT_EQ(Abandonments(o), (std::vector<CartAbandonmentRow>{
                                 {.session_id = "sB",
                                  .session_start = At(1),
                                  .abandonment_time = At(61),
                                  .user_id = "u",
                                  .task = kTask,
                                  .products_in_cart = 1,
                                  .items_in_cart = 1,
                                  .cart_value = 500,
                                  .time_in_cart = 0},
                             }));
  EXPECT_EQ(Reservations(o), (std::vector<Reservation>{{At(1), "p2", 1}, {At(61), "p2", -1}}));
}

// b'. A transaction without session_id of a user with no open session joins none and starts
// none: v never had one; w's closed exactly when the transaction came (at last + gap).
TEST(SessionEdgeCasesTest, SessionlessTransactionWithoutAnOpenSessionJoinsNone) {
  Stream s;
  s.Buy(At(0), "v", "", "p1", 1, 1000)
      .View(At(10), "w", "sW", "p1")
      .Buy(At(10) + kGap, "w", "", "p1", 1, 1000);
  const testing::SessionOutputs o = RunToTheEnd(s);
  EXPECT_EQ(Sessions(o), (std::vector<SessionRow>{
                             {.session_id = "sW",
                              .session_start = At(10),
                              .session_end = At(10),
                              .user_id = "w",
                              .task = kTask,
                              .page_views = 1,
                              .distinct_products_viewed = 1,
                              .is_closed = true},
                         }));
  EXPECT_TRUE(o.abandonments.empty());
  EXPECT_TRUE(o.stock.empty());
}

// d. A cart abandoned, then active again, then abandoned again: two rows. The activity comes
// exactly at the first abandonment time, so it follows the abandonment (timers fire before
// events at the same time) and reserves the whole content again before its own change. The
// cart was never empty, so time_in_cart of both counts from the first add.
TEST(SessionEdgeCasesTest, ACartIsAbandonedAgainAfterNewActivity) {
  Stream s;
  s.Cart(At(0), "u", "s", "p1", CartAction::kAdd, 2, 1000)
      .Cart(At(10), "u", "s", "p2", CartAction::kAdd, 1, 250)
      .Cart(At(70), "u", "s", "p1", CartAction::kUpdate, 1);  // the price stays 10.00
  const testing::SessionOutputs o = RunToTheEnd(s);
  EXPECT_EQ(Abandonments(o), (std::vector<CartAbandonmentRow>{
                                 {.session_id = "s",
                                  .session_start = At(0),
                                  .abandonment_time = At(70),
                                  .user_id = "u",
                                  .task = kTask,
                                  .products_in_cart = 2,
                                  .items_in_cart = 3,
                                  .cart_value = 2 * 1000 + 250,
                                  .time_in_cart = 10 * kSec},
                                 {.session_id = "s",
                                  .session_start = At(0),
                                  .abandonment_time = At(130),
                                  .user_id = "u",
                                  .task = kTask,
                                  .products_in_cart = 2,
                                  .items_in_cart = 2,
                                  .cart_value = 1000 + 250,
                                  .time_in_cart = 70 * kSec},
                             }));
  EXPECT_EQ(Sessions(o), (std::vector<SessionRow>{
                             {.session_id = "s",
                              .session_start = At(0),
                              .session_end = At(70),
                              .user_id = "u",
                              .task = kTask,
                              .cart_adds = 2,
                              .abandoned = true,
                              .is_closed = true},
                         }));
  EXPECT_EQ(Reservations(o), (std::vector<Reservation>{
                                 {At(0), "p1", 2},
                                 {At(10), "p2", 1},
                                 {At(70), "p1", -2},  // abandonment 1
                                 {At(70), "p2", -1},
                                 {At(70), "p1", 2},  // the update: everything again,
                                 {At(70), "p2", 1},
                                 {At(70), "p1", -1},   // then 2 → 1
                                 {At(130), "p1", -1},  // abandonment 2
                                 {At(130), "p2", -1},
                             }));
}

// e. A purchase in the session recovers its latest abandonment only (the earlier one stays
// unrecovered, and a second purchase recovers nothing more); the session is not abandoned.
TEST(SessionEdgeCasesTest, APurchaseRecoversTheLatestAbandonmentOfItsSession) {
  Stream s;
  s.Cart(At(0), "u", "s", "p1", CartAction::kAdd, 1, 1000)
      .Cart(At(80), "u", "s", "p2", CartAction::kAdd, 2, 300)
      .Buy(At(150), "u", "s", "p1", 1, 1000)
      .Buy(At(160), "u", "s", "p2", 2, 300);
  const testing::SessionOutputs o = RunToTheEnd(s);
  EXPECT_EQ(Abandonments(o), (std::vector<CartAbandonmentRow>{
                                 {.session_id = "s",
                                  .session_start = At(0),
                                  .abandonment_time = At(60),
                                  .user_id = "u",
                                  .task = kTask,
                                  .products_in_cart = 1,
                                  .items_in_cart = 1,
                                  .cart_value = 1000,
                                  .time_in_cart = 0},
                                 {.session_id = "s",
                                  .session_start = At(0),
                                  .abandonment_time = At(140),
                                  .user_id = "u",
                                  .task = kTask,
                                  .products_in_cart = 2,
                                  .items_in_cart = 3,
                                  .cart_value = 1000 + 2 * 300,
                                  .time_in_cart = 80 * kSec,
                                  .recovered = true,
                                  .recovered_at = At(150)},
                             }));
  EXPECT_EQ(o.abandonments.size(), 3u) << "each abandonment, then the recovery of the second";
  EXPECT_EQ(Sessions(o), (std::vector<SessionRow>{
                             {.session_id = "s",
                              .session_start = At(0),
                              .session_end = At(160),
                              .user_id = "u",
                              .task = kTask,
                              .cart_adds = 2,
                              .purchases = 2,
                              .total_amount = 1600,
                              .country = "US",
                              .converted = true,
                              .abandoned = false,
                              .is_closed = true},
                         }));
}

// f. Reservations: +q on add; −q at the abandonment time; the whole content again on new
// activity; −q on a remove; and what a purchase empties is released at the purchase (the
// units it sells are the task's change, merged with the release: pipeline_test).
TEST(SessionEdgeCasesTest, ReservationsAreReleasedOnAbandonmentAndOnPurchase) {
  Stream s;
  s.Cart(At(0), "u", "s", "p1", CartAction::kAdd, 3, 1000)
      .Cart(At(70), "u", "s", "p2", CartAction::kAdd, 2, 500)
      .Cart(At(80), "u", "s", "p1", CartAction::kRemove, 0)
      .Buy(At(90), "u", "s", "p2", 2, 500);
  const testing::SessionOutputs o = RunToTheEnd(s);
  EXPECT_EQ(Reservations(o), (std::vector<Reservation>{
                                 {At(0), "p1", 3},
                                 {At(60), "p1", -3},  // abandoned
                                 {At(70), "p1", 3},   // active again: p1 back, then p2
                                 {At(70), "p2", 2},
                                 {At(80), "p1", -3},  // removed
                                 {At(90), "p2", -2},  // bought
                             }));
  EXPECT_EQ(Abandonments(o), (std::vector<CartAbandonmentRow>{
                                 {.session_id = "s",
                                  .session_start = At(0),
                                  .abandonment_time = At(60),
                                  .user_id = "u",
                                  .task = kTask,
                                  .products_in_cart = 1,
                                  .items_in_cart = 3,
                                  .cart_value = 3000,
                                  .time_in_cart = 0,
                                  .recovered = true,
                                  .recovered_at = At(90)},
                             }));
  EXPECT_EQ(Sessions(o), (std::vector<SessionRow>{
                             {.session_id = "s",
                              .session_start = At(0),
                              .session_end = At(90),
                              .user_id = "u",
                              .task = kTask,
                              .cart_adds = 2,
                              .cart_removes = 1,
                              .purchases = 1,
                              .total_amount = 1000,
                              .country = "US",
                              .converted = true,
                              .is_closed = true},
                         }));
}

}  // namespace
}  // namespace gm::stream
