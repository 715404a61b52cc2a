#pragma once

// The generator's own pseudo-random numbers and distributions. std:: distributions are
// not used anywhere in the generator: their algorithms differ between standard libraries,
// and the same seed must give byte-identical output everywhere. Only std::log (glibc,
// correctly rounded in practice) is taken from libm.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace gm::generator::internal {

//! SplitMix64's finalizer: a bijective 64-bit mixer with full avalanche.
constexpr uint64_t Mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

//! A hash of (seed, salt, index): the basis of everything derived lazily from an index.
constexpr uint64_t Hash3(uint64_t seed, uint64_t salt, uint64_t index) {
  return Mix64(Mix64(seed ^ Mix64(salt)) ^ index);
}

//! A uniform double in [0, 1) from the top 53 bits of x.
inline double ToUnit(uint64_t x) { return static_cast<double>(x >> 11) * 0x1.0p-53; }

//! Maps x uniformly onto [0, n) by multiply-shift (Lemire); the bias is below n / 2^64.
inline uint64_t ToRange(uint64_t x, uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(x) * n) >> 64);
}

//! xoshiro256** (Blackman & Vigna), seeded through SplitMix64. Not thread-safe.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (uint64_t& s : s_) {
      x += 0x9E3779B97F4A7C15ULL;
      s = Mix64(x - 0x9E3779B97F4A7C15ULL);
    }
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  //! Uniform in [0, 1).
  double Uniform() { return ToUnit(Next()); }
  //! Uniform integer in [0, n); REQUIRES: n > 0.
  uint64_t Below(uint64_t n) { return ToRange(Next(), n); }
  //! Uniform integer in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  bool Bernoulli(double p) { return Uniform() < p; }
  //! Exponentially distributed with the given mean.
  double Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }
  //! Number of successes in n independent trials of probability p (n is small here).
  int Binomial(int n, double p) {
    int k = 0;
    for (int i = 0; i < n; ++i) k += Uniform() < p;
    return k;
  }
  //! Geometric on {0, 1, ...} with P(k) = (1 - q) q^k, capped at `cap`.
  int Geometric(double q, int cap) {
    if (q <= 0) return 0;
    const double k = std::floor(std::log(1.0 - Uniform()) / std::log(q));
    return k >= cap ? cap : static_cast<int>(k);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

//! Walker/Vose alias table: O(1) sampling from a fixed discrete distribution.
class AliasTable {
 public:
  AliasTable() = default;
  //! REQUIRES: weights non-empty, all ≥ 0, sum > 0.
  explicit AliasTable(const std::vector<double>& weights) {
    const size_t n = weights.size();
    prob_.assign(n, 1.0);
    alias_.resize(n);
    double sum = 0;
    for (double w : weights) sum += w;
    std::vector<double> scaled(n);
    std::vector<uint32_t> small, large;
    for (size_t i = 0; i < n; ++i) {
      alias_[i] = static_cast<uint32_t>(i);
      scaled[i] = weights[i] * static_cast<double>(n) / sum;
      (scaled[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
    }
    while (!small.empty() && !large.empty()) {
      const uint32_t s = small.back(), l = large.back();
      small.pop_back();
      prob_[s] = scaled[s];
      alias_[s] = l;
      scaled[l] = (scaled[l] + scaled[s]) - 1.0;
      if (scaled[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
  }
  size_t size() const { return prob_.size(); }
  //! An index drawn with probability proportional to its weight.
  uint32_t Sample(Rng& rng) const {
    const uint32_t i = static_cast<uint32_t>(rng.Below(prob_.size()));
    return rng.Uniform() < prob_[i] ? i : alias_[i];
  }

 private:
  std::vector<double> prob_;
  std::vector<uint32_t> alias_;
};

//! Stratified draws from a small discrete distribution on {0, 1, …}: a deck of `size` cards
//! holds each value in proportion to its probability (largest-remainder rounding, so the
//! mean is exact to within max value / size) and is dealt in random order, reshuffling as it
//! goes (incremental Fisher–Yates). Each draw has the distribution's marginal; every `size`
//! consecutive draws hold each value exactly its number of times, so totals over many draws
//! vary far less than with independent draws.
class Deck {
 public:
  Deck() = default;
  Deck(const std::vector<double>& pmf, int size) {
    std::vector<int> counts(pmf.size());
    std::vector<std::pair<double, int>> remainders;
    int total = 0;
    for (size_t v = 0; v < pmf.size(); ++v) {
      const double exact = pmf[v] * size;
      counts[v] = static_cast<int>(exact);
      total += counts[v];
      remainders.push_back({-(exact - counts[v]), static_cast<int>(v)});
    }
    std::sort(remainders.begin(), remainders.end());  // largest remainder first, then value
    for (size_t i = 0; total < size && i < remainders.size(); ++i, ++total) {
      ++counts[remainders[i].second];
    }
    for (size_t v = 0; v < counts.size(); ++v) {
      cards_.insert(cards_.end(), static_cast<size_t>(counts[v]), static_cast<int16_t>(v));
    }
  }
  //! The smallest deck of at least 1000 cards (doubling, at most 2^20) whose mean is within
  //! 0.1 % of the distribution's.
  static Deck Fitting(const std::vector<double>& pmf) {
    double mean = 0;
    for (size_t v = 0; v < pmf.size(); ++v) mean += static_cast<double>(v) * pmf[v];
    int size = 1000;
    Deck deck(pmf, size);
    while (size < (1 << 20) && std::fabs(deck.Mean() - mean) > 1e-3 * mean) {
      size *= 2;
      deck = Deck(pmf, size);
    }
    return deck;
  }
  double Mean() const {
    double sum = 0;
    for (int16_t c : cards_) sum += c;
    return cards_.empty() ? 0 : sum / static_cast<double>(cards_.size());
  }
  int Draw(Rng& rng) {
    if (next_ == cards_.size()) next_ = 0;
    const size_t j = next_ + rng.Below(cards_.size() - next_);
    std::swap(cards_[next_], cards_[j]);
    return cards_[next_++];
  }

 private:
  std::vector<int16_t> cards_;
  size_t next_ = 0;
};

//! P(k) of Binomial(n, p) for k = 0…n.
inline std::vector<double> BinomialPmf(int n, double p) {
  std::vector<double> pmf(static_cast<size_t>(n) + 1);
  for (int k = 0; k <= n; ++k) {
    double c = 1;
    for (int i = 0; i < k; ++i) c = c * (n - i) / (i + 1);
    pmf[k] = c * std::pow(p, k) * std::pow(1 - p, n - k);
  }
  return pmf;
}

//! P(k) of a geometric distribution on {0, 1, …} with P(k) ∝ q^k, the tail above `cap`
//! folded into `cap`.
inline std::vector<double> CappedGeometricPmf(double q, int cap) {
  std::vector<double> pmf(static_cast<size_t>(cap) + 1);
  double p_k = 1 - q;
  for (int k = 0; k < cap; ++k, p_k *= q) pmf[k] = p_k;
  pmf[cap] = std::pow(q, cap);
  return pmf;
}

//! Index of the first cumulative weight > u·total (u in [0, 1)), by binary search.
inline int PickCumulative(const double* cumulative, int n, double u) {
  const double x = u * cumulative[n - 1];
  int lo = 0, hi = n - 1;  // the answer is in [lo, hi]
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (x < cumulative[mid]) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

}  // namespace gm::generator::internal
