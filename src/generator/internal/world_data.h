#pragma once

// The static tables the synthetic world is built from: categories with price ranges and
// naming words, brands, countries with real cities, and per-country name lists. Internal
// to the generator; the public view is catalog.h / customers.h.

#include <cstdint>
#include <span>
#include <string_view>

namespace gm::generator::internal {

//! When a category sells best, in the shopper's local time.
enum class HourClass : uint8_t { kMorning, kDaytime, kEvening, kLate, kFlat };
inline constexpr int kHourClassCount = 5;

//! Which brand list a category's products draw from.
enum class BrandGroup : uint8_t {
  kTech,
  kFashion,
  kHome,
  kDiy,
  kFood,
  kBeauty,
  kSport,
  kKids,
  kMedia,
  kPet,
  kTravel
};
inline constexpr int kBrandGroupCount = 11;

struct CategoryData {
  std::string_view name;  //!< ≤ 15 characters, so line items stay in the SSO buffer
  int32_t min_usd;        //!< cheapest product, whole currency units
  int32_t max_usd;        //!< dearest product
  double weight;          //!< base share of browsing
  HourClass hours;
  BrandGroup brands;
  std::string_view nouns;  //!< '|'-separated product nouns, e.g. "Smartphone|Phone"
};

std::span<const CategoryData> CategoryTable();  //!< exactly 100 entries
std::span<const std::string_view> Brands(BrandGroup group);
std::span<const std::string_view> SeriesWords();

//! Relative activity by local hour of day (0–23) of a category class, and of all shopping.
double HourWeight(HourClass hours, int hour);
double ShoppingHourWeight(double hour);  //!< low 2–6 am, peak 8–10 pm; interpolated
double WeekdayWeight(int weekday);       //!< 0 = Monday … 6 = Sunday; weekend higher

struct CityData {
  std::string_view name;
  double latitude;
  double longitude;
  int32_t utc_offset_minutes;  //!< standard time (no daylight saving)
  double weight;               //!< population, millions
};

struct CountryData {
  std::string_view name;  //!< as events carry it: "USA", "UK", "Canada", "Germany", "France"
  std::string_view currency;
  double share;                     //!< share of customers
  int32_t main_utc_offset_minutes;  //!< where most of its shoppers live
  std::span<const CityData> cities;
  std::span<const std::string_view> first_names;  //!< UTF-8
  std::span<const std::string_view> last_names;   //!< UTF-8
  std::span<const std::string_view> payment_methods;
  std::span<const double> payment_weights;
};

std::span<const CountryData> CountryTable();  //!< exactly 5 entries, in Country order

}  // namespace gm::generator::internal
