#pragma once

// Independent brute forces of sessions, carts and inventory (DESIGN.md §6), shared by the
// processor unit tests and the pipeline test. They use no stream/ code: every open session
// sits in a list that is scanned for the earliest due timer before each event; each
// product's changes are replayed on their own and alerts derived from the levels.

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "events/event.h"
#include "stream/event_order.h"
#include "stream/rows.h"

namespace gm::stream::testing {

//! An event applied to sessions and carts, at key.effective_time.
struct TimedEvent {
  OrderKey key;
  std::variant<events::ProductView, events::CartEvent, events::Transaction> event;
};

//! What the catalog knows; nullopt = unknown.
struct BfCatalog {
  std::function<std::optional<Cents>(const std::string&)> price_of = [](const std::string&) {
    return std::optional<Cents>();
  };
  std::function<std::optional<int64_t>(const std::string&)> initial_stock_of =
      [](const std::string&) { return std::optional<int64_t>(); };
  std::function<std::string(const std::string&)> category_of = [](const std::string&) {
    return std::string();
  };
};

class SessionBruteForce {
 public:
  SessionBruteForce(BfCatalog catalog, Micros gap, Micros timeout, int32_t task)
      : catalog_(std::move(catalog)), gap_(gap), timeout_(timeout), task_(task) {}

  //! Closed sessions, the last row of every abandonment, Σ reservation delta per (key,
  //! product) (zeros dropped).
  std::map<std::pair<std::string, Micros>, SessionRow> sessions;
  std::map<std::tuple<std::string, Micros, Micros>, CartAbandonmentRow> abandonments;
  std::map<std::pair<OrderKey, std::string>, int64_t> reserved;

