// A session's plan and the events it produces (part of Simulator::Impl).
#include <algorithm>

#include "generator/internal/simulator_impl.h"
#include "generator/internal/world_data.h"

namespace gm::generator {

using internal::Action;
using internal::Session;

namespace {

constexpr std::string_view kDevices[] = {"mobile", "desktop", "tablet"};
constexpr Micros kSecond = kMicrosPerSecond;

bool InCart(const Session& s, int32_t product) {
  for (int i = 0; i < s.lines; ++i) {
    if (s.cart[i].product == product) return true;
  }
  return false;
}

int32_t NormalQuantity(internal::Rng& rng, bool cart) {
  const double u = rng.Uniform();
  if (cart) return u < 0.75 ? 1 : u < 0.93 ? 2 : u < 0.98 ? 3 : 4;
  return u < 0.82 ? 1 : u < 0.96 ? 2 : 3;
}

}  // namespace

// Pauses between a session's events: 4 s plus an exponential tail, at most 90 s (below the
// 2-minute session gap), in whole milliseconds.
Micros Simulator::Impl::Gap() {
  const double ms = std::min(90'000.0, 4'000.0 + rng_.Exponential(18'000.0));
  return static_cast<Micros>(ms) * internal::kMs;
}

void Simulator::Impl::PlanSession(Session& s, Micros t) {
  const internal::BehaviourModel& m = model_;
  const int views = 1 + decks_.views.Draw(rng_);
  s.buys = static_cast<int16_t>(decks_.buys.Draw(rng_));
  int views1 = views;
  if (decks_.cart.Draw(rng_) == 1) {
    s.adds = static_cast<int16_t>(1 + decks_.adds.Draw(rng_));
    s.updates = static_cast<int16_t>(decks_.updates.Draw(rng_));
    s.removes = static_cast<int16_t>(std::min(decks_.removes.Draw(rng_), s.adds - 1));
    s.will_checkout = decks_.checkout.Draw(rng_) == 1;
    views1 = 1 + rng_.Binomial(views - 1, 0.5);
    int views2 = views - views1;
    if (!s.will_checkout && views2 > 0 && rng_.Bernoulli(m.p_view_after_abandon)) {
      --views2;
      s.views3 = 1;
    }
    s.views2 = static_cast<int16_t>(views2);
  }
  // The first event is always a view.
  s.views1 = static_cast<int16_t>(views1 - 1);
  s.next = Action::kView;
  s.next_time = t;
}

// Takes up to n views out of the session's remaining plan; what it cannot take is added to
// the view debt that the next sessions pay back.
void Simulator::Impl::PayViews(Session& s, int n) {
  for (int16_t* views : {&s.views1, &s.views2, &s.views3}) {
    const int16_t take = static_cast<int16_t>(std::min<int>(n, *views));
    *views = static_cast<int16_t>(*views - take);
    n -= take;
  }
  view_debt_ += n;
}

void Simulator::Impl::ChooseNext(Session& s, Micros t) {
  if (s.forced != Action::kEnd) {
    s.next = s.forced;
    s.forced = Action::kEnd;
    s.next_time = s.forced_at >= t ? s.forced_at : t + rng_.Between(3, 15) * kSecond;
    s.forced_at = 0;
    return;
  }
  if (s.burst) {
    if (s.buys == 0) {
      s.next = Action::kEnd;
      return;
    }
    --s.buys;
    s.next = Action::kBuyNow;
    s.has_pending = true;
    s.pending_rule = Rule::kVelocity;
    s.pending_product = s.last_viewed;
    s.next_time = t + rng_.Between(1'000, s.burst_gap_ms) * internal::kMs;
    return;
  }
  s.next_time = t + Gap();

  // Phase 1: views and buy-nows in random order; a buy-now needs a viewed product.
  if (s.views1 + s.buys > 0) {
    const bool buy = s.buys > 0 && s.viewed_count > 0 &&
                     (s.views1 == 0 || rng_.Below(static_cast<uint64_t>(s.views1 + s.buys)) <
                                           static_cast<uint64_t>(s.buys));
    if (!buy) {
      if (s.views1 > 0) {
        --s.views1;
      } else {
        ++view_debt_;  // a surfaced session must show a product before buying it
      }
      s.next = Action::kView;
      return;
    }
    --s.buys;
    s.next = Action::kBuyNow;
    // Decide the purchase's anomaly now: a high-value one first shows the dear product.
    double u = rng_.Uniform();
    const double p[4] = {model_.p_geo, model_.p_mismatch, model_.p_high_value, model_.p_quantity};
    const Rule rules[4] = {Rule::kGeoMismatch, Rule::kAmountMismatch, Rule::kHighValue,
                           Rule::kUnusualQuantity};
    for (int i = 0; i < 4; ++i) {
      if (u < p[i]) {
        s.has_pending = true;
        s.pending_rule = rules[i];
        break;
      }
      u -= p[i];
    }
    if (s.has_pending && s.pending_rule == Rule::kHighValue) {
      s.pending_product = expensive_[rng_.Below(expensive_.size())];
      s.view_product = s.pending_product;
      s.next = Action::kView;
      s.forced = Action::kBuyNow;
    }
    return;
  }

  // Phase 2: the cart, with views in between. While the cart holds something, a view may not
  // push the next cart activity 50 s past the last one, so the 1-minute abandonment timeout
  // never fires inside an episode; removes need two lines, updates one.
  for (;;) {
    const int cart_left = s.adds + s.updates + s.removes;
    if (cart_left == 0) break;
    const bool view_fits = s.lines == 0 || s.next_time <= s.last_cart_activity + 50 * kSecond;
    const int w_view = view_fits ? s.views2 : 0;
    const int w_update = s.lines >= 1 ? s.updates : 0;
    const int w_remove = s.lines >= 2 ? s.removes : 0;
    const int total = w_view + s.adds + w_update + w_remove;
    if (total == 0) {  // only updates/removes of a too small cart left (after a surface)
      if (s.updates > 0) {
        --s.updates;
      } else {
        --s.removes;
      }
      ++s.adds;
      continue;
    }
    int x = static_cast<int>(rng_.Below(static_cast<uint64_t>(total)));
    if ((x -= w_view) < 0) {
      --s.views2;
      s.next = Action::kView;
      return;
    }
    if ((x -= s.adds) < 0) {
      --s.adds;
      s.next = Action::kAdd;
    } else if ((x -= w_update) < 0) {
      --s.updates;
      s.next = Action::kUpdate;
    } else {
      --s.removes;
      s.next = Action::kRemove;
    }
    if (s.lines > 0) {
      s.next_time =
          std::max(t + kSecond, std::min(s.next_time, s.last_cart_activity + 55 * kSecond));
    }
    return;
  }

  // Checkout within 5–50 s of the last cart activity (the abandonment timeout is 60 s); the
  // views the plan still holds come afterwards.
  if (!s.checkout_done) {
    s.checkout_done = true;
    s.views3 = static_cast<int16_t>(s.views3 + s.views2);
    s.views2 = 0;
    const Micros at = s.last_cart_activity + rng_.Between(5'000, 50'000) * internal::kMs;
    if (s.will_checkout && s.lines > 0 && at > t) {
      s.next = Action::kCheckout;
      s.next_time = at;
      const double u = rng_.Uniform();
      if (u < model_.p_geo + model_.p_mismatch) {
        s.has_pending = true;
        s.pending_rule = u < model_.p_geo ? Rule::kGeoMismatch : Rule::kAmountMismatch;
      }
      return;
    }
  }
  // Phase 3: a last look around after checking out or abandoning, then leave.
  if (s.views3 > 0) {
    --s.views3;
    s.next = Action::kView;
    return;
  }
  s.next = Action::kEnd;
}

// A session that began before the visible stream surfaces with what an observer has seen:
// no views and an empty cart. To keep every topic's rate steady from the first second, its
// remaining plan is kept and only made valid: a pending buy-now or checkout becomes a view
// of the product just before a buy-now at the same time (WarmUp pays for that view), and
// a pending update or remove of the now empty cart becomes an add.
bool Simulator::Impl::Surface(Session& s) {
  int32_t target = -1;
  if (s.next == Action::kBuyNow) {
    target = s.pending_product >= 0 ? s.pending_product : ChooseViewedForPurchase(s);
  } else if (s.next == Action::kCheckout && s.lines > 0) {
    target = s.cart[rng_.Below(s.lines)].product;
  }
  s.viewed_count = s.viewed_next = 0;
  s.last_viewed = -1;
  s.lines = 0;
  if (target >= 0) {
    // The buy keeps its time; the view comes just before it, as views of a product do.
    const Micros buy_at = s.next_time;
    s.pending_product = target;
    s.view_product = target;
    s.next = Action::kView;
    const Micros earliest = std::max(now_, buy_at - 3 * kSecond);
    s.next_time = earliest + rng_.Between(0, (buy_at - earliest) / internal::kMs) * internal::kMs;
    s.forced = Action::kBuyNow;
    s.forced_at = buy_at;
    return true;
  }
  if (s.next == Action::kUpdate || s.next == Action::kRemove || s.next == Action::kCheckout) {
    s.next = Action::kAdd;
  }
  return false;
}

int32_t Simulator::Impl::ChooseProduct(const Session& s) {
  const int category = rng_.Bernoulli(0.6)
                           ? s.preferred[rng_.Below(3)]
                           : static_cast<int>(category_by_hour_[s.local_hour].Sample(rng_));
  return ChooseInCategory(category);
}

int32_t Simulator::Impl::ChooseInCategory(int category) {
  // Galloping search from the most popular rank: Zipf puts most draws in the first few
  // entries, which stay in cache.
  const Ranked* r = ranked_.data() + ranked_begin_[category];
  const size_t n = ranked_begin_[category + 1] - ranked_begin_[category];
  const float x = static_cast<float>(rng_.Uniform()) * r[n - 1].cumulative;
  size_t lo = 0, hi = 1;
  while (hi < n && r[hi - 1].cumulative <= x) {
    lo = hi;
    hi = std::min(hi * 2, n);
  }
  while (lo + 1 < hi) {  // the first entry above x is in [lo, hi - 1]
    const size_t mid = (lo + hi - 1) / 2;
    if (x < r[mid].cumulative) {
      hi = mid + 1;
    } else {
      lo = mid + 1;
    }
  }
  return r[lo].product;
}

void Simulator::Impl::FillProduct(int32_t product, std::string& id, std::string& category) const {
  id.clear();
  Catalog::AppendProductId(product, id);
  category = category_names_[product % Catalog::kCategoryCount];
}

int32_t Simulator::Impl::ChooseViewedForPurchase(const Session& s) {
  if (rng_.Bernoulli(0.6)) return s.last_viewed;
  return s.viewed[rng_.Below(s.viewed_count)];
}

void Simulator::Impl::Remember(Session& s, int32_t product) {
  s.viewed[s.viewed_next] = product;
  s.viewed_next = static_cast<uint8_t>((s.viewed_next + 1) % internal::kViewedCapacity);
  if (s.viewed_count < internal::kViewedCapacity) ++s.viewed_count;
  s.last_viewed = product;
}

void Simulator::Impl::FillTransaction(Session& s, events::Transaction& t, Rule* injected,
                                      bool* has_injected) {
  const internal::CountryData& home = internal::CountryTable()[s.country];
  AppendId('T', transaction_counter_++, t.transaction_id);
  t.user_id.clear();
  Customers::AppendUserId(s.user, t.user_id);
  AppendId('S', s.number, t.session_id);
  t.timestamp = s.next_time;
  Cents total = 0;
  for (const events::LineItem& item : t.products) total += item.quantity * item.price;
  t.total_amount = total;
  t.payment_method = home.payment_methods[s.payment];
  t.country = home.name;
  t.city = home.cities[s.city].name;
  t.currency = home.currency;
  t.device = kDevices[s.device];
  *has_injected = s.has_pending;
  *injected = s.pending_rule;
  if (!s.has_pending) return;
  if (s.pending_rule == Rule::kGeoMismatch) {
    const int other =
        (s.country + 1 + static_cast<int>(rng_.Below(kCountryCount - 1))) % kCountryCount;
    const internal::CountryData& abroad = internal::CountryTable()[other];
    t.country = abroad.name;
    t.city = abroad.cities[rng_.Below(abroad.cities.size())].name;
    t.currency = abroad.currency;
  } else if (s.pending_rule == Rule::kAmountMismatch) {
    const Cents delta =
        2 + static_cast<Cents>(rng_.Below(static_cast<uint64_t>(std::max<Cents>(200, total / 10))));
    t.total_amount = (total > delta && rng_.Bernoulli(0.5)) ? total - delta : total + delta;
  }
  s.has_pending = false;
  s.pending_product = -1;
}

void Simulator::Impl::Perform(Session& s, events::Event* out) {
  const Micros t = s.next_time;
  switch (s.next) {
    case Action::kView: {
      int32_t product = s.view_product;
      s.view_product = -1;
      if (product < 0) product = ChooseProduct(s);
      Remember(s, product);
      if (out == nullptr) return;
      const internal::CountryData& home = internal::CountryTable()[s.country];
      out->topic = events::Topic::kProductViews;
      events::ProductView& v = out->view;
      AppendId('V', event_counter_++, v.event_id);
      v.user_id.clear();
      Customers::AppendUserId(s.user, v.user_id);
      AppendId('S', s.number, v.session_id);
      FillProduct(product, v.product_id, v.category);
      v.timestamp = t;
      v.duration_seconds = 0;  // set by Next() once the pause to the next event is known
      v.country = home.name;
      v.device = kDevices[s.device];
      return;
    }
    case Action::kBuyNow: {
      int32_t product = s.pending_product >= 0 ? s.pending_product : ChooseViewedForPurchase(s);
      int32_t quantity = NormalQuantity(rng_, /*cart=*/false);
      if (s.has_pending && s.pending_rule == Rule::kUnusualQuantity) {
        quantity = static_cast<int32_t>(rng_.Between(11, 20));
      } else if (s.has_pending && s.pending_rule == Rule::kHighValue) {
        const Cents price = price_[product];
        quantity = static_cast<int32_t>(500'000 / price + 1 + rng_.Below(2));
      } else if (s.has_pending && s.pending_rule == Rule::kVelocity) {
        quantity = 1;
      }
      if (out == nullptr) {
        s.has_pending = false;
        s.pending_product = -1;
        return;
      }
      out->topic = events::Topic::kTransactions;
      events::Transaction& tx = out->transaction;
      tx.products.resize(1);
      FillProduct(product, tx.products[0].product_id, tx.products[0].category);
      tx.products[0].quantity = quantity;
      tx.products[0].price = price_[product];
      FillTransaction(s, tx, &last_injected_, &last_has_injected_);
      return;
    }
    case Action::kAdd:
    case Action::kUpdate:
    case Action::kRemove: {
      s.last_cart_activity = t;
      int32_t product = -1, quantity = 0;
      events::CartAction action = events::CartAction::kAdd;
      if (s.next == Action::kAdd) {
        // Prefer what was just looked at, then anything viewed, then a listing pick.
        if (s.last_viewed >= 0 && !InCart(s, s.last_viewed) && rng_.Bernoulli(0.7)) {
          product = s.last_viewed;
        }
        for (int i = 0, start = static_cast<int>(rng_.Below(s.viewed_count + 1u));
             product < 0 && i < s.viewed_count; ++i) {
          const int32_t candidate = s.viewed[(start + i) % s.viewed_count];
          if (!InCart(s, candidate)) product = candidate;
        }
        for (int i = 0; product < 0 && i < 8; ++i) {
          const int32_t candidate = ChooseProduct(s);
          if (!InCart(s, candidate)) product = candidate;
        }
        quantity = NormalQuantity(rng_, /*cart=*/true);
        // Every pick already in the cart, or no room for a line: add more of a line.
        if (product < 0 || (s.lines == internal::kCartCapacity && !InCart(s, product))) {
          product = s.cart[rng_.Below(s.lines)].product;
        }
        int line = 0;
        while (line < s.lines && s.cart[line].product != product) ++line;
        if (line == s.lines) s.cart[s.lines++] = {product, 0};
        s.cart[line].quantity += quantity;
      } else {
        const int line = static_cast<int>(rng_.Below(s.lines));
        product = s.cart[line].product;
        if (s.next == Action::kUpdate) {
          action = events::CartAction::kUpdate;
          const int32_t old = s.cart[line].quantity;
          quantity = static_cast<int32_t>(rng_.Between(1, 4));
          if (quantity >= old) ++quantity;  // 1–5, never the current quantity
          s.cart[line].quantity = quantity;
        } else {
          action = events::CartAction::kRemove;
          quantity = s.cart[line].quantity;  // informational: a remove sets the line to 0
          s.cart[line] = s.cart[--s.lines];
        }
      }
      if (out == nullptr) return;
      out->topic = events::Topic::kCartEvents;
      events::CartEvent& c = out->cart;
      AppendId('C', event_counter_++, c.event_id);
      c.user_id.clear();
      Customers::AppendUserId(s.user, c.user_id);
      AppendId('S', s.number, c.session_id);
      FillProduct(product, c.product_id, c.category);
      c.timestamp = t;
      c.action = action;
      c.quantity = quantity;
      c.price = price_[product];
      return;
    }
    case Action::kCheckout: {
      if (out != nullptr) {
        out->topic = events::Topic::kTransactions;
        events::Transaction& tx = out->transaction;
        tx.products.resize(s.lines);
        for (int i = 0; i < s.lines; ++i) {
          FillProduct(s.cart[i].product, tx.products[i].product_id, tx.products[i].category);
          tx.products[i].quantity = s.cart[i].quantity;
          tx.products[i].price = price_[s.cart[i].product];
        }
        FillTransaction(s, tx, &last_injected_, &last_has_injected_);
      }
      s.lines = 0;  // any transaction empties the cart
      s.has_pending = false;
      return;
    }
    case Action::kEnd:
      return;
  }
}

}  // namespace gm::generator
