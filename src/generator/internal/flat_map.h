#pragma once

// Allocation-free (in steady state) containers for the simulator's hot path.

#include <cstdint>
#include <vector>

#include "generator/internal/random.h"

namespace gm::generator::internal {

//! Open-addressed hash map from non-negative int64 keys to V: linear probing, power-of-two
//! capacity kept at most half full, backward-shift deletion (no tombstones). Memory grows
//! with the largest number of live keys and is then reused.
template <typename V>
class FlatMap {
 public:
  explicit FlatMap(size_t initial_capacity = 1024) { Rehash(initial_capacity); }

  size_t size() const { return size_; }

  //! The value of `key`, or nullptr.
  V* Find(int64_t key) {
    for (size_t i = Slot(key);; i = (i + 1) & mask_) {
      if (keys_[i] == key) return &values_[i];
      if (keys_[i] == kEmpty) return nullptr;
    }
  }

  //! The value of `key`, default-constructed first when absent. REQUIRES: key ≥ 0.
  V& operator[](int64_t key) {
    if ((size_ + 1) * 2 > keys_.size()) Rehash(keys_.size() * 2);
    size_t i = Slot(key);
    for (; keys_[i] != kEmpty; i = (i + 1) & mask_) {
      if (keys_[i] == key) return values_[i];
    }
    keys_[i] = key;
    values_[i] = V();
    ++size_;
    return values_[i];
  }

  //! Removes `key` if present.
  void Erase(int64_t key) {
    size_t i = Slot(key);
    for (; keys_[i] != key; i = (i + 1) & mask_) {
      if (keys_[i] == kEmpty) return;
    }
    // Shift later members of the probe run back so lookups never stop early.
    size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (keys_[j] == kEmpty) break;
      const size_t home = Slot(keys_[j]);
      // Move j into the hole at i unless its home lies cyclically in (i, j].
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      keys_[i] = keys_[j];
      values_[i] = values_[j];
      i = j;
    }
    keys_[i] = kEmpty;
    --size_;
  }

 private:
  static constexpr int64_t kEmpty = -1;

  size_t Slot(int64_t key) const { return Mix64(static_cast<uint64_t>(key)) & mask_; }

  void Rehash(size_t capacity) {
    std::vector<int64_t> old_keys(capacity, kEmpty);
    std::vector<V> old_values(capacity);
    old_keys.swap(keys_);
    old_values.swap(values_);
    mask_ = capacity - 1;
    size_ = 0;
    for (size_t i = 0; i < old_keys.size(); ++i) {
      if (old_keys[i] != kEmpty) (*this)[old_keys[i]] = old_values[i];
    }
  }

  std::vector<int64_t> keys_;
  std::vector<V> values_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

//! A FIFO queue on a growable ring buffer.
template <typename T>
class RingQueue {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  const T& front() const { return items_[head_]; }
  void pop() {
    head_ = (head_ + 1) & (items_.size() - 1);
    --size_;
  }
  void push(const T& item) {
    if (size_ == items_.size()) Grow();
    items_[(head_ + size_) & (items_.size() - 1)] = item;
    ++size_;
  }

 private:
  void Grow() {
    std::vector<T> bigger(items_.empty() ? 256 : items_.size() * 2);
    for (size_t i = 0; i < size_; ++i) bigger[i] = items_[(head_ + i) & (items_.size() - 1)];
    items_.swap(bigger);
    head_ = 0;
  }
  std::vector<T> items_;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace gm::generator::internal
