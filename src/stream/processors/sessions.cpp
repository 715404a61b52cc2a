#include "stream/processors/sessions.h"

#include <algorithm>
#include <functional>

namespace gm::stream {
namespace {

constexpr uint8_t kSnapshotVersion = 1;

uint64_t KeyOf(std::string_view id) { return std::hash<std::string_view>{}(id); }

// t + d without overflowing at the end of time.
Micros After(Micros t, Micros d) { return t > INT64_MAX - d ? INT64_MAX : t + d; }

}  // namespace

SessionTracker::SessionTracker(Options options, const CatalogLookup& catalog, int32_t task)
    : options_(options), catalog_(catalog), task_(task) {}

SessionTracker::Session& SessionTracker::Join(std::string_view session_id, std::string_view user_id,
                                              Micros time) {
  const uint64_t key = KeyOf(session_id);
  auto [it, inserted] = sessions_.try_emplace(key);
  Session& s = it->second;
  if (inserted) {
    s.session_id = std::string(session_id);
    s.user_id = std::string(user_id);
    s.start = s.last = time;
    timers_.push({After(time, options_.gap), TimerKind::kClose, key});
  }
  return s;
}

void SessionTracker::Touch(uint64_t key, Session& s, Micros time) {
  s.last = std::max(s.last, time);
  s.touched = ++events_;
  latest_of_user_[KeyOf(s.user_id)] = key;
  MarkDirty(key, s);
}

void SessionTracker::MarkDirty(uint64_t key, Session& s) {
  if (!s.dirty) dirty_.push_back(key);
  s.dirty = true;
  if (!s.unsaved) unsaved_.push_back(key);
  s.unsaved = true;
}

void SessionTracker::ScheduleCart(uint64_t key, Session& s) {
  if (s.cart.empty() || s.cart_abandoned || s.cart_timer_queued) return;
  timers_.push(
      {After(s.last_activity_key.effective_time, options_.cart_timeout), TimerKind::kCart, key});
  s.cart_timer_queued = true;
}

void SessionTracker::Reserve(const CartLine& line, int64_t delta, const OrderKey& key,
                             uint32_t& sub, Output& out) {
  if (delta == 0) return;
  StockChange& c = out.stock.emplace_back();
  c.key = key;
  c.sub = sub++;
  c.product_id = line.product_id;
  c.category = line.category;
  c.reserved = delta;
}

void SessionTracker::OnView(const events::ProductView& view, const OrderKey& key, Output& out) {
  const Micros t = key.effective_time;
  FireThrough(t, out);
  Session& s = Join(view.session_id, view.user_id, t);
  ++s.page_views;
  const uint64_t product = KeyOf(view.product_id);
  if (std::find(s.viewed.begin(), s.viewed.end(), product) == s.viewed.end()) {
    s.viewed.push_back(product);
  }
  if (s.device.empty()) s.device = view.device;
  if (s.country.empty()) s.country = view.country;
  Touch(KeyOf(view.session_id), s, t);
}

void SessionTracker::OnCart(const events::CartEvent& cart, const OrderKey& key, Output& out) {
  const Micros t = key.effective_time;
  FireThrough(t, out);
  const uint64_t skey = KeyOf(cart.session_id);
  Session& s = Join(cart.session_id, cart.user_id, t);
  // New activity in an abandoned cart reserves its whole content again.
  if (s.cart_abandoned) {
    for (const CartLine& line : s.cart) Reserve(line, line.quantity, key, out.sub, out);
    s.cart_abandoned = false;
  }
  const bool was_empty = s.cart.empty();
  auto it = std::find_if(s.cart.begin(), s.cart.end(),
                         [&](const CartLine& l) { return l.product_id == cart.product_id; });
  if (it == s.cart.end()) {
    CartLine line;
    line.product_id = cart.product_id;
    line.category =
        cart.category.empty() ? std::string(catalog_.CategoryOf(cart.product_id)) : cart.category;
    line.price = catalog_.PriceOf(cart.product_id).value_or(0);
    s.cart.push_back(std::move(line));
    it = s.cart.end() - 1;
  }
  if (cart.price) it->price = *cart.price;
  const int32_t old_quantity = it->quantity;
  switch (cart.action) {
    case events::CartAction::kAdd:
      it->quantity = old_quantity + cart.quantity;
      ++s.cart_adds;
      break;
    case events::CartAction::kUpdate:
      it->quantity = cart.quantity;
      break;
    case events::CartAction::kRemove:
      it->quantity = 0;
      ++s.cart_removes;
      break;
  }
  Reserve(*it, int64_t{it->quantity} - old_quantity, key, out.sub, out);
  if (it->quantity == 0) s.cart.erase(it);
  if (was_empty && !s.cart.empty()) s.first_add = t;
  s.last_activity_key = key;
  Touch(skey, s, t);
  ScheduleCart(skey, s);
}

void SessionTracker::OnTransaction(const events::Transaction& tx, const OrderKey& key,
                                   Output& out) {
  const Micros t = key.effective_time;
  FireThrough(t, out);
  uint64_t skey;
  Session* s;
  if (!tx.session_id.empty()) {
    skey = KeyOf(tx.session_id);
    s = &Join(tx.session_id, tx.user_id, t);
  } else {
    auto it = latest_of_user_.find(KeyOf(tx.user_id));
    if (it == latest_of_user_.end()) return;  // the user has no open session
    skey = it->second;
    s = &sessions_.at(skey);
  }
  ++s->purchases;
  s->total_amount += tx.LineItemsTotal();
  if (s->device.empty()) s->device = tx.device;
  if (s->country.empty()) s->country = tx.country;
  // The transaction empties the cart: what it held is no longer reserved.
  if (!s->cart_abandoned) {
    for (const CartLine& line : s->cart) Reserve(line, -line.quantity, key, out.sub, out);
  }
  s->cart.clear();
  s->cart_abandoned = false;
  if (s->abandonment != nullptr && !s->abandonment->recovered) {
    s->abandonment->recovered = true;
    s->abandonment->recovered_at = t;
    out.abandonments.push_back(AbandonmentRowOf(*s));
  }
  Touch(skey, *s, t);
}

void SessionTracker::AdvanceTo(Micros time, Output& out) {
  if (time == kNoTime) return;
  FireThrough(time == INT64_MAX ? INT64_MAX : time - 1, out);
}

void SessionTracker::FireThrough(Micros time, Output& out) {
  while (!timers_.empty() && timers_.top().due() <= time) {
    const Timer timer = timers_.top();
    timers_.pop();
    auto it = sessions_.find(timer.session());
    if (it == sessions_.end()) continue;
    Session& s = it->second;
    if (timer.kind() == TimerKind::kCart) {
      s.cart_timer_queued = false;
      if (s.cart.empty() || s.cart_abandoned) continue;
      const Micros due = After(s.last_activity_key.effective_time, options_.cart_timeout);
      if (due > timer.due()) {
        ScheduleCart(timer.session(), s);
        continue;
      }
      Abandon(s, out);
      MarkDirty(timer.session(), s);
    } else {
      const Micros due = After(s.last, options_.gap);
      if (due > timer.due()) {
        timers_.push({due, TimerKind::kClose, timer.session()});
        continue;
      }
      Close(timer.session(), out);
    }
  }
}

void SessionTracker::Abandon(Session& s, Output& out) {
  if (s.abandonment == nullptr) s.abandonment = std::make_unique<Abandonment>();
  Abandonment& a = *s.abandonment;
  a = Abandonment{};
  const Micros last_activity = s.last_activity_key.effective_time;
  a.time = After(last_activity, options_.cart_timeout);
  for (const CartLine& line : s.cart) {
    ++a.products;
    a.items += line.quantity;
    a.value += line.quantity * line.price;
  }
  a.time_in_cart = last_activity - s.first_add;
  s.cart_abandoned = true;
  out.abandonments.push_back(AbandonmentRowOf(s));
  // The release happens at the abandonment time, in the position of the last activity.
  OrderKey key = s.last_activity_key;
  key.effective_time = a.time;
  uint32_t sub = 0;
  for (const CartLine& line : s.cart) Reserve(line, -line.quantity, key, sub, out);
}

void SessionTracker::Close(uint64_t key, Output& out) {
  auto it = sessions_.find(key);
  Session& s = it->second;
  // Only when cart_timeout ≥ gap can a cart still be waiting when its session closes.
  if (!s.cart.empty() && !s.cart_abandoned) Abandon(s, out);
  out.sessions.push_back(RowOf(s, /*closed=*/true));
  auto user = latest_of_user_.find(KeyOf(s.user_id));
  if (user != latest_of_user_.end() && user->second == key) latest_of_user_.erase(user);
  closed_ids_.push_back(std::move(s.session_id));
  sessions_.erase(it);
}

SessionRow SessionTracker::RowOf(const Session& s, bool closed) const {
  SessionRow r;
  r.session_id = s.session_id;
  r.session_start = s.start;
  r.session_end = s.last;
  r.user_id = s.user_id;
  r.task = task_;
  r.page_views = s.page_views;
  r.cart_adds = s.cart_adds;
  r.cart_removes = s.cart_removes;
  r.purchases = s.purchases;
  r.total_amount = s.total_amount;
  r.distinct_products_viewed = static_cast<int32_t>(s.viewed.size());
  r.device = s.device;
  r.country = s.country;
  r.converted = s.purchases > 0;
  r.abandoned = s.abandonment != nullptr && !s.abandonment->recovered;
  r.is_closed = closed;
  r.new_key.value = !s.row_emitted;
  return r;
}

CartAbandonmentRow SessionTracker::AbandonmentRowOf(const Session& s) const {
  const Abandonment& a = *s.abandonment;  // REQUIRES: the session has one
  CartAbandonmentRow r;
  r.session_id = s.session_id;
  r.session_start = s.start;
  r.abandonment_time = a.time;
  r.user_id = s.user_id;
  r.task = task_;
  r.products_in_cart = a.products;
  r.items_in_cart = a.items;
  r.cart_value = a.value;
  r.time_in_cart = a.time_in_cart;
  r.recovered = a.recovered;
  r.recovered_at = a.recovered_at;
  return r;
}

void SessionTracker::CollectOpen(std::vector<SessionRow>& out, Micros now, Micros min_age) {
  rounds_.emplace_back(now, dirty_popped_ + dirty_.size());
  // Everything pushed before the latest round old enough is due.
  uint64_t due = dirty_popped_;
  while (!rounds_.empty() && rounds_.front().first <= now - min_age) {
    due = std::max(due, rounds_.front().second);
    rounds_.pop_front();
  }
  for (; dirty_popped_ < due; ++dirty_popped_) {
    const uint64_t key = dirty_.front();
    dirty_.pop_front();
    auto it = sessions_.find(key);
    if (it == sessions_.end() || !it->second.dirty) continue;  // closed since
    it->second.dirty = false;
    out.push_back(RowOf(it->second, /*closed=*/false));
    it->second.row_emitted = true;
  }
}

void SessionTracker::SaveSession(SnapshotWriter& w, const Session& s) {
  w.Bytes(s.session_id);
  w.Bytes(s.user_id);
  w.Bytes(s.device);
  w.Bytes(s.country);
  w.I64(s.start);
  w.I64(s.last);
  w.U64(s.touched);
  w.I64(s.page_views);
  w.I64(s.cart_adds);
  w.I64(s.cart_removes);
  w.I64(s.purchases);
  w.I64(s.total_amount);
  w.U32(static_cast<uint32_t>(s.viewed.size()));
  for (uint64_t v : s.viewed) w.U64(v);
  w.U32(static_cast<uint32_t>(s.cart.size()));
  for (const CartLine& line : s.cart) {
    w.Bytes(line.product_id);
    w.Bytes(line.category);
    w.I64(line.quantity);
    w.I64(line.price);
  }
  w.I64(s.first_add);
  w.I64(s.last_activity_key.effective_time);  // the last activity (kept for the format)
  w.I64(s.last_activity_key.effective_time);
  w.U8(s.last_activity_key.topic);
  w.I64(s.last_activity_key.partition);
  w.I64(s.last_activity_key.offset);
  w.U8(s.cart_abandoned);
  w.U8(s.abandonment != nullptr);
  const Abandonment& a = s.abandonment != nullptr ? *s.abandonment : Abandonment{};
  w.I64(a.time);
  w.I64(a.products);
  w.I64(a.items);
  w.I64(a.value);
  w.I64(a.time_in_cart);
  w.U8(a.recovered);
  w.I64(a.recovered_at);
}

void SessionTracker::LoadSession(SnapshotReader& r) {
  Session s;
  s.session_id = std::string(r.Bytes());
  s.user_id = std::string(r.Bytes());
  s.device = std::string(r.Bytes());
  s.country = std::string(r.Bytes());
  s.start = r.I64();
  s.last = r.I64();
  s.touched = r.U64();
  s.page_views = static_cast<int32_t>(r.I64());
  s.cart_adds = static_cast<int32_t>(r.I64());
  s.cart_removes = static_cast<int32_t>(r.I64());
  s.purchases = static_cast<int32_t>(r.I64());
  s.total_amount = r.I64();
  const uint32_t viewed = r.U32();
  for (uint32_t v = 0; v < viewed && r.status().ok(); ++v) s.viewed.push_back(r.U64());
  const uint32_t lines = r.U32();
  for (uint32_t l = 0; l < lines && r.status().ok(); ++l) {
    CartLine line;
    line.product_id = std::string(r.Bytes());
    line.category = std::string(r.Bytes());
    line.quantity = static_cast<int32_t>(r.I64());
    line.price = r.I64();
    s.cart.push_back(std::move(line));
  }
  s.first_add = r.I64();
  r.I64();  // the last activity: the key's time
  s.last_activity_key.effective_time = r.I64();
  s.last_activity_key.topic = r.U8();
  s.last_activity_key.partition = static_cast<int32_t>(r.I64());
  s.last_activity_key.offset = r.I64();
  s.cart_abandoned = r.U8() != 0;
  const bool has_abandonment = r.U8() != 0;
  Abandonment a;
  a.time = r.I64();
  a.products = static_cast<int32_t>(r.I64());
  a.items = r.I64();
  a.value = r.I64();
  a.time_in_cart = r.I64();
  a.recovered = r.U8() != 0;
  a.recovered_at = r.I64();
  if (has_abandonment) s.abandonment = std::make_unique<Abandonment>(a);
  if (!r.status().ok()) return;
  s.row_emitted = true;  // unknown: a live row may have gone out before the snapshot
  const uint64_t key = KeyOf(s.session_id);
  sessions_[key] = std::move(s);
}

void SessionTracker::Reindex() {
  timers_ = {};
  latest_of_user_.clear();
  for (auto& [key, s] : sessions_) {
    s.cart_timer_queued = false;
    timers_.push({After(s.last, options_.gap), TimerKind::kClose, key});
    ScheduleCart(key, s);
    // The user's session that got the latest event (touched counts are unique).
    auto [user, inserted] = latest_of_user_.try_emplace(KeyOf(s.user_id), key);
    if (!inserted && sessions_.at(user->second).touched < s.touched) user->second = key;
  }
}

void SessionTracker::Save(SnapshotWriter& w) const {
  w.U8(kSnapshotVersion);
  w.U64(events_);
  w.U64(sessions_.size());
  for (const auto& [key, s] : sessions_) SaveSession(w, s);
}

void SessionTracker::SaveChanges(SnapshotWriter& w) const {
  w.U8(kSnapshotVersion);
  w.U64(events_);
  w.U64(closed_ids_.size());
  for (const std::string& id : closed_ids_) w.Bytes(id);
  uint64_t changed = 0;
  for (uint64_t key : unsaved_) changed += sessions_.count(key);
  w.U64(changed);
  for (uint64_t key : unsaved_) {
    auto it = sessions_.find(key);
    if (it != sessions_.end()) SaveSession(w, it->second);
  }
}

void SessionTracker::ClearChanges() {
  for (uint64_t key : unsaved_) {
    auto it = sessions_.find(key);
    if (it != sessions_.end()) it->second.unsaved = false;
  }
  unsaved_.clear();
  closed_ids_.clear();
}

Status SessionTracker::ApplyChanges(SnapshotReader& r) {
  if (r.U8() != kSnapshotVersion) return InvalidArgument("sessions: unknown snapshot version");
  events_ = r.U64();
  // Closed sessions first: a session id closed and opened again since has its new state
  // among the changed ones.
  const uint64_t closed = r.U64();
  for (uint64_t i = 0; i < closed && r.status().ok(); ++i) sessions_.erase(KeyOf(r.Bytes()));
  const uint64_t changed = r.U64();
  for (uint64_t i = 0; i < changed && r.status().ok(); ++i) LoadSession(r);
  if (!r.status().ok()) return r.status();
  Reindex();
  return Status::Ok();
}

Status SessionTracker::Restore(SnapshotReader& r) {
  if (r.U8() != kSnapshotVersion) return InvalidArgument("sessions: unknown snapshot version");
  sessions_.clear();
  dirty_.clear();
  dirty_popped_ = 0;
  rounds_.clear();
  unsaved_.clear();
  closed_ids_.clear();
  events_ = r.U64();
  const uint64_t n = r.U64();
  for (uint64_t i = 0; i < n && r.status().ok(); ++i) LoadSession(r);
  Reindex();
  return r.status();
}

}  // namespace gm::stream
