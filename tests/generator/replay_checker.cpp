#include "replay_checker.h"

#include <cstdlib>

namespace gm::generator::testing {
namespace {
constexpr Micros kSessionGap = 2 * kMicrosPerMinute;
constexpr Micros kCartTimeout = kMicrosPerMinute;
}  // namespace

ReplayChecker::ReplayChecker(const Catalog& catalog, const Customers& customers)
    : catalog_(catalog), customers_(customers) {}

void ReplayChecker::Violation(const std::string& what) {
  ++report_.violation_count;
  if (report_.violations.size() < 20) report_.violations.push_back(what);
}

void ReplayChecker::CheckProduct(const std::string& id, const std::string& category, Cents* price) {
  const std::optional<int64_t> index = catalog_.Find(id);
  if (!index) return Violation("unknown product " + id);
  const Product& p = catalog_.product(*index);
  if (!category.empty() && category != Catalog::categories()[p.category].name) {
    Violation("category of " + id + " is " + category);
  }
  if (price != nullptr && *price != p.price) {
    Violation("price of " + id + " is " + std::to_string(*price) + " not " +
              std::to_string(p.price));
  }
}

void ReplayChecker::CheckUser(const std::string& id) {
  if (!customers_.Find(id)) Violation("unknown user " + id);
}

// A cart that is non-empty and saw no transaction within 1 min of its last activity is
// abandoned once (DESIGN.md §6).
void ReplayChecker::SettleTimeout(SessionState& s, Micros now) {
  if (!s.cart.empty() && !s.abandoned && now > s.last_cart_activity + kCartTimeout) {
    s.abandoned = true;
    ++report_.abandoned;
  }
}

ReplayChecker::SessionState& ReplayChecker::Touch(const std::string& session_id,
                                                  const std::string& user, Micros t) {
  CheckUser(user);
  auto [it, fresh] = sessions_.try_emplace(session_id);
  SessionState& s = it->second;
  if (fresh) {
    ++report_.sessions;
    s.user = user;
    s.first = s.last = t;
  } else {
    if (s.user != user) Violation("session " + session_id + " changes user");
    if (t - s.last >= kSessionGap) Violation("session " + session_id + " pauses ≥ 2 min");
    if (s.closed) Violation("user " + user + " returned to an earlier session " + session_id);
    s.last = t;
  }
  std::string& current = current_session_[user];
  if (current != session_id) {
    if (!current.empty()) sessions_[current].closed = true;
    current = session_id;
  }
  SettleTimeout(s, t);
  return s;
}

void ReplayChecker::Add(const events::Event& e) {
  const Micros t = e.timestamp();
  if (t < last_time_) Violation("event time goes backwards at " + std::string(e.id()));
  last_time_ = t;
  ++report_.events;
  ++report_.per_topic[static_cast<int>(e.topic)];
  switch (e.topic) {
    case events::Topic::kProductViews: {
      const events::ProductView& v = e.view;
      CheckProduct(v.product_id, v.category, nullptr);
      SessionState& s = Touch(v.session_id, v.user_id, t);
      s.viewed.push_back(v.product_id);
      break;
    }
    case events::Topic::kCartEvents: {
      const events::CartEvent& c = e.cart;
      Cents price = c.price.value_or(-1);
      CheckProduct(c.product_id, c.category, c.price ? &price : nullptr);
      SessionState& s = Touch(c.session_id, c.user_id, t);
      const bool was_empty = s.cart.empty();
      if (c.action == events::CartAction::kAdd) {
        Line& line = s.cart[c.product_id];
        line.quantity += c.quantity;
        line.price = price;
      } else if (c.action == events::CartAction::kUpdate) {
        if (s.cart.find(c.product_id) == s.cart.end()) Violation("update of a product not in cart");
        s.cart[c.product_id] = {c.quantity, price};
      } else {
        if (s.cart.erase(c.product_id) == 0) Violation("remove of a product not in cart");
      }
      if (was_empty && !s.cart.empty()) ++report_.carts;
      if (!was_empty && s.cart.empty()) ++report_.emptied;
      s.abandoned = false;  // new activity: the cart may be abandoned (again) later
      s.last_cart_activity = t;
      break;
    }
    case events::Topic::kTransactions: {
      const events::Transaction& tx = e.transaction;
      for (const events::LineItem& item : tx.products) {
        Cents price = item.price;
        CheckProduct(item.product_id, item.category, &price);
      }
      if (tx.session_id.empty()) {
        Violation("transaction without session_id");
        break;
      }
      SessionState& s = Touch(tx.session_id, tx.user_id, t);
      s.converted = true;
      if (s.cart.empty()) {
        ++report_.buy_nows;
        bool viewed = false;
        if (tx.products.size() == 1) {
          for (const std::string& p : s.viewed) viewed |= p == tx.products[0].product_id;
        }
        if (tx.products.size() != 1) Violation("buy-now with several lines " + tx.transaction_id);
        if (!viewed) Violation("buy-now of a product not viewed " + tx.transaction_id);
      } else {
        ++report_.checkouts;
        if (s.abandoned) {
          ++report_.recovered;
          Violation("checkout after the abandonment timeout " + tx.transaction_id);
        } else {
          ++report_.checked_out;
        }
        std::map<std::string, Line> bought;
        for (const events::LineItem& item : tx.products) {
          Line& l = bought[item.product_id];
          l.quantity += item.quantity;
          l.price = item.price;
        }
        bool same = bought.size() == s.cart.size();
        for (const auto& [product, line] : s.cart) {
          auto it = bought.find(product);
          same = same && it != bought.end() && it->second.quantity == line.quantity &&
                 it->second.price == line.price;
        }
        if (!same) Violation("checkout differs from the cart " + tx.transaction_id);
      }
      s.cart.clear();  // any transaction empties the cart
      s.abandoned = false;
      break;
    }
    case events::Topic::kInventoryUpdates: {
      const events::InventoryUpdate& u = e.inventory;
      CheckProduct(u.product_id, "", nullptr);
      if (u.change.has_value() == u.stock.has_value())
        Violation("inventory needs change xor stock");
      break;
    }
  }
}

ReplayReport ReplayChecker::Finish() {
  for (auto& [id, s] : sessions_) {
    SettleTimeout(s, last_time_);
    if (!s.cart.empty() && !s.abandoned) ++report_.open_at_end;
    report_.converted_sessions += s.converted;
  }
  return report_;
}

}  // namespace gm::generator::testing
