#pragma once

// SessionTracker driven as the task drives it and compared with the brute force of
// shop_brute_force.h: shared by the random streams of sessions_test.cpp and the hand-built
// edge cases of sessions_edge_cases_test.cpp.

#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "common/time.h"
#include "shop_brute_force.h"
#include "stream/catalog_lookup.h"
#include "stream/processors/sessions.h"

namespace gm::stream {

// Printers for failure messages (found by ADL, so in the rows' namespace).
inline void PrintTo(const SessionRow& r, std::ostream* os) {
  *os << "{" << r.session_id << " of " << r.user_id << " task " << r.task << ", " << r.session_start
      << " - " << r.session_end << ", views " << r.page_views << ", adds " << r.cart_adds
      << ", removes " << r.cart_removes << ", purchases " << r.purchases << ", total "
      << r.total_amount << ", distinct " << r.distinct_products_viewed << ", " << r.device << "/"
      << r.country << ", converted " << r.converted << ", abandoned " << r.abandoned << ", closed "
      << r.is_closed << "}";
}
inline void PrintTo(const CartAbandonmentRow& r, std::ostream* os) {
  *os << "{" << r.session_id << " of " << r.user_id << " task " << r.task << ", start "
      << r.session_start << ", abandoned " << r.abandonment_time << ", products "
      << r.products_in_cart << ", items " << r.items_in_cart << ", value " << r.cart_value
      << ", in cart " << r.time_in_cart << " us, recovered " << r.recovered << " at "
      << r.recovered_at << "}";
}

namespace testing {

//! The options every test's tracker and brute force use.
inline constexpr Micros kSessionGap = 120 * kMicrosPerSecond;
inline constexpr Micros kCartTimeout = 60 * kMicrosPerSecond;
inline constexpr int32_t kSessionTask = 3;

//! What a SessionTracker wrote.
struct SessionOutputs {
  std::vector<SessionRow> sessions;
  std::vector<CartAbandonmentRow> abandonments;
  std::vector<StockChange> stock;
  SessionTracker::Output Out() { return {sessions, abandonments, stock}; }
};

inline void Feed(SessionTracker& tracker, const TimedEvent& e, SessionOutputs& o) {
  SessionTracker::Output out = o.Out();
  if (auto* v = std::get_if<events::ProductView>(&e.event)) tracker.OnView(*v, e.key, out);
  if (auto* c = std::get_if<events::CartEvent>(&e.event)) tracker.OnCart(*c, e.key, out);
  if (auto* t = std::get_if<events::Transaction>(&e.event)) tracker.OnTransaction(*t, e.key, out);
}

//! `o`, written by a tracker (kSessionGap, kCartTimeout, task kSessionTask) fed `events` and
//! advanced to the end of time, equals what the brute force computes from them; and every
//! reservation was released by the end.
inline void ExpectSameAsBruteForce(const std::vector<TimedEvent>& events, const SessionOutputs& o,
                                   const CatalogLookup& catalog) {
  BfCatalog bf_catalog;
  bf_catalog.price_of = [&](const std::string& p) { return catalog.PriceOf(p); };
  SessionBruteForce bf(bf_catalog, kSessionGap, kCartTimeout, kSessionTask);
  for (const TimedEvent& e : events) bf.Apply(e);
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
  std::map<std::pair<OrderKey, std::string>, int64_t> reserved;
  for (const StockChange& c : o.stock) reserved[{c.key, c.product_id}] += c.reserved;
  std::erase_if(reserved, [](const auto& kv) { return kv.second == 0; });
  EXPECT_EQ(reserved, bf.reserved);
  // Everything reserved was released by the end (carts were abandoned or bought).
  std::map<std::string, int64_t> net;
  for (const StockChange& c : o.stock) net[c.product_id] += c.reserved;
  for (const auto& [product, q] : net) EXPECT_EQ(q, 0) << product;
}

}  // namespace testing
}  // namespace gm::stream
