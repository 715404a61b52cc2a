#include "generator/customers.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <vector>

#include "generator/catalog.h"
#include "generator/internal/csv.h"
#include "generator/internal/random.h"
#include "generator/internal/world_data.h"

namespace gm::generator {
namespace {

using internal::Hash3;
using internal::Rng;

constexpr uint64_t kSaltCustomer = 0x63757374;
constexpr uint64_t kSaltLayout = 0x6c61796f;
constexpr int kSignupWindowDays = 5 * 365 + 1;
constexpr std::string_view kDomains[] = {"example.com", "example.net", "example.org",
                                         "mail.example"};

// Static per-country tables built once: public City views and cumulative city weights.
struct GeoTables {
  std::array<std::vector<City>, kCountryCount> cities;
  std::array<std::vector<double>, kCountryCount> city_cumulative;
  std::array<CountryInfo, kCountryCount> countries;
  std::vector<double> category_cumulative;  // base category weights, for preferences
};

const GeoTables& Geo() {
  static const GeoTables* tables = [] {
    auto* t = new GeoTables();
    const auto data = internal::CountryTable();
    assert(data.size() == kCountryCount);
    for (int c = 0; c < kCountryCount; ++c) {
      double sum = 0;
      for (const internal::CityData& city : data[c].cities) {
        t->cities[c].push_back({city.name, city.latitude, city.longitude, city.utc_offset_minutes});
        sum += city.weight;
        t->city_cumulative[c].push_back(sum);
      }
      t->countries[c] = {data[c].name, data[c].currency, data[c].share,
                         static_cast<int32_t>(data[c].cities.size())};
    }
    double sum = 0;
    for (const internal::CategoryData& cat : internal::CategoryTable()) {
      sum += cat.weight;
      t->category_cumulative.push_back(sum);
    }
    return t;
  }();
  return *tables;
}

uint64_t ModInverse(uint64_t a, uint64_t m) {
  // Extended Euclid over signed 128-bit to avoid overflow for any m < 2^63.
  __int128 t = 0, new_t = 1, r = m, new_r = a;
  while (new_r != 0) {
    const __int128 q = r / new_r;
    const __int128 tt = t - q * new_t;
    t = new_t;
    new_t = tt;
    const __int128 rr = r - q * new_r;
    r = new_r;
    new_r = rr;
  }
  if (t < 0) t += m;
  return static_cast<uint64_t>(t);
}

uint64_t MulMod(uint64_t a, uint64_t b, uint64_t m) {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(a) * b % m);
}

// Lower-case ASCII for e-mail local parts: common accented letters transliterated, the
// rest of non-letters dropped.
void AppendAscii(std::string_view utf8, std::string& out) {
  for (size_t i = 0; i < utf8.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      if (c >= 'A' && c <= 'Z')
        out.push_back(static_cast<char>(c - 'A' + 'a'));
      else if (c >= 'a' && c <= 'z')
        out.push_back(static_cast<char>(c));
      continue;
    }
    if (c != 0xC3 || i + 1 >= utf8.size()) continue;
    switch (static_cast<unsigned char>(utf8[++i])) {
      case 0xA4:
      case 0x84:
        out.append("ae");
        break;
      case 0xB6:
      case 0x96:
        out.append("oe");
        break;
      case 0xBC:
      case 0x9C:
        out.append("ue");
        break;
      case 0x9F:
        out.append("ss");
        break;
      case 0xA9:
      case 0xA8:
      case 0xAA:
      case 0xAB:
      case 0x89:
      case 0x88:
        out.push_back('e');
        break;
      case 0xA0:
      case 0xA2:
        out.push_back('a');
        break;
      case 0xA7:
        out.push_back('c');
        break;
      case 0xB4:
        out.push_back('o');
        break;
      case 0xAE:
      case 0xAF:
        out.push_back('i');
        break;
      case 0xBB:
      case 0xB9:
        out.push_back('u');
        break;
      default:
        break;
    }
  }
}

std::string_view ActivityName(Activity a) {
  switch (a) {
    case Activity::kHeavy:
      return "heavy";
    case Activity::kRegular:
      return "regular";
    case Activity::kOccasional:
      return "occasional";
  }
  return "occasional";
}

// Sizes of the activity tiers inside a country block of n customers.
void TierSizes(int64_t n, int64_t* heavy, int64_t* regular) {
  *heavy = (n * 5 + 99) / 100;
  *regular = std::min(n - *heavy, (n * 25 + 99) / 100);
}

