#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "events/event.h"
#include "stream/catalog_lookup.h"
#include "stream/event_order.h"
#include "stream/rows.h"
#include "stream/snapshot.h"

namespace gm::stream {

//! Sessions and carts of one task (DESIGN.md §6 Sessions, Carts):
//!  - A session is keyed by session_id; an event with a session_id that has no open session
//!    starts one. A transaction without session_id joins the user's open session that got
//!    the latest event (or no session when the user has none open). A session closes when
//!    time passes its last event + gap; an event at or after that starts a new session.
//!  - Its cart: add +q, update sets q, remove sets 0; a transaction of the session empties
//!    it. A product's price is the latest its cart events carried (else the catalog's, else
//!    0). A non-empty cart with no transaction by last activity + cart_timeout is abandoned:
//!    one CartAbandonmentRow; its reservation is released. New cart activity reserves the
//!    whole content again; a later transaction recovers the session's latest abandonment.
//!  - Reservations: every change of a cart's reserved quantities becomes a StockChange.
//! Timers fire in (time, kind: cart before close, session) order before any event at the
//! same time. Order-sensitive: the task calls On* in (effective time, topic, partition,
//! offset) order and AdvanceTo as its watermark passes. Not thread-safe (owned by a task).
class SessionTracker {
 public:
  struct Options {
    Micros gap = 2 * kMicrosPerMinute;
    Micros cart_timeout = 1 * kMicrosPerMinute;
  };
  //! Where applying events and timers writes: every row appended is the new absolute value
  //! of its key (a store keeps the last one per key).
  struct Output {
    std::vector<SessionRow>& sessions;  //!< closed sessions
    std::vector<CartAbandonmentRow>& abandonments;
    std::vector<StockChange>& stock;  //!< reservation changes
    //! The next StockChange::sub of the event being applied (the caller resets it per event).
    uint32_t sub = 0;
  };

  SessionTracker(Options options, const CatalogLookup& catalog, int32_t task);
  SessionTracker(const SessionTracker&) = delete;
  SessionTracker& operator=(const SessionTracker&) = delete;

  void OnView(const events::ProductView& view, const OrderKey& key, Output& out);
  void OnCart(const events::CartEvent& cart, const OrderKey& key, Output& out);
  //! A transaction that is not late (late ones are left out of sessions and carts).
  void OnTransaction(const events::Transaction& tx, const OrderKey& key, Output& out);
  //! Fires the timers due before `time` (everything, at INT64_MAX).
  void AdvanceTo(Micros time, Output& out);

  //! Live rows of the open sessions changed since their last live row — those whose change
  //! is at least `min_age` old by the wall clock `now`. Each call marks a round at `now`; a
  //! session first changed after the latest round at or before now − min_age waits for a
  //! later call. So an open session is written at most min_age after it changed, and the
  //! rows spread over the calls instead of coming all at once every min_age (with hundreds of
  //! thousands of open sessions, one such burst made a checkpoint take seconds).
  //! min_age 0: every changed session.
  void CollectOpen(std::vector<SessionRow>& out, Micros now = 0, Micros min_age = 0);

  void Save(SnapshotWriter& out) const;
  //! Replaces the state; InvalidArgument on a corrupt snapshot.
  Status Restore(SnapshotReader& in);
  //! For incremental checkpoints: the sessions changed and closed since the last
  //! ClearChanges, and applying them over a restored state (InvalidArgument when corrupt).
  void SaveChanges(SnapshotWriter& out) const;
  void ClearChanges();
  Status ApplyChanges(SnapshotReader& in);

  size_t open_sessions() const { return sessions_.size(); }

