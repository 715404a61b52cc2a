#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "common/prefetch.h"
#include "common/status.h"
#include "common/time.h"
#include "stream/snapshot.h"

namespace gm::stream::internal {

//! A stable 64-bit hash of an event id (FNV-1a with a final avalanche): the same on every
//! build, because snapshots store it. Two of a million ids collide with a chance of ~3e-8.
inline uint64_t IdHash(std::string_view id) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

//! The ids of one topic seen by one task (DESIGN.md §6 Duplicates). An id is a duplicate
//! when it was first seen at an event time ≥ (the source partition's watermark when the
//! repeat is read) − horizon; older first sightings are forgotten and a repeat of them
//! counts as new. Not thread-safe.
//!
//! REQUIRES: the cutoffs given to one set (CheckAndRemember, Expire) never decrease — they
//! follow one source partition's watermark, which only grows. Then a sighting older than
//! the latest cutoff can never make a duplicate again, so it is as good as gone: the table
//! forgets lazily. A check treats such a slot as empty (and reuses it for the id), and when
//! the table fills up it is rebuilt without them before it may grow. A check therefore costs
//! one random access and expiry none, and the table holds a few horizons of ids however
//! fast events arrive.
class DedupSet {
 public:
  //! True (a duplicate) when `hash` was first seen at or after `cutoff` (watermark −
  //! horizon). Otherwise remembers it as first seen at `event_time` and returns false.
  bool CheckAndRemember(uint64_t hash, Micros event_time, Micros cutoff) {
    Expire(cutoff);
    hash = Key(hash);
    if (Micros* first = Find(hash)) {
      if (*first >= cutoff) return true;
      *first = event_time;  // forgotten in all but memory: a new first sighting
    } else {
      Insert(hash, event_time);
    }
    unsaved_.push_back({hash, event_time});
    return false;
  }

  //! Starts loading the slots where `hash`'s check will begin, so a check issued a few
  //! events later finds them in the cache (the table is far larger than the cache: without
  //! this, every check waits for memory).
  void Prefetch(uint64_t hash) const {
    if (slots_.empty()) return;
    PrefetchForRead(&slots_[Home(Key(hash))]);
  }

  //! Forgets first sightings before `cutoff` (they can no longer make a duplicate once
  //! the watermark only grows); their slots are reclaimed when the table fills up.
  void Expire(Micros cutoff) { cutoff_ = std::max(cutoff_, cutoff); }

  //! The sightings held, forgotten ones whose slots were not reclaimed yet included (what
  //! the table's memory is sized for).
  size_t size() const { return size_; }

  void Save(SnapshotWriter& out) const {
    size_t live = 0;
    for (const Slot& slot : slots_) live += IsLive(slot) ? 1 : 0;
    out.U64(live);
    for (const Slot& slot : slots_) {
      if (!IsLive(slot)) continue;
      out.U64(slot.key);
      out.I64(slot.time);
    }
  }

  //! The sightings remembered since the last ClearChanges, in order, for an incremental
  //! checkpoint: applying them over the state saved then (ApplyChanges) gives a set that
  //! answers every later check alike. Forgotten sightings need no record: they answer
  //! "new" whether present or not.
  void SaveChanges(SnapshotWriter& out) const {
    size_t live = 0;
    for (const Slot& s : unsaved_) live += IsLive(s) ? 1 : 0;
    out.U64(live);
    for (const Slot& s : unsaved_) {
      if (!IsLive(s)) continue;
      out.U64(s.key);
      out.I64(s.time);
    }
  }
  //! Starts recording changes afresh (after a Save or SaveChanges was committed).
  void ClearChanges() { unsaved_.clear(); }

  //! Applies what SaveChanges wrote on top of the restored state.
  Status ApplyChanges(SnapshotReader& in) { return ReadSightings(in, "corrupt dedup changes"); }