constexpr double kTierWeight[3] = {16, 4, 1};  // heavy, regular, occasional

}  // namespace

Customers::Customers(int64_t count, uint64_t seed, Micros reference) : count_(count), seed_(seed) {
  assert(count >= 1);
  reference_day_ = reference >= 0 ? reference / kMicrosPerDay
                                  : -((-reference + kMicrosPerDay - 1) / kMicrosPerDay);
  const uint64_t n = static_cast<uint64_t>(count);
  // An affine permutation p = (mul·i + offset) mod n scatters the country/activity layout
  // over the indices; mul near n/φ keeps consecutive indices far apart.
  mul_ = static_cast<uint64_t>(static_cast<double>(n) * 0.6180339887498949) | 1;
  mul_ += internal::Mix64(seed ^ kSaltLayout) % 64 * 2;
  if (mul_ >= n) mul_ %= n;
  while (std::gcd(mul_, n) != 1) ++mul_;
  mul_inverse_ = n == 1 ? 0 : ModInverse(mul_ % n, n);
  offset_ = internal::Mix64(seed + kSaltLayout) % n;
  double cumulative = 0;
  for (int c = 0; c < kCountryCount; ++c) {
    block_start_[c] = static_cast<int64_t>(cumulative * static_cast<double>(n) + 0.5);
    cumulative += internal::CountryTable()[c].share;
  }
  block_start_[kCountryCount] = count;
}

int64_t Customers::Position(int64_t index) const {
  const uint64_t n = static_cast<uint64_t>(count_);
  return static_cast<int64_t>((MulMod(mul_, static_cast<uint64_t>(index), n) + offset_) % n);
}

int64_t Customers::IndexAt(int64_t position) const {
  const uint64_t n = static_cast<uint64_t>(count_);
  const uint64_t shifted = (static_cast<uint64_t>(position) + n - offset_) % n;
  return static_cast<int64_t>(MulMod(mul_inverse_, shifted, n));
}

Country Customers::HomeCountry(int64_t index) const {
  const int64_t p = Position(index);
  int c = 0;
  while (p >= block_start_[c + 1]) ++c;
  return static_cast<Country>(c);
}

CustomerTraits Customers::Traits(int64_t index) const {
  CustomerTraits t;
  const int64_t p = Position(index);
  int c = 0;
  while (p >= block_start_[c + 1]) ++c;
  t.country = static_cast<Country>(c);
  int64_t heavy, regular;
  TierSizes(block_start_[c + 1] - block_start_[c], &heavy, &regular);
  const int64_t within = p - block_start_[c];
  t.activity = within < heavy             ? Activity::kHeavy
               : within < heavy + regular ? Activity::kRegular
                                          : Activity::kOccasional;

  Rng rng(Hash3(seed_, kSaltCustomer, static_cast<uint64_t>(index)));
  const GeoTables& geo = Geo();
  const auto& cities = geo.city_cumulative[c];
  t.city = static_cast<uint8_t>(
      internal::PickCumulative(cities.data(), static_cast<int>(cities.size()), rng.Uniform()));
  const auto& cats = geo.category_cumulative;
  for (int k = 0; k < 3; ++k) {
    int pick;
    bool repeated;
    do {
      pick = internal::PickCumulative(cats.data(), static_cast<int>(cats.size()), rng.Uniform());
      repeated = false;
      for (int j = 0; j < k; ++j) repeated |= t.preferred[j] == pick;
    } while (repeated);
    t.preferred[k] = static_cast<uint8_t>(pick);
  }
  return t;
}

int64_t Customers::Pick(Country country, uint64_t r1, uint64_t r2) const {
  const int c = static_cast<int>(country);
  const int64_t start = block_start_[c], n = block_start_[c + 1] - start;
  if (n <= 0) return -1;
  int64_t heavy, regular;
  TierSizes(n, &heavy, &regular);
  const int64_t sizes[3] = {heavy, regular, n - heavy - regular};
  const double total = sizes[0] * kTierWeight[0] + sizes[1] * kTierWeight[1] + sizes[2];
  double x = internal::ToUnit(r1) * total;
  int64_t begin = start;
  int tier = 0;
  for (; tier < 2; ++tier) {
    const double w = static_cast<double>(sizes[tier]) * kTierWeight[tier];
    if (x < w && sizes[tier] > 0) break;
    x -= w;
    begin += sizes[tier];
  }
  if (sizes[tier] == 0) return IndexAt(start);
  return IndexAt(begin + static_cast<int64_t>(internal::ToRange(r2, sizes[tier])));
}

