#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

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
//! repeat is read) − horizon; older first sightings are forgotten (Expire) and a repeat
//! of them counts as new. Not thread-safe.
//!
//! REQUIRES: the cutoffs given to one set (CheckAndRemember, Expire) never decrease — they
//! follow one source partition's watermark, which only grows. Then when expiry runs cannot
//! change an answer (an expired sighting is older than every later cutoff, so it would count
//! as new anyway), and CheckAndRemember expires as it goes: the table holds about one horizon
//! of ids however fast events arrive between the engine's Expire calls, which keeps it small
//! enough for the cache (each check costs one random access into it).
class DedupSet {
 public:
  //! True (a duplicate) when `hash` was first seen at or after `cutoff` (watermark −
  //! horizon). Otherwise remembers it as first seen at `event_time` and returns false.
  //! Forgets the sightings that Expire(cutoff) would.
  bool CheckAndRemember(uint64_t hash, Micros event_time, Micros cutoff) {
    if (!fifo_.empty() && fifo_.front().time < cutoff) Expire(cutoff);
    hash = Key(hash);
    if (Micros* first = Find(hash)) {
      if (*first >= cutoff) return true;
      *first = event_time;  // forgotten in all but memory: a new first sighting
    } else {
      Insert(hash, event_time);
    }
    fifo_.push_back({event_time, hash});
    ++unsaved_;
    return false;
  }

  //! Forgets first sightings before `cutoff` (they can no longer make a duplicate once
  //! the watermark only grows). Sightings leave in arrival order, so one that arrived out
  //! of order may stay a little longer: harmless, as the check compares its time.
  void Expire(Micros cutoff) {
    while (!fifo_.empty() && fifo_.front().time < cutoff) {
      const Entry e = fifo_.front();
      fifo_.pop_front();
      unsaved_ = std::min(unsaved_, fifo_.size());
      Micros* first = Find(e.hash);
      if (first != nullptr && *first == e.time) Erase(e.hash);
    }
  }

  size_t size() const { return size_; }

  void Save(SnapshotWriter& out) const {
    out.U64(size_);
    for (const Slot& slot : slots_) {
      if (slot.key == 0) continue;
      out.U64(slot.key);
      out.I64(slot.time);
    }
  }

  //! The sightings remembered since the last ClearChanges (the newest entries of the
  //! arrival-order queue), for an incremental checkpoint: applying them in order over the
  //! state saved then (ApplyChanges) gives a set that answers every later check alike.
  //! Expired sightings need no record: they answer "new" whether present or not.
  void SaveChanges(SnapshotWriter& out) const {
    const size_t n = std::min(unsaved_, fifo_.size());
    out.U64(n);
    for (size_t i = fifo_.size() - n; i < fifo_.size(); ++i) {
      out.U64(fifo_[i].hash);
      out.I64(fifo_[i].time);
    }
  }
  //! Starts recording changes afresh (after a Save or SaveChanges was committed).
  void ClearChanges() { unsaved_ = 0; }

  //! Applies what SaveChanges wrote on top of the restored state.
  Status ApplyChanges(SnapshotReader& in) { return ReadSightings(in, "corrupt dedup changes"); }

  Status Restore(SnapshotReader& in) {
    slots_.clear();
    size_ = 0;
    fifo_.clear();
    return ReadSightings(in, "corrupt dedup state");
  }

 private:
  //! Reads sightings as Save and SaveChanges write them into the table (a later sighting
  //! of an id replaces the earlier one, as CheckAndRemember does), then rebuilds the expiry
  //! queue from the table in time order: Expire relies on it being about ascending.
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
    std::vector<Entry> entries;
    entries.reserve(size_);
    for (const Slot& slot : slots_) {
      if (slot.key != 0) entries.push_back({slot.time, slot.key});
    }
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.time < b.time; });
    fifo_.assign(entries.begin(), entries.end());
    unsaved_ = 0;
    return in.status();
  }

  // An open-addressing table with linear probing and backward-shift deletion: no node
  // allocation per id (a std::unordered_map insert costs a malloc), 16 bytes per slot.
  struct Slot {
    uint64_t key = 0;  //!< 0 = empty
    Micros time = 0;
  };
  struct Entry {
    Micros time;
    uint64_t hash;
  };
  static uint64_t Key(uint64_t hash) { return hash == 0 ? 1 : hash; }
  size_t Home(uint64_t key) const { return static_cast<size_t>(key) & (slots_.size() - 1); }

  Micros* Find(uint64_t key) {
    if (slots_.empty()) return nullptr;
    for (size_t i = Home(key);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].key == key) return &slots_[i].time;
      if (slots_[i].key == 0) return nullptr;
    }
  }

  void Insert(uint64_t key, Micros time) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    size_t i = Home(key);
    while (slots_[i].key != 0) i = (i + 1) & (slots_.size() - 1);
    slots_[i] = {key, time};
    ++size_;
  }

  void Erase(uint64_t key) {
    const size_t mask = slots_.size() - 1;
    size_t i = Home(key);
    while (slots_[i].key != key) i = (i + 1) & mask;
    // Backward-shift: move later members of the probe run into the hole.
    size_t hole = i;
    for (size_t j = (i + 1) & mask; slots_[j].key != 0; j = (j + 1) & mask) {
      const size_t home = Home(slots_[j].key);
      // Move j to the hole when its home is not cyclically within (hole, j].
      const bool in_between = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!in_between) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Slot{};
    --size_;
  }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    size_ = 0;
    for (const Slot& s : old) {
      if (s.key != 0) Insert(s.key, s.time);
    }
  }

  std::vector<Slot> slots_;  //!< power-of-two size, at most 3/4 full
  size_t size_ = 0;
  std::deque<Entry> fifo_;  //!< sightings in arrival order; entries may be stale (re-sighted)
  size_t unsaved_ = 0;      //!< the newest entries of fifo_ not yet in a checkpoint
};

}  // namespace gm::stream::internal