  Status Restore(SnapshotReader& in) {
    slots_.clear();
    size_ = 0;
    cutoff_ = std::numeric_limits<Micros>::min();  // the restored watermark may be older
    unsaved_.clear();
    return ReadSightings(in, "corrupt dedup state");
  }

 private:
  // An open-addressing table with linear probing: no node allocation per id (a
  // std::unordered_map insert costs a malloc), 16 bytes per slot.
  struct Slot {
    uint64_t key = 0;  //!< 0 = empty
    Micros time = 0;
  };

  //! Reads sightings as Save and SaveChanges write them into the table (a later sighting
  //! of an id replaces the earlier one, as CheckAndRemember does).
  Status ReadSightings(SnapshotReader& in, const char* corrupt) {
    const uint64_t n = in.U64();
    if (!in.status().ok() || n > (1ULL << 32)) return InvalidArgument(corrupt);
    for (uint64_t i = 0; i < n && in.status().ok(); ++i) {
      const uint64_t key = Key(in.U64());
      const Micros time = in.I64();
      if (Micros* first = Find(key)) {
        *first = time;
      } else {
        Insert(key, time);
      }
    }
    return in.status();
  }

  bool IsLive(const Slot& slot) const { return slot.key != 0 && slot.time >= cutoff_; }
  static uint64_t Key(uint64_t hash) { return hash == 0 ? 1 : hash; }
  //! Where a key's probe starts: the first slot of a 64-byte cache line (line_shift_ finds
  //! the lines in the table as malloc placed it), so most probes end within the one line
  //! Prefetch loads. (A table of 64-byte-aligned lines needs aligned allocations; with
  //! those, the live RSS benchmark ran 150–200 MB higher.)
  size_t Home(uint64_t key) const {
    const size_t mask = slots_.size() - 1;
    return ((static_cast<size_t>(key) & mask & ~(kSlotsPerLine - 1)) + line_shift_) & mask;
  }

  Micros* Find(uint64_t key) {
    if (slots_.empty()) return nullptr;
    for (size_t i = Home(key);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].key == key) return &slots_[i].time;
      if (slots_[i].key == 0) return nullptr;
    }
  }

  void Insert(uint64_t key, Micros time) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Rebuild();
    size_t i = Home(key);
    while (slots_[i].key != 0) i = (i + 1) & (slots_.size() - 1);
    slots_[i] = {key, time};
    ++size_;
  }

  //! Reinserts the live sightings into a table of the same size, or twice the size when
  //! they would fill more than 3/8 of it (so a rebuild is due again only after as many
  //! inserts as it moved: constant time per insert, amortised).
  void Rebuild() {
    std::vector<Slot> old = std::move(slots_);
    size_t live = 0;
    for (const Slot& s : old) live += IsLive(s) ? 1 : 0;
    size_t capacity = old.empty() ? 1024 : old.size();
    if (live * 8 > capacity * 3) capacity *= 2;
    slots_.assign(capacity, Slot{});
    const auto address = reinterpret_cast<uintptr_t>(slots_.data());
    line_shift_ = (kLineBytes - address % kLineBytes) % kLineBytes / sizeof(Slot);
    size_ = 0;
    for (const Slot& s : old) {
      if (IsLive(s)) Insert(s.key, s.time);
    }
  }

  static constexpr size_t kLineBytes = 64;
  static constexpr size_t kSlotsPerLine = kLineBytes / sizeof(Slot);
  std::vector<Slot> slots_;  //!< power-of-two size, at most 3/4 full
  size_t line_shift_ = 0;    //!< slots from slots_.data() to the first line boundary
  size_t size_ = 0;          //!< occupied slots (live or forgotten)
  Micros cutoff_ = std::numeric_limits<Micros>::min();  //!< the latest cutoff seen
  std::vector<Slot> unsaved_;  //!< sightings since the last ClearChanges, in order
};

}  // namespace gm::stream::internal
