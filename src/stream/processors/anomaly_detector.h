#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "events/event.h"
#include "stream/catalog_lookup.h"
#include "stream/processors/id_table.h"
#include "stream/rows.h"
#include "stream/snapshot.h"

namespace gm::stream {

//! The anomaly processor of one task (DESIGN.md §6 transaction_anomalies). Every
//! transaction gets a score in [0, 1]:
//!  - rules (thresholds from Options): high_value (line-items total > high_value),
//!    unusual_quantity (any quantity > unusual_quantity), velocity (the velocity_count-th
//!    or later transaction of the user with effective time in (t − velocity_window, t]),
//!    geo_mismatch (country ≠ the catalog's home country, when the customer is known),
//!    amount_mismatch (|total_amount − line-items total| > 1 cent).
//!  - statistical: x = ln(1 + line-items total in currency units) against Welford
//!    baselines of x — the user's (used once it holds ≥ 5 transactions) and the dominant
//!    category's (the category with the largest line amount, ties → smallest name; used
//!    once it holds ≥ 30); standard deviations floored at 0.25. z = the larger upward
//!    deviation. Fires when z ≥ statistical_z.
//!  - score: any rule fired → min(1, 0.8 + 0.05 × (rules − 1) + 0.05 if statistical);
//!    else statistical → min(0.79, 0.5 + 0.1 × (z − statistical_z)); else
//!    clamp(0.49 × z / statistical_z, 0, 0.49).
//! After scoring, the transaction joins both baselines and the user's velocity history.
//! Order-sensitive: the engine calls Score in (effective time, topic, partition, offset)
//! order once the task's watermark passed it. Not thread-safe (owned by a task).
class AnomalyDetector {
 public:
  struct Options {
    Cents high_value = 500'000;
    int32_t unusual_quantity = 10;
    int32_t velocity_count = 6;
    Micros velocity_window = 60 * kMicrosPerSecond;
    double statistical_z = 3.0;
    Micros baseline_ttl = 7 * kMicrosPerDay;  //!< a user's baseline is dropped after this idle
  };
  AnomalyDetector(Options options, const CatalogLookup& catalog);

  //! Scores `tx` (at `effective_time`), appends a row to `out` when the score is ≥ 0.5,
  //! and returns the score.
  double Score(const events::Transaction& tx, Micros effective_time, std::vector<AnomalyRow>& out);
  //! Loads ahead what scoring `tx` reads among state far larger than the cache, in two
  //! steps for a transaction some way ahead of the one being scored: kFar (its user's
  //! index slot and home country), then kNear (its user's state, found through the slot).
  enum class Lookahead { kFar, kNear };
  void Prefetch(const events::Transaction& tx, Lookahead step) const;

  //! Forgets what can no longer matter once everything before `watermark` is applied:
  //! velocity entries older than the window, users idle longer than baseline_ttl.
  void Expire(Micros watermark);

  void Save(SnapshotWriter& out) const;
  //! Replaces the current state; InvalidArgument on a corrupt snapshot.
  Status Restore(SnapshotReader& in);
  //! For incremental checkpoints: the users scored and forgotten since the last
  //! ClearChanges (and the category baselines), and applying them over a restored state
  //! (InvalidArgument when corrupt).
  void SaveChanges(SnapshotWriter& out) const;
  void ClearChanges();
  Status ApplyChanges(SnapshotReader& in);

  size_t tracked_users() const { return users_.size(); }
  //! Transactions scored since the last call whose customer the catalog does not know (no
  //! home country: geo_mismatch cannot fire). Such a customer is not bad input, but counted
  //! (DESIGN.md §5).
  int64_t TakeUnknownCustomers() { return std::exchange(unknown_customers_, 0); }

 private:
  // Not copyable: it is a task's state, moved with snapshots only.
  AnomalyDetector(const AnomalyDetector&) = delete;
  AnomalyDetector& operator=(const AnomalyDetector&) = delete;

  struct Baseline {
    int64_t n = 0;
    double mean = 0;
    double m2 = 0;
  };
  struct UserState {
    Baseline amounts;
    Micros last_seen = 0;
    //! Effective times within the velocity window, ascending. A vector, not a deque: it
    //! holds a few entries, and an empty deque would still cost ~600 bytes per user.
    std::vector<Micros> recent;
    bool unsaved = false;  //!< scored since the last ClearChanges
  };

  using Users = IdTable<UserState>;
  //! When a user may be forgotten: a min-heap with one entry per user, so Expire touches
  //! only the users due, not all of them. An entry's time is a lower bound (the user may
  //! have been seen since): when it comes due, the user is erased or pushed again.
  struct Expiry {
    Micros at;      //!< the first watermark at which the user can be erased
    uint32_t user;  //!< index in users_ (stable until the user is erased)
    bool operator>(const Expiry& other) const { return at > other.at; }
  };

  //! What Score found out about one transaction, for its row.
  struct Findings {
    Cents line_total = 0;
    bool high_value = false;
    bool unusual_quantity = false;
    const events::LineItem* biggest = nullptr;  //!< the largest quantity, first on ties
    bool velocity = false;
    int64_t velocity_count = 0;  //!< the user's transactions in the window, this one included
    bool geo_mismatch = false;
    std::string_view home;  //!< the customer's home country, or empty
    bool amount_mismatch = false;
    bool statistical = false;
    double z = 0;               //!< the larger upward deviation (0 when none is used)
    bool z_from_user = true;    //!< else from the dominant category's baseline
    std::string_view dominant;  //!< the dominant category
  };

  //! The category with the largest amount in `tx` (ties → smallest name); empty when none.
  std::string_view DominantCategory(const events::Transaction& tx);
  void AppendRow(const events::Transaction& tx, const Findings& f, double score,
                 std::vector<AnomalyRow>& out) const;
  //! The first watermark at which a user last seen at `last_seen` may be forgotten.
  Micros ErasableAt(Micros last_seen) const;
  void RebuildExpiry();
  void SaveUser(SnapshotWriter& out, std::string_view id, const UserState& user) const;
  void SaveCategories(SnapshotWriter& out) const;
  static Status LoadCategories(SnapshotReader& in,
                               std::map<std::string, Baseline, std::less<>>& out);

  Options options_;
  const CatalogLookup& catalog_;
  Users users_;
  std::map<std::string, Baseline, std::less<>> categories_;
  std::vector<Expiry> expiry_;          //!< a heap ordered by `at`, smallest first
  std::vector<uint32_t> unsaved_;       //!< users scored since the last ClearChanges
  std::vector<std::string> forgotten_;  //!< users erased since the last ClearChanges
  //! The largest watermark Expire saw; velocity entries at or before it − velocity_window
  //! are dead (pruned lazily, and left out of snapshots).
  Micros expired_to_ = INT64_MIN;
  //! Scratch for Score: the transaction's amount per category (reused, no allocation).
  std::vector<std::pair<std::string_view, Cents>> category_amounts_;
  int64_t unknown_customers_ = 0;  //!< see TakeUnknownCustomers
};

}  // namespace gm::stream