Customer Customers::Get(int64_t index) const {
  assert(index >= 0 && index < count_);
  const CustomerTraits t = Traits(index);
  const internal::CountryData& data = internal::CountryTable()[static_cast<int>(t.country)];
  // A second stream so the traits' draws and these stay independent of each other.
  Rng rng(Hash3(seed_, kSaltCustomer + 1, static_cast<uint64_t>(index)));
  Customer c;
  c.index = index;
  AppendUserId(index, c.user_id);
  c.first_name = data.first_names[rng.Below(data.first_names.size())];
  c.last_name = data.last_names[rng.Below(data.last_names.size())];
  AppendAscii(c.first_name, c.email);
  c.email.push_back('.');
  AppendAscii(c.last_name, c.email);
  c.email.push_back('.');
  internal::AppendPadded(index + 1, 1, c.email);
  c.email.push_back('@');
  c.email.append(kDomains[rng.Below(std::size(kDomains))]);
  // Online shoppers skew young: 18–80 with the bulk between 25 and 50.
  const double u = (rng.Uniform() + rng.Uniform()) / 2;
  c.age = 18 + static_cast<int32_t>(62 * std::pow(u, 1.5) + 0.5);
  c.country = t.country;
  c.city = t.city;
  const City& city = Customers::city(t.country, t.city);
  c.city_name = city.name;
  c.latitude = city.latitude;
  c.longitude = city.longitude;
  c.utc_offset_minutes = city.utc_offset_minutes;
  c.signup =
      (reference_day_ - 1 - static_cast<int64_t>(rng.Below(kSignupWindowDays))) * kMicrosPerDay;
  for (int k = 0; k < 3; ++k) c.preferred_categories[k] = t.preferred[k];
  c.activity = t.activity;
  return c;
}

void Customers::AppendUserId(int64_t index, std::string& out) {
  out.push_back('U');
  internal::AppendPadded(index + 1, 8, out);
}

std::optional<int64_t> Customers::Find(std::string_view user_id) const {
  std::optional<int64_t> n = internal::ParsePaddedId(user_id, 'U', 8);
  if (!n || *n < 1 || *n > count_) return std::nullopt;
  return *n - 1;
}

std::span<const CountryInfo> Customers::countries() { return Geo().countries; }

const City& Customers::city(Country country, int index) {
  return Geo().cities[static_cast<int>(country)][index];
}

void Customers::WriteCsv(std::ostream& out, const std::function<void(int64_t)>& progress) const {
  std::string buf =
      "user_id,first_name,last_name,email,age,country,city,latitude,longitude,"
      "utc_offset_minutes,signup_date,preferred_categories,activity\n";
  const auto categories = Catalog::categories();
  for (int64_t i = 0; i < count_; ++i) {
    const Customer c = Get(i);
    buf.append(c.user_id);
    buf.push_back(',');
    internal::AppendCsvField(c.first_name, buf);
    buf.push_back(',');
    internal::AppendCsvField(c.last_name, buf);
    buf.push_back(',');
    buf.append(c.email);
    buf.push_back(',');
    internal::AppendPadded(c.age, 1, buf);
    buf.push_back(',');
    buf.append(countries()[static_cast<int>(c.country)].name);
    buf.push_back(',');
    internal::AppendCsvField(c.city_name, buf);
    buf.push_back(',');
    internal::AppendFixed(c.latitude, 4, buf);
    buf.push_back(',');
    internal::AppendFixed(c.longitude, 4, buf);
    buf.push_back(',');
    buf.append(std::to_string(c.utc_offset_minutes));
    buf.push_back(',');
    buf.append(FormatTimestamp(c.signup), 0, 10);
    buf.push_back(',');
    for (int k = 0; k < 3; ++k) {
      if (k > 0) buf.push_back(';');
      buf.append(categories[c.preferred_categories[k]].name);
    }
    buf.push_back(',');
    buf.append(ActivityName(c.activity));
    buf.push_back('\n');
    if (buf.size() > (1 << 16)) {
      out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
    if (progress && (i + 1) % 1'000'000 == 0) progress(i + 1);
  }
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
}

}  // namespace gm::generator
