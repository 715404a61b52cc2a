#include "stream/processors/anomaly_detector.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "common/money.h"

namespace gm::stream {
namespace {

constexpr uint8_t kSnapshotVersion = 1;
// A baseline is trusted once it has seen this many transactions.
constexpr int64_t kMinUserSamples = 5;
constexpr int64_t kMinCategorySamples = 30;
// Standard deviations below this (log-amount units) are raised to it, so a user who always
// spends exactly the same is not flagged for a cent more.
constexpr double kMinStddev = 0.25;

//! a − b, clamped to the Micros range (watermarks start at INT64_MIN).
Micros SaturatingSub(Micros a, Micros b) {
  Micros r;
  if (__builtin_sub_overflow(a, b, &r)) {
    return b > 0 ? std::numeric_limits<Micros>::min() : std::numeric_limits<Micros>::max();
  }
  return r;
}

//! a + b, clamped to the Micros range.
Micros SaturatingAdd(Micros a, Micros b) {
  Micros r;
  if (__builtin_add_overflow(a, b, &r)) {
    return b > 0 ? std::numeric_limits<Micros>::max() : std::numeric_limits<Micros>::min();
  }
  return r;
}

//! Removes the times ≤ `horizon` from the front of an ascending vector.
void DropUpTo(std::vector<Micros>& times, Micros horizon) {
  if (times.empty() || times.front() > horizon) return;
  times.erase(times.begin(), std::upper_bound(times.begin(), times.end(), horizon));
}

//! Welford's online update of mean and sum of squared deviations.
template <typename B>
void Observe(B& b, double x) {
  b.n += 1;
  const double delta = x - b.mean;
  b.mean += delta / static_cast<double>(b.n);
  b.m2 += delta * (x - b.mean);
}

//! Standard deviations above the baseline's mean (sample standard deviation, floored).
template <typename B>
double UpwardZ(const B& b, double x) {
  const double variance = b.n > 1 ? b.m2 / static_cast<double>(b.n - 1) : 0.0;
  return (x - b.mean) / std::max(std::sqrt(variance), kMinStddev);
}

//! "1st", "2nd", "3rd", "4th", ..., "11th", "12th", "13th", "21st".
void AppendOrdinal(int64_t n, std::string& out) {
  out += std::to_string(n);
  const int64_t tens = n % 100;
  const int64_t ones = n % 10;
  if (tens >= 11 && tens <= 13) {
    out += "th";
  } else if (ones == 1) {
    out += "st";
  } else if (ones == 2) {
    out += "nd";
  } else if (ones == 3) {
    out += "rd";
  } else {
    out += "th";
  }
}

//! "60s" for whole seconds (as people say it), else the exact duration ("1500ms").
void AppendDuration(Micros d, std::string& out) {
  if (d % kMicrosPerSecond == 0) {
    out += std::to_string(d / kMicrosPerSecond);
    out += 's';
  } else {
    out += FormatDuration(d);
  }
}

template <typename B>
bool ValidBaseline(const B& b) {
  return b.n >= 0 && std::isfinite(b.mean) && std::isfinite(b.m2) && b.m2 >= 0;
}

}  // namespace

AnomalyDetector::AnomalyDetector(Options options, const CatalogLookup& catalog)
    : options_(options), catalog_(catalog) {}

double AnomalyDetector::Score(const events::Transaction& tx, Micros effective_time,
                              std::vector<AnomalyRow>& out) {
  Findings f;
  f.line_total = tx.LineItemsTotal();

  // Rules.
  f.high_value = f.line_total > options_.high_value;
  for (const events::LineItem& item : tx.products) {
    if (f.biggest == nullptr || item.quantity > f.biggest->quantity) f.biggest = &item;
  }
  f.unusual_quantity = f.biggest != nullptr && f.biggest->quantity > options_.unusual_quantity;

  uint32_t user_index = users_.Find(tx.user_id);
  if (user_index == Users::kNone) {
    user_index = users_.Insert(tx.user_id);
    users_.value(user_index).last_seen = effective_time;
    expiry_.push_back(Expiry{ErasableAt(effective_time), user_index});
    std::push_heap(expiry_.begin(), expiry_.end(), std::greater<>());
  }
  UserState& user = users_.value(user_index);
  if (!user.unsaved) {
    user.unsaved = true;
    unsaved_.push_back(user_index);
  }
  // Entries at or before t − window are outside (t − window, t] for this and every later
  // transaction (Score is called in effective-time order).
  DropUpTo(user.recent, SaturatingSub(effective_time, options_.velocity_window));
  const auto insert_at = std::upper_bound(user.recent.begin(), user.recent.end(), effective_time);
  f.velocity_count = (insert_at - user.recent.begin()) + 1;  // this transaction included
  f.velocity = f.velocity_count >= options_.velocity_count;

  f.home = catalog_.HomeCountryOf(tx.user_id);
  if (f.home.empty()) ++unknown_customers_;
  f.geo_mismatch = !f.home.empty() && f.home != tx.country;

  Cents difference;
  f.amount_mismatch = __builtin_sub_overflow(tx.total_amount, f.line_total, &difference) ||
                      difference > 1 || difference < -1;

  // Statistical: the log amount against the user's and the dominant category's baselines.
  const double x = std::log1p(static_cast<double>(std::max<Cents>(f.line_total, 0)) / 100.0);
  f.dominant = DominantCategory(tx);
  Baseline* category_baseline = nullptr;
  if (!f.dominant.empty()) {
    auto it = categories_.find(f.dominant);
    if (it == categories_.end())
      it = categories_.emplace(std::string(f.dominant), Baseline{}).first;
    category_baseline = &it->second;
  }
  bool baseline_used = false;
  if (user.amounts.n >= kMinUserSamples) {
    baseline_used = true;
    f.z = std::max(f.z, UpwardZ(user.amounts, x));
  }
  if (category_baseline != nullptr && category_baseline->n >= kMinCategorySamples) {
    baseline_used = true;
    const double z = UpwardZ(*category_baseline, x);
    if (z > f.z) {
      f.z = z;
      f.z_from_user = false;
    }
  }
  f.statistical = baseline_used && f.z >= options_.statistical_z;

  const int rules = int{f.high_value} + int{f.unusual_quantity} + int{f.velocity} +
                    int{f.geo_mismatch} + int{f.amount_mismatch};
  double score;
  if (rules > 0) {
    score = std::min(1.0, 0.8 + 0.05 * (rules - 1) + (f.statistical ? 0.05 : 0.0));
  } else if (f.statistical) {
    score = std::min(0.79, 0.5 + 0.1 * (f.z - options_.statistical_z));
  } else if (options_.statistical_z > 0) {
    score = std::clamp(0.49 * f.z / options_.statistical_z, 0.0, 0.49);
  } else {
    score = 0;
  }
  if (score >= 0.5) AppendRow(tx, f, score, out);

  // The transaction joins the baselines and the velocity history only after being scored.
  Observe(user.amounts, x);
  if (category_baseline != nullptr) Observe(*category_baseline, x);
  user.recent.insert(insert_at, effective_time);
  user.last_seen = std::max(user.last_seen, effective_time);
  return score;
}

void AnomalyDetector::Prefetch(const events::Transaction& tx, Lookahead step) const {
  if (step == Lookahead::kFar) {
    users_.PrefetchSlot(tx.user_id);
    catalog_.PrefetchCustomer(tx.user_id);
  } else {
    users_.PrefetchEntry(tx.user_id);
  }
}

std::string_view AnomalyDetector::DominantCategory(const events::Transaction& tx) {
  // The amount per category (few per transaction: a linear scan beats hashing).
  category_amounts_.clear();
  for (const events::LineItem& item : tx.products) {
    const std::string_view category = ItemCategory(item, catalog_);
    Cents amount;
    if (__builtin_mul_overflow(static_cast<Cents>(item.quantity), item.price, &amount)) {
      amount = std::numeric_limits<Cents>::max();  // beyond any real line; ranks first
    }
    auto it = std::find_if(category_amounts_.begin(), category_amounts_.end(),
                           [&](const auto& entry) { return entry.first == category; });
    if (it == category_amounts_.end()) {
      category_amounts_.emplace_back(category, amount);
    } else {
      it->second += amount;
    }
  }
  std::string_view dominant;
  Cents dominant_amount = 0;
  for (const auto& [category, amount] : category_amounts_) {
    if (dominant.empty() || amount > dominant_amount ||
        (amount == dominant_amount && category < dominant)) {
      dominant = category;
      dominant_amount = amount;
    }
  }
  return dominant;
}

void AnomalyDetector::AppendRow(const events::Transaction& tx, const Findings& f, double score,
                                std::vector<AnomalyRow>& out) const {
  AnomalyRow& row = out.emplace_back();
  row.transaction_id = tx.transaction_id;
  row.user_id = tx.user_id;
  row.event_time = tx.timestamp;
  row.total_amount = f.line_total;
  row.country = tx.country;
  row.score = score;
  std::string& d = row.description;
  auto sentence = [&](const char* type) {
    row.types.emplace_back(type);
    if (!d.empty()) d += "; ";
  };
  if (f.high_value) {
    sentence("high_value");
    d += "line items total ";
    AppendCents(f.line_total, d);
    d += " exceeds ";
    AppendCents(options_.high_value, d);
  }
  if (f.unusual_quantity) {
    sentence("unusual_quantity");
    d += "quantity ";
    d += std::to_string(f.biggest->quantity);
    d += " of product ";
    d += f.biggest->product_id;
    d += " exceeds ";
    d += std::to_string(options_.unusual_quantity);
  }
  if (f.velocity) {
    sentence("velocity");
    AppendOrdinal(f.velocity_count, d);
    d += " transaction of the user within ";
    AppendDuration(options_.velocity_window, d);
  }
  if (f.geo_mismatch) {
    sentence("geo_mismatch");
    d += "country ";
    d += tx.country;
    d += " differs from home country ";
    d += f.home;
  }
  if (f.amount_mismatch) {
    sentence("amount_mismatch");
    d += "total_amount ";
    AppendCents(tx.total_amount, d);
    d += " differs from line items ";
    AppendCents(f.line_total, d);
  }
  if (f.statistical) {
    sentence("statistical");
    char z_text[32];
    std::snprintf(z_text, sizeof z_text, "%.1f", f.z);
    d += "amount ";
    d += z_text;
    d += " standard deviations above ";
    if (f.z_from_user) {
      d += "the user's baseline";
    } else {
      d += "the baseline of category ";
      d += f.dominant;
    }
  }
}

Micros AnomalyDetector::ErasableAt(Micros last_seen) const {
  // Expire erases a user once last_seen < watermark − baseline_ttl and no velocity entry
  // (none is later than last_seen) is inside the window: last_seen ≤ watermark − window.
  return std::max(SaturatingAdd(SaturatingAdd(last_seen, options_.baseline_ttl), 1),
                  SaturatingAdd(last_seen, options_.velocity_window));
}

void AnomalyDetector::RebuildExpiry() {
  expiry_.clear();
  expiry_.reserve(users_.size());
  users_.ForEach([&](uint32_t index, std::string_view, const UserState& user) {
    expiry_.push_back(Expiry{ErasableAt(user.last_seen), index});
  });
  std::make_heap(expiry_.begin(), expiry_.end(), std::greater<>());
}

void AnomalyDetector::Expire(Micros watermark) {
  expired_to_ = std::max(expired_to_, watermark);
  while (!expiry_.empty() && expiry_.front().at <= watermark) {
    std::pop_heap(expiry_.begin(), expiry_.end(), std::greater<>());
    Expiry& due = expiry_.back();
    const Micros at = ErasableAt(users_.value(due.user).last_seen);
    if (at <= watermark) {
      forgotten_.emplace_back(users_.id(due.user));
      users_.Erase(due.user);
      expiry_.pop_back();
    } else {
      due.at = at;  // seen since: check again later
      std::push_heap(expiry_.begin(), expiry_.end(), std::greater<>());
    }
  }
}

void AnomalyDetector::SaveUser(SnapshotWriter& out, std::string_view id,
                               const UserState& user) const {
  // Velocity entries Expire declared dead are left out, as if it had pruned them.
  const Micros dead = SaturatingSub(expired_to_, options_.velocity_window);
  out.Bytes(id);
  out.I64(user.amounts.n);
  out.F64(user.amounts.mean);
  out.F64(user.amounts.m2);
  out.I64(user.last_seen);
  const auto live = std::upper_bound(user.recent.begin(), user.recent.end(), dead);
  out.U32(static_cast<uint32_t>(user.recent.end() - live));
  for (auto it = live; it != user.recent.end(); ++it) out.I64(*it);
}

void AnomalyDetector::SaveCategories(SnapshotWriter& out) const {
  out.U64(categories_.size());
  for (const auto& [name, baseline] : categories_) {
    out.Bytes(name);
    out.I64(baseline.n);
    out.F64(baseline.mean);
    out.F64(baseline.m2);
  }
}

void AnomalyDetector::Save(SnapshotWriter& out) const {
  // In the table's own order: sorting the users (for byte-identical snapshots) would cost
  // more than the state is worth; the restored state, not its bytes, is what must be
  // identical.
  out.U8(kSnapshotVersion);
  out.I64(expired_to_);
  out.U64(users_.size());
  users_.ForEach(
      [&](uint32_t, std::string_view id, const UserState& user) { SaveUser(out, id, user); });
  SaveCategories(out);
}

void AnomalyDetector::SaveChanges(SnapshotWriter& out) const {
  out.U8(kSnapshotVersion);
  out.I64(expired_to_);
  out.U64(forgotten_.size());
  for (const std::string& id : forgotten_) out.Bytes(id);
  uint64_t changed = 0;
  for (uint32_t index : unsaved_) changed += users_.value(index).unsaved ? 1 : 0;
  out.U64(changed);
  for (uint32_t index : unsaved_) {
    // An index listed twice (erased and reused since) is written twice: harmless.
    if (users_.value(index).unsaved) SaveUser(out, users_.id(index), users_.value(index));
  }
  SaveCategories(out);
}

void AnomalyDetector::ClearChanges() {
  // Erase resets a forgotten user's value, flag included.
  for (uint32_t index : unsaved_) users_.value(index).unsaved = false;
  unsaved_.clear();
  forgotten_.clear();
}

namespace {

// Reads one user's state (SaveUser's layout); fails `in` when it is inconsistent.
template <typename UserState>
std::string_view LoadUserInto(SnapshotReader& in, UserState& user) {
  const std::string_view id = in.Bytes();
  user.amounts.n = in.I64();
  user.amounts.mean = in.F64();
  user.amounts.m2 = in.F64();
  user.last_seen = in.I64();
  const uint32_t recent = in.U32();
  for (uint32_t r = 0; r < recent && in.status().ok(); ++r) {
    const Micros t = in.I64();
    if ((!user.recent.empty() && t < user.recent.back()) || t > user.last_seen) in.Fail();
    user.recent.push_back(t);
  }
  if (in.status().ok() && !ValidBaseline(user.amounts)) in.Fail();
  return id;
}

}  // namespace

Status AnomalyDetector::LoadCategories(SnapshotReader& in,
                                       std::map<std::string, Baseline, std::less<>>& out) {
  const uint64_t category_count = in.U64();
  for (uint64_t i = 0; i < category_count && in.status().ok(); ++i) {
    const std::string_view name = in.Bytes();
    Baseline b;
    b.n = in.I64();
    b.mean = in.F64();
    b.m2 = in.F64();
    if (!in.status().ok()) break;
    if (!ValidBaseline(b) || !out.emplace(std::string(name), b).second) in.Fail();
  }
  return in.status();
}

Status AnomalyDetector::Restore(SnapshotReader& in) {
  const uint8_t version = in.U8();
  if (!in.status().ok()) return in.status();
  if (version != kSnapshotVersion) {
    return InvalidArgument("anomaly detector snapshot has format version " +
                           std::to_string(version) + ", expected " +
                           std::to_string(kSnapshotVersion));
  }
  // Built aside so a corrupt snapshot leaves the current state alone.
  const Micros expired_to = in.I64();
  Users users;
  decltype(categories_) categories;
  const uint64_t user_count = in.U64();
  for (uint64_t i = 0; i < user_count && in.status().ok(); ++i) {
    UserState user;
    const std::string_view id = LoadUserInto(in, user);
    if (!in.status().ok()) break;
    if (users.Find(id) != Users::kNone) {
      in.Fail();
      break;
    }
    users.value(users.Insert(id)) = std::move(user);
  }
  if (Status s = LoadCategories(in, categories); !s.ok()) return s;
  users_ = std::move(users);
  categories_ = std::move(categories);
  expired_to_ = expired_to;
  unsaved_.clear();
  forgotten_.clear();
  RebuildExpiry();
  return Status::Ok();
}

Status AnomalyDetector::ApplyChanges(SnapshotReader& in) {
  const uint8_t version = in.U8();
  if (!in.status().ok()) return in.status();
  if (version != kSnapshotVersion) {
    return InvalidArgument("anomaly detector changes have format version " +
                           std::to_string(version));
  }
  expired_to_ = in.I64();
  // Forgotten users first: one forgotten and seen again since is among the changed ones.
  const uint64_t forgotten = in.U64();
  for (uint64_t i = 0; i < forgotten && in.status().ok(); ++i) {
    const uint32_t index = users_.Find(in.Bytes());
    if (index != Users::kNone) users_.Erase(index);
  }
  const uint64_t changed = in.U64();
  for (uint64_t i = 0; i < changed && in.status().ok(); ++i) {
    UserState user;
    const std::string_view id = LoadUserInto(in, user);
    if (!in.status().ok()) break;
    uint32_t index = users_.Find(id);
    if (index == Users::kNone) index = users_.Insert(id);
    users_.value(index) = std::move(user);
  }
  decltype(categories_) categories;
  if (Status s = LoadCategories(in, categories); !s.ok()) return s;
  categories_ = std::move(categories);
  RebuildExpiry();
  return Status::Ok();
}

}  // namespace gm::stream