  //! Events must come in OrderKey order.
  void Apply(const TimedEvent& e) {
    const Micros t = e.key.effective_time;
    FireThrough(t);
    if (auto* v = std::get_if<events::ProductView>(&e.event)) {
      Session& s = Find(v->session_id, v->user_id, t);
      ++s.views;
      if (std::find(s.viewed.begin(), s.viewed.end(), v->product_id) == s.viewed.end()) {
        s.viewed.push_back(v->product_id);
      }
      if (s.device.empty()) s.device = v->device;
      if (s.country.empty()) s.country = v->country;
      Touched(s, t);
    } else if (auto* c = std::get_if<events::CartEvent>(&e.event)) {
      Session& s = Find(c->session_id, c->user_id, t);
      std::map<std::string, int64_t> before, after;
      for (const Line& l : s.cart) before[l.product] = s.abandoned ? 0 : l.q;
      const bool was_empty = s.cart.empty();
      auto it = std::find_if(s.cart.begin(), s.cart.end(),
                             [&](const Line& l) { return l.product == c->product_id; });
      if (it == s.cart.end()) {
        s.cart.push_back({c->product_id, 0, catalog_.price_of(c->product_id).value_or(0)});
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
      for (const Line& l : s.cart) after[l.product] = l.q;
      std::map<std::string, int64_t> all = before;
      for (const auto& [p, q] : after) all[p];
      for (const auto& [p, q] : all) Reserve(e.key, p, after[p] - before[p]);
      if (was_empty && !s.cart.empty()) s.first_add = t;
      s.last_activity = t;
      s.last_key = e.key;
      Touched(s, t);
    } else {
      const auto& tx = std::get<events::Transaction>(e.event);
      Session* s = nullptr;
      if (!tx.session_id.empty()) {
        s = &Find(tx.session_id, tx.user_id, t);
      } else {
        for (Session& o : open_) {
          if (o.user == tx.user_id && (s == nullptr || o.order > s->order)) s = &o;
        }
        if (s == nullptr) return;
      }
      ++s->purchases;
      for (const events::LineItem& i : tx.products) s->total += i.quantity * i.price;
      if (s->device.empty()) s->device = tx.device;
      if (s->country.empty()) s->country = tx.country;
      if (!s->abandoned) {
        for (const Line& l : s->cart) Reserve(e.key, l.product, -l.q);
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

  //! Fires every timer due at or before `t`, earliest first (cart before close).
  void FireThrough(Micros t) {
    while (true) {
      std::optional<std::tuple<Micros, int, size_t>> next;
      for (size_t i = 0; i < open_.size(); ++i) {
        const Session& s = open_[i];
        if (!s.cart.empty() && !s.abandoned) {
          std::tuple<Micros, int, size_t> c{s.last_activity + timeout_, 0, i};
          if (!next || c < *next) next = c;
        }
        std::tuple<Micros, int, size_t> c{s.last + gap_, 1, i};
        if (!next || c < *next) next = c;
      }
      if (!next || std::get<0>(*next) > t) return;
      Session& s = open_[std::get<2>(*next)];
      if (std::get<1>(*next) == 0) {
        Abandon(s);
      } else {
        sessions[{s.id, s.start}] = RowOf(s);
        open_.erase(open_.begin() + static_cast<ptrdiff_t>(std::get<2>(*next)));
      }
    }
  }

 private:
  struct Line {
    std::string product;
    int64_t q = 0;
    Cents price = 0;
  };
  struct Session {
    std::string id, user, device, country;
    Micros start = 0, last = 0;
    int64_t order = 0;  // when it last got an event
    int views = 0, adds = 0, removes = 0, purchases = 0;
    Cents total = 0;
    std::vector<std::string> viewed;
    std::vector<Line> cart;
    Micros first_add = 0, last_activity = 0;
    OrderKey last_key;
    bool abandoned = false;
    std::optional<CartAbandonmentRow> latest;
  };

  void Reserve(const OrderKey& key, const std::string& product, int64_t delta) {
    if (delta == 0) return;
    int64_t& r = reserved[{key, product}];
    r += delta;
    if (r == 0) reserved.erase({key, product});
  }
  SessionRow RowOf(const Session& s) const {
    SessionRow r;
    r.session_id = s.id;
    r.session_start = s.start;
    r.session_end = s.last;
    r.user_id = s.user;
    r.task = task_;
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
  void Abandon(Session& s) {
    CartAbandonmentRow r;
    r.session_id = s.id;
    r.session_start = s.start;
    r.abandonment_time = s.last_activity + timeout_;
    r.user_id = s.user;
    r.task = task_;
    for (const Line& l : s.cart) {
      ++r.products_in_cart;
      r.items_in_cart += l.q;
      r.cart_value += l.q * l.price;
    }
    r.time_in_cart = s.last_activity - s.first_add;
    s.latest = r;
    abandonments[{r.session_id, r.session_start, r.abandonment_time}] = r;
    OrderKey key = s.last_key;
    key.effective_time = r.abandonment_time;
    for (const Line& l : s.cart) Reserve(key, l.product, -l.q);
    s.abandoned = true;
  }
  Session& Find(const std::string& id, const std::string& user, Micros t) {
    for (Session& s : open_) {
      if (s.id == id) return s;
    }
    Session& s = open_.emplace_back();
    s.id = id;
    s.user = user;
    s.start = s.last = t;
    return s;
  }
  void Touched(Session& s, Micros t) {
    s.last = t;
    s.order = ++counter_;
  }

  BfCatalog catalog_;
  Micros gap_, timeout_;
  int32_t task_;
  std::vector<Session> open_;
  int64_t counter_ = 0;
};

//! One change of a product's stock, at `time` in the order of the list it is in.
struct BfStockChange {
  Micros time = 0;
  std::string product;
  std::string category;  //!< as the causing event named it
  int64_t sold = 0, reserved = 0;
  std::optional<events::InventoryUpdate> update;  //!< set: an inventory update instead
};

struct BfInventory {
  std::map<std::string, InventoryRow> inventory;  //!< task 0
  std::map<std::pair<std::string, int32_t>, LowStockAlertRow> alerts;  //!< task 0
};

//! `changes` in application order.
inline BfInventory InventoryBruteForce(const std::vector<BfStockChange>& changes,
                                       const BfCatalog& catalog, int64_t low, int64_t critical) {
  BfInventory e;
  std::map<std::string, std::vector<const BfStockChange*>> per_product;
  for (const BfStockChange& c : changes) per_product[c.product].push_back(&c);
  for (const auto& [product, list] : per_product) {
    std::vector<std::pair<Micros, int64_t>> levels;  // available after each change
    InventoryRow row;
    row.product_id = product;
    const std::optional<int64_t> initial = catalog.initial_stock_of(product);
    row.in_catalog = initial.has_value();
    row.current_stock = initial.value_or(0);
    row.category = catalog.category_of(product);
    const BfStockChange& first = *list.front();
    if (!(first.update && first.update->stock)) levels.emplace_back(first.time, row.available());
    for (const BfStockChange* c : list) {
      if (c->update) {
        row.current_stock = c->update->stock ? *c->update->stock
                                             : row.current_stock + c->update->change.value_or(0);
      } else {
        if (row.category.empty()) row.category = c->category;
        row.current_stock -= c->sold;
        row.reserved_stock += c->reserved;
      }
      row.last_event_time = c->time;
      levels.emplace_back(c->time, row.available());
    }
    e.inventory[product] = row;
    int32_t n = 0;
    std::optional<LowStockAlertRow> open;
    for (const auto& [time, available] : levels) {
      if (available < low) {
        if (!open) {
          open = LowStockAlertRow{};
          open->product_id = product;
          open->alert_no = ++n;
          open->status = "open";
          open->available_stock = open->lowest_available = available;
          open->opened_at = open->updated_at = time;
          open->severity = available < critical ? "critical" : "low";
        } else if (available != open->available_stock) {
          open->status = "updated";
          open->available_stock = available;
          open->lowest_available = std::min(open->lowest_available, available);
          open->updated_at = time;
          open->severity = available < critical ? "critical" : "low";
        }
        e.alerts[{product, open->alert_no}] = *open;
      } else if (open) {
        open->status = "resolved";
        open->available_stock = available;
        open->updated_at = open->resolved_at = time;
        e.alerts[{product, open->alert_no}] = *open;
        open.reset();
      }
    }
  }
  return e;
}

}  // namespace gm::stream::testing
