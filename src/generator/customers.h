#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "common/time.h"

namespace gm::generator {

//! Home countries of the customer population.
enum class Country : uint8_t { kUsa = 0, kUk, kCanada, kGermany, kFrance };
inline constexpr int kCountryCount = 5;

struct City {
  std::string_view name;
  double latitude = 0;
  double longitude = 0;
  int32_t utc_offset_minutes = 0;  //!< standard time
};

struct CountryInfo {
  std::string_view name;      //!< as events carry it: "USA", "UK", "Canada", "Germany", "France"
  std::string_view currency;  //!< ISO 4217: USD, GBP, CAD, EUR
  double share = 0;           //!< fraction of customers living there (40/20/15/15/10 %)
  int32_t city_count = 0;
};

//! How often a customer shops relative to others (heavy = 16×, regular = 4×, occasional = 1×).
enum class Activity : uint8_t { kHeavy, kRegular, kOccasional };

//! What the simulator needs about a customer on its hot path; no strings.
struct CustomerTraits {
  Country country = Country::kUsa;
  uint8_t city = 0;                    //!< index into the country's cities
  std::array<uint8_t, 3> preferred{};  //!< three distinct category indices
  Activity activity = Activity::kOccasional;
};

struct Customer {
  int64_t index = 0;
  std::string user_id;     //!< "U" + the 1-based index, zero-padded to 8 digits
  std::string first_name;  //!< UTF-8
  std::string last_name;
  std::string email;  //!< ASCII, unique: first.last + index at a reserved example domain
  int32_t age = 0;    //!< 18–80
  Country country = Country::kUsa;
  int32_t city = 0;
  std::string_view city_name;
  double latitude = 0;
  double longitude = 0;
  int32_t utc_offset_minutes = 0;
  Micros signup = 0;  //!< midnight UTC of the signup day, within 5 years before the reference
  std::array<int32_t, 3> preferred_categories{};
  Activity activity = Activity::kOccasional;
};

//! A population of `count` customers derived lazily from the index: nothing is stored per
//! customer, so 10 million or more cost no memory. Customer i is a pure function of (seed, i,
//! reference day) — independent of `count` — except for the home country and activity,
//! which come from i's place in a seeded permutation of [0, count) so that the simulator
//! can draw a customer of a given country in O(1) (countries are 40/20/15/15/10 %; within
//! each country 5 % heavy, 25 % regular, 70 % occasional shoppers).
//! Immutable; safe to share between threads.
class Customers {
 public:
  //! `reference` is the first event time: signup dates fall in the 5 years before its day.
  //! REQUIRES: count ≥ 1.
  Customers(int64_t count, uint64_t seed, Micros reference);

  int64_t size() const { return count_; }
  //! REQUIRES: 0 ≤ index < size(). Allocates the strings; not for hot paths.
  Customer Get(int64_t index) const;
  //! Cheap (a few multiplications).
  Country HomeCountry(int64_t index) const;
  CustomerTraits Traits(int64_t index) const;

  //! A customer living in `country`, skewed towards heavy shoppers, from two random words.
  //! Returns -1 when nobody lives there (tiny populations).
  int64_t Pick(Country country, uint64_t r1, uint64_t r2) const;

  static void AppendUserId(int64_t index, std::string& out);
  //! The index an id names when it is one this population produced, else nullopt.
  std::optional<int64_t> Find(std::string_view user_id) const;

  static std::span<const CountryInfo> countries();
  static const City& city(Country country, int index);

  //! Writes a header and all size() rows: user_id, first_name, last_name, email, age,
  //! country, city, latitude, longitude, utc_offset_minutes, signup_date,
  //! preferred_categories (';'-separated names), activity. Calls `progress(rows written)`
  //! every 1,000,000 rows when given.
  void WriteCsv(std::ostream& out, const std::function<void(int64_t)>& progress = {}) const;

 private:
  int64_t Position(int64_t index) const;  // index → place in the country/activity layout
  int64_t IndexAt(int64_t position) const;

  int64_t count_;
  uint64_t seed_;
  int64_t reference_day_;
  uint64_t mul_ = 1, mul_inverse_ = 1, offset_ = 0;  // the affine permutation mod count_
  std::array<int64_t, kCountryCount + 1> block_start_{};
};

}  // namespace gm::generator
