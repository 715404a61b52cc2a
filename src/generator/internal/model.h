#pragma once

// The behaviour model of one profile: the distributions a session's plan is drawn from, the
// expected counts they imply, and the arrival rates that turn a requested event rate into
// session and burst arrivals. Everything here is derived analytically from the profile's
// targets (docs/generator.md); the tests measure that the output matches.

#include "common/config.h"

namespace gm::generator::internal {

struct BehaviourModel {
  // --- A session's plan -------------------------------------------------------------
  //! Views: 1 + Binomial(views_n, views_p), or 1 + Geometric(views_q) capped at views_cap.
  bool views_geometric = false;
  int views_n = 0;
  double views_p = 0;
  double views_q = 0;
  int views_cap = 0;
  //! Buy-now purchases (before any cart activity): Binomial(buys_n, buys_p).
  int buys_n = 0;
  double buys_p = 0;
  //! Probability that the session fills a cart.
  double p_cart = 0;
  //! In a cart session: adds 1 + Binomial, updates Binomial, removes min(Binomial, adds − 1).
  int adds_n = 0;
  double adds_p = 0;
  int updates_n = 0;
  double updates_p = 0;
  int removes_n = 0;
  double removes_p = 0;
  //! Probability that a filled cart is checked out (else it is abandoned).
  double p_checkout = 0;
  //! Probability that an abandoning session views one more product after its last cart event.
  double p_view_after_abandon = 0;

  // --- Expected counts per session (analytic) ------------------------------------------
  double views = 0;
  double cart_events = 0;
  double buy_nows = 0;
  double checkouts = 0;
  double events = 0;

  // --- Anomalies ----------------------------------------------------------------------
  //! Fraction of all transactions injected per anomaly type (anomaly_rate / 5).
  double per_type = 0;
  //! Per session transaction (buy-now or checkout): probability of a geo / amount anomaly.
  double p_geo = 0;
  double p_mismatch = 0;
  //! Per buy-now: probability of a high-value / unusual-quantity anomaly (buy-nows only,
  //! since they need a product of the right price or quantity; clamped so the per-buy-now
  //! total stays ≤ 1 — at very high anomaly rates with few buy-nows these fall short).
  double p_high_value = 0;
  double p_quantity = 0;

  // --- Arrivals per unit of requested event rate ----------------------------------------
  double sessions_per_event = 0;    //!< session arrivals per second = this × rate
  double bursts_per_event = 0;      //!< velocity bursts per second = this × rate
  double stocktakes_per_event = 0;  //!< stocktakes per second = this × rate (on top)
};

//! Mean size of a velocity burst (6–10 buy-nows, uniform) and its events (+ one view).
inline constexpr double kMeanBurstPurchases = 8;

BehaviourModel MakeModel(GeneratorProfile profile, double anomaly_rate);

}  // namespace gm::generator::internal
