#include "generator/internal/model.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "generator/internal/random.h"

namespace gm::generator::internal {
namespace {

// E[cart events | cart session] = E[adds] + E[updates] + E[min(removes, adds − 1)].
double CartEventsPerCart(const BehaviourModel& m) {
  double removes = 0;
  const std::vector<double> adds = BinomialPmf(m.adds_n, m.adds_p);
  const std::vector<double> rems = BinomialPmf(m.removes_n, m.removes_p);
  for (int a = 0; a <= m.adds_n; ++a) {
    for (int r = 0; r <= m.removes_n; ++r) {
      removes += adds[a] * rems[r] * std::min(r, a);  // adds = 1 + a, so at most a removes
    }
  }
  return 1 + m.adds_n * m.adds_p + m.updates_n * m.updates_p + removes;
}

double MeanViews(const BehaviourModel& m) {
  if (!m.views_geometric) return 1 + m.views_n * m.views_p;
  const std::vector<double> pmf = CappedGeometricPmf(m.views_q, m.views_cap);
  double mean = 0;
  for (size_t k = 0; k < pmf.size(); ++k) mean += static_cast<double>(k) * pmf[k];
  return 1 + mean;
}

void FillExpectations(BehaviourModel& m) {
  m.views = MeanViews(m);
  m.cart_events = m.p_cart * CartEventsPerCart(m);
  m.buy_nows = m.buys_n * m.buys_p;
  m.checkouts = m.p_cart * m.p_checkout;
  m.events = m.views + m.cart_events + m.buy_nows + m.checkouts;
}

// Seed: 100 transactions + 300 views + 100 cart events per second at rate 500, i.e. the
// shares 1/5, 3/5, 1/5 of any rate. Cart shape and checkout probability are fixed; the
// session arrival rate, views and buy-nows per session follow from the shares.
BehaviourModel SeedModel(double f) {
  BehaviourModel m;
  m.p_cart = 0.6;
  m.adds_n = 2, m.adds_p = 0.2;
  m.updates_n = 1, m.updates_p = 0.2;
  m.removes_n = 1, m.removes_p = 0.25;
  m.p_checkout = 0.375;  // 62.5 % of carts abandoned
  m.p_view_after_abandon = 0.3;
  m.views_n = 6;
  m.buys_n = 3;
  // Per unit of rate: tx 0.2 (a fraction f of them in bursts), views 0.6 (of which one per
  // burst and one per high-value injection), cart events 0.2 — all cart events in sessions.
  const double sessions = 0.2 / (m.p_cart * CartEventsPerCart(m));
  const double session_tx = 0.2 * (1 - f);
  const double session_views = 0.6 - 0.2 * f * (1 / kMeanBurstPurchases + 1);
  m.buys_p = std::clamp((session_tx / sessions - m.p_cart * m.p_checkout) / m.buys_n, 0.0, 1.0);
  m.views_p = std::clamp((session_views / sessions - 1) / m.views_n, 0.0, 1.0);
  return m;
}

// Realistic: published funnels — about 6 product views per session, 8 % of sessions fill a
// cart, 30 % of carts are checked out (70 % abandoned), and buy-nows bring session
// conversion to 3 %.
BehaviourModel RealisticModel() {
  BehaviourModel m;
  m.views_geometric = true;
  m.views_q = 5.0 / 6.0;  // mean 5 extra views
  m.views_cap = 80;
  m.p_cart = 0.08;
  m.adds_n = 3, m.adds_p = 0.2;
  m.updates_n = 2, m.updates_p = 0.15;
  m.removes_n = 2, m.removes_p = 0.15;
  m.p_checkout = 0.30;
  m.p_view_after_abandon = 0.5;
  // conversion = 1 − (1 − p_buy)(1 − p_cart·p_checkout) = 3 %.
  const double conversion = 0.03;
  m.buys_n = 1;
  m.buys_p = 1 - (1 - conversion) / (1 - m.p_cart * m.p_checkout);
  return m;
}

}  // namespace

BehaviourModel MakeModel(GeneratorProfile profile, double anomaly_rate) {
  const double f = anomaly_rate / 5;  // each of the five types gets an equal share
  BehaviourModel m = profile == GeneratorProfile::kSeed ? SeedModel(f) : RealisticModel();
  FillExpectations(m);
  m.per_type = f;

  // Transactions T per second: session ones (1 − f)·T, burst ones f·T. Per session
  // transaction, geo and mismatch fire with q = f / (1 − f); high value and quantity go to
  // buy-nows only, which are a share s of the session transactions.
  const double session_tx = m.buy_nows + m.checkouts;
  const double q = f < 1 ? f / (1 - f) : 0;
  m.p_geo = m.p_mismatch = q;
  const double s = session_tx > 0 ? m.buy_nows / session_tx : 0;
  const double per_buy = s > 0 ? q / s : 0;
  const double room = std::max(0.0, (1 - 2 * q) / 2);  // keep the per-buy-now total ≤ 1
  m.p_high_value = m.p_quantity = std::min(per_buy, room);

  // rate = sessions·events + bursts·(1 + 8) + one view per high-value injection; with
  // T = sessions·session_tx / (1 − f), bursts = f·T / 8.
  const double tx_per_session = session_tx / (1 - f);
  const double hv_views_per_session = m.p_high_value * m.buy_nows;
  const double burst_per_session = f * tx_per_session / kMeanBurstPurchases;
  const double events_per_session =
      m.events + burst_per_session * (1 + kMeanBurstPurchases) + hv_views_per_session;
  m.sessions_per_event = 1 / events_per_session;
  m.bursts_per_event = burst_per_session * m.sessions_per_event;
  // Occasional stocktakes: about one per 1000 transactions.
  m.stocktakes_per_event = tx_per_session * m.sessions_per_event / 1000;
  return m;
}

}  // namespace gm::generator::internal
