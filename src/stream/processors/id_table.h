#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "common/prefetch.h"

namespace gm::stream {

//! A map from string ids (user ids) to V for per-key processor state, laid out for a hot
//! path that looks up one id per event among hundreds of thousands: entries live in one
//! vector and keep their index until erased (so other structures can refer to them by
//! index), and an open-addressing index of 8-byte slots (a 32-bit hash tag and the entry's
//! index) finds them with about one cache miss in the index and one in the entry, where a
//! std::unordered_map needs a bucket, a node and its predecessor. Iteration (ForEach) is a
//! sequential walk over the entries. Erased entries are reused by later inserts. Not
//! thread-safe.
template <typename V>
class IdTable {
 public:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

  //! The index of `id`, or kNone.
  uint32_t Find(std::string_view id) const {
    if (slots_.empty()) return kNone;
    const uint32_t tag = Tag(id);
    for (size_t i = tag & Mask();; i = (i + 1) & Mask()) {
      const Slot& s = slots_[i];
      if (s.index == kNone) return kNone;
      if (s.tag == tag && entries_[s.index].id == id) return s.index;
    }
  }

  //! Starts loading the index slot where Find(id) begins.
  void PrefetchSlot(std::string_view id) const {
    if (!slots_.empty()) PrefetchForRead(&slots_[Tag(id) & Mask()]);
  }
  //! Starts loading id's entry (its slot should be loaded by now: PrefetchSlot a few
  //! lookups earlier). Nothing when absent.
  void PrefetchEntry(std::string_view id) const {
    if (const uint32_t index = Find(id); index != kNone) PrefetchForRead(&entries_[index]);
  }

  //! Adds `id` with a value-initialized V and returns its index. REQUIRES: Find(id) == kNone.
  uint32_t Insert(std::string_view id) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    uint32_t index;
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
    } else {
      index = static_cast<uint32_t>(entries_.size());
      entries_.emplace_back();
    }
    Entry& e = entries_[index];
    e.id.assign(id);
    e.value = V{};
    e.live = true;
    Place(Tag(id), index);
    ++size_;
    return index;
  }

  //! Removes the entry at `index` (its index may be handed out again by Insert).
  //! REQUIRES: the entry is live.
  void Erase(uint32_t index) {
    const size_t mask = Mask();
    size_t i = Tag(entries_[index].id) & mask;
    while (slots_[i].index != index) i = (i + 1) & mask;
    // Backward-shift deletion: move later members of the probe run into the hole.
    size_t hole = i;
    for (size_t j = (i + 1) & mask; slots_[j].index != kNone; j = (j + 1) & mask) {
      const size_t home = slots_[j].tag & mask;
      const bool in_between = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!in_between) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Slot{};
    Entry& e = entries_[index];
    e.live = false;
    e.value = V{};
    free_.push_back(index);
    --size_;
  }

  std::string_view id(uint32_t index) const { return entries_[index].id; }
  V& value(uint32_t index) { return entries_[index].value; }
  const V& value(uint32_t index) const { return entries_[index].value; }
  size_t size() const { return size_; }

  //! Calls fn(index, id, value) for every entry, in index order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (size_t i = 0; i < entries_.size(); ++i) {
      const Entry& e = entries_[i];
      if (e.live) fn(static_cast<uint32_t>(i), std::string_view(e.id), e.value);
    }
  }

 private:
  struct Entry {
    std::string id;
    V value{};
    bool live = false;
  };
  struct Slot {
    uint32_t tag = 0;
    uint32_t index = kNone;  //!< kNone = empty
  };

  // The slot index is taken from the tag's low bits, so the tag alone finds an entry's
  // home (Erase and Grow need no second hash of the id).
  static uint32_t Tag(std::string_view id) {
    const uint64_t h = std::hash<std::string_view>{}(id);
    return static_cast<uint32_t>(h ^ (h >> 32));
  }
  size_t Mask() const { return slots_.size() - 1; }

  void Place(uint32_t tag, uint32_t index) {
    size_t i = tag & Mask();
    while (slots_[i].index != kNone) i = (i + 1) & Mask();
    slots_[i] = Slot{tag, index};
  }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    for (const Slot& s : old) {
      if (s.index != kNone) Place(s.tag, s.index);
    }
  }

  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;  //!< indexes of erased entries
  std::vector<Slot> slots_;     //!< power-of-two size, at most half full
  size_t size_ = 0;
};

}  // namespace gm::stream
