// Inventory and ground truth (part of Simulator::Impl): simulated stock with restocks and
// stocktakes, and the DESIGN.md §6 rules applied to every emitted transaction.
#include <algorithm>

#include "generator/internal/simulator_impl.h"
#include "generator/internal/world_data.h"

namespace gm::generator {

using internal::ActorKind;

namespace {

constexpr Micros kVelocityWindow = 60 * kMicrosPerSecond;
constexpr Cents kHighValueCents = 500'000;
constexpr int kUnusualQuantity = 10;

}  // namespace

// Restocking follows each product's demand: its sales rate since the last restock sets
// both the reorder point (enough for the longest delivery delay, at least 20 units) and the
// order size (about 30 minutes of sales, at least 200–1000 units), so popular products
// seldom sell out while a restock is on its way.
double Simulator::Impl::SalesPerSecond(int32_t product) const {
  const double seconds =
      std::max(60.0, static_cast<double>(now_ - restocked_at_[product]) / kMicrosPerSecond);
  return sold_since_restock_[product] / seconds;
}

void Simulator::Impl::MaybeRestock(int32_t product) {
  if (restock_due_[product] != 0) {
    // Sold out while the restock is still far off: expedite it (the old queue entry goes
    // stale: a restock happens only at its product's current due time).
    if (stock_[product] <= 0 && restock_due_[product] > now_ + 30 * kMicrosPerSecond) {
      restock_due_[product] = now_ + rng_.Between(10, 30) * kMicrosPerSecond;
      Push(restock_due_[product], ActorKind::kRestock, static_cast<uint32_t>(product));
    }
    return;
  }
  const double reorder_point =
      std::max<double>(internal::kRestockThreshold, SalesPerSecond(product) * 1.5 * 180);
  if (stock_[product] >= reorder_point) return;
  restock_due_[product] = now_ + rng_.Between(10, 180) * kMicrosPerSecond;
  Push(restock_due_[product], ActorKind::kRestock, static_cast<uint32_t>(product));
}

void Simulator::Impl::ApplyPurchase(const events::Transaction& t) {
  for (const events::LineItem& item : t.products) {
    // Line items carry catalog products only; the id's number is the index + 1.
    const std::optional<int64_t> index = catalog_.Find(item.product_id);
    if (!index) continue;
    stock_[*index] -= item.quantity;
    sold_since_restock_[*index] += item.quantity;
    MaybeRestock(static_cast<int32_t>(*index));
  }
}

void Simulator::Impl::EmitRestock(int32_t product, events::Event& out) {
  restock_due_[product] = 0;
  const int32_t target = std::max(static_cast<int32_t>(rng_.Between(200, 1000)),
                                  static_cast<int32_t>(SalesPerSecond(product) * 1800));
  const int32_t change = std::max(50, target - stock_[product]);
  stock_[product] += change;
  sold_since_restock_[product] = 0;
  restocked_at_[product] = now_;
  out.topic = events::Topic::kInventoryUpdates;
  events::InventoryUpdate& u = out.inventory;
  AppendId('I', event_counter_++, u.event_id);
  u.product_id.clear();
  Catalog::AppendProductId(product, u.product_id);
  u.timestamp = now_;
  u.change = change;
  u.stock.reset();
  u.reason = "restock";
  ++stats_.restocks;
}

// A stocktake counts a popular product's stock: usually what the books say, sometimes a
// few units less (shrinkage).
void Simulator::Impl::EmitStocktake(events::Event& out) {
  const int category =
      static_cast<int>(category_by_hour_[internal::LocalHour(now_, 0)].Sample(rng_));
  const int32_t product = ChooseInCategory(category);
  int32_t counted = std::max(0, stock_[product]);
  if (rng_.Bernoulli(0.3))
    counted = std::max(0, counted - static_cast<int32_t>(rng_.Between(1, 3)));
  stock_[product] = counted;
  MaybeRestock(product);
  out.topic = events::Topic::kInventoryUpdates;
  events::InventoryUpdate& u = out.inventory;
  AppendId('I', event_counter_++, u.event_id);
  u.product_id.clear();
  Catalog::AppendProductId(product, u.product_id);
  u.timestamp = now_;
  u.change.reset();
  u.stock = counted;
  u.reason = "stocktake";
  ++stats_.stocktakes;
}

// Applies the five rules of DESIGN.md §6 to the transaction exactly as emitted.
void Simulator::Impl::ComputeLabel(const events::Transaction& t, int64_t user, int home,
                                   Label* label) {
  uint8_t rules = 0;
  Cents line_total = 0;
  bool unusual = false;
  for (const events::LineItem& item : t.products) {
    line_total += item.quantity * item.price;
    unusual |= item.quantity > kUnusualQuantity;
  }
  if (line_total > kHighValueCents) rules |= 1 << static_cast<int>(Rule::kHighValue);
  if (unusual) rules |= 1 << static_cast<int>(Rule::kUnusualQuantity);
  if (t.country != internal::CountryTable()[home].name) {
    rules |= 1 << static_cast<int>(Rule::kGeoMismatch);
  }
  const Cents diff = t.total_amount - line_total;
  if (diff > 1 || diff < -1) rules |= 1 << static_cast<int>(Rule::kAmountMismatch);

  // Velocity: drop users whose newest transaction left the window, then count this user's
  // transactions in (t − 60 s, t]; the one that makes six fires, and so do later ones.
  while (!expiry_.empty() && expiry_.front().time + kVelocityWindow <= t.timestamp) {
    const Expiry e = expiry_.front();
    expiry_.pop();
    internal::RecentTransactions* r = recent_.Find(e.user);
    if (r != nullptr && r->times[(r->next + 4) % 5] == e.time) recent_.Erase(e.user);
  }
  internal::RecentTransactions& r = recent_[user];
  int in_window = 1;
  for (int i = 0; i < r.count; ++i) in_window += r.times[i] + kVelocityWindow > t.timestamp;
  if (in_window >= 6) rules |= 1 << static_cast<int>(Rule::kVelocity);
  r.times[r.next] = t.timestamp;
  r.next = static_cast<uint8_t>((r.next + 1) % 5);
  r.count = static_cast<uint8_t>(std::min(5, r.count + 1));
  expiry_.push({t.timestamp, user});

  if (rules != 0) ++stats_.labelled;
  if (last_has_injected_) ++stats_.injected;
  if (label != nullptr) {
    label->rules = rules;
    label->has_injected = last_has_injected_;
    label->injected = last_injected_;
  }
}

}  // namespace gm::generator