 private:
  struct CartLine {
    std::string product_id;
    std::string category;
    int32_t quantity = 0;
    Cents price = 0;
  };
  //! The numbers of a session's latest cart abandonment (its row, without the ids).
  struct Abandonment {
    Micros time = 0;
    int32_t products = 0;
    int64_t items = 0;
    Cents value = 0;
    Micros time_in_cart = 0;
    bool recovered = false;
    Micros recovered_at = 0;
  };
  struct Session {
    std::string session_id;
    std::string user_id;
    std::string device, country;
    Micros start = 0, last = 0;
    uint64_t touched = 0;  //!< the tracker's event count when it last got an event
    int32_t page_views = 0, cart_adds = 0, cart_removes = 0, purchases = 0;
    Cents total_amount = 0;
    std::vector<uint64_t> viewed;  //!< hashes of the distinct products viewed
    std::vector<CartLine> cart;    //!< lines with quantity 0 are dropped
    Micros first_add = 0;          //!< since the cart was last empty
    //! The last cart event (valid while the cart is non-empty); its time is the last activity.
    OrderKey last_activity_key;
    bool cart_abandoned = false;  //!< abandoned since its last activity (nothing reserved)
    //! The session's latest abandonment; null while it has none (most sessions never have
    //! one, and a million open sessions must fit in 512 MB).
    std::unique_ptr<Abandonment> abandonment;
    bool dirty = false;        //!< changed since its last live row (queued in dirty_)
    bool row_emitted = false;  //!< a row of it may be stored (one was emitted, or restored)
    bool unsaved = false;      //!< changed since the last ClearChanges
    bool cart_timer_queued = false;
  };
  enum class TimerKind : uint8_t { kCart = 0, kClose = 1 };
  //! 16 bytes (two per open session): the due time and the kind share one word, 2 × due +
  //! kind, which orders as (due, kind). Due times beyond ±2^62 µs (the year 148,000) are
  //! the ends of time.
  class Timer {
   public:
    Timer(Micros due, TimerKind kind, uint64_t session)
        : due_kind_(std::clamp(due, -kEndOfTime, kEndOfTime) * 2 + static_cast<int64_t>(kind)),
          session_(session) {}
    Micros due() const {
      const Micros due = due_kind_ >> 1;  // floor, also below 0
      return due == kEndOfTime ? INT64_MAX : due;
    }
    TimerKind kind() const { return static_cast<TimerKind>(due_kind_ & 1); }
    uint64_t session() const { return session_; }  //!< sessions_ key
    bool operator>(const Timer& o) const {
      if (due_kind_ != o.due_kind_) return due_kind_ > o.due_kind_;
      return session_ > o.session_;
    }

   private:
    static constexpr Micros kEndOfTime = INT64_MAX / 2;
    int64_t due_kind_;
    uint64_t session_;
  };

  //! Fires timers due at or before `time`.
  void FireThrough(Micros time, Output& out);
  //! The open session for an event with `session_id` at `time` (started if none).
  Session& Join(std::string_view session_id, std::string_view user_id, Micros time);
  //! Records an event of `s` at `time` (timers, user map, counters).
  void Touch(uint64_t key, Session& s, Micros time);
  void Abandon(Session& s, Output& out);
  void Close(uint64_t key, Output& out);
  static void Reserve(const CartLine& line, int64_t delta, const OrderKey& key, uint32_t& sub,
                      Output& out);
  SessionRow RowOf(const Session& s, bool closed) const;
  CartAbandonmentRow AbandonmentRowOf(const Session& s) const;
  void MarkDirty(uint64_t key, Session& s);
  static void SaveSession(SnapshotWriter& w, const Session& s);
  //! Reads one session and puts it in place of the open one with its id.
  void LoadSession(SnapshotReader& r);
  //! Rebuilds the timers and the users' latest sessions from sessions_.
  void Reindex();
  //! Queues the cart timer of `s` when its cart is waiting to be abandoned and none is queued.
  void ScheduleCart(uint64_t key, Session& s);

  Options options_;
  const CatalogLookup& catalog_;
  int32_t task_;
  uint64_t events_ = 0;
  std::unordered_map<uint64_t, Session> sessions_;         //!< by hash of session_id
  std::unordered_map<uint64_t, uint64_t> latest_of_user_;  //!< user hash → session key
  //! At most one close and one cart timer per session. A timer found early (the session got
  //! events since) is queued again at its new time, so firing order does not depend on
  //! when timers were queued.
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  //! Sessions marked dirty and not yet collected, in the order they became dirty; the
  //! front one is the dirty_popped_-th ever pushed.
  std::deque<uint64_t> dirty_;
  uint64_t dirty_popped_ = 0;
  //! CollectOpen's rounds: (wall time, how many sessions had been pushed to dirty_ by then).
  std::deque<std::pair<Micros, uint64_t>> rounds_;
  std::vector<uint64_t> unsaved_;        //!< sessions changed since the last ClearChanges
  std::vector<std::string> closed_ids_;  //!< sessions closed since the last ClearChanges
};

}  // namespace gm::stream
