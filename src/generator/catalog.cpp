#include "generator/catalog.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>

#include "generator/internal/csv.h"
#include "generator/internal/random.h"
#include "generator/internal/world_data.h"

namespace gm::generator {
namespace {

using internal::Hash3;
using internal::Rng;

constexpr uint64_t kSaltProduct = 0x70726f64;  // distinct streams per derived attribute
constexpr uint64_t kSaltRanking = 0x72616e6b;

const std::array<CategoryInfo, Catalog::kCategoryCount>& CategoryInfos() {
  static const auto* infos = [] {
    auto* out = new std::array<CategoryInfo, Catalog::kCategoryCount>();
    const auto table = internal::CategoryTable();
    assert(table.size() == Catalog::kCategoryCount);
    for (size_t i = 0; i < table.size(); ++i) {
      (*out)[i] = {table[i].name, Cents{table[i].min_usd} * 100, Cents{table[i].max_usd} * 100};
    }
    return out;
  }();
  return *infos;
}

// The n-th '|'-separated word of a list.
std::string_view NthWord(std::string_view list, size_t n) {
  size_t count = 1;
  for (char c : list) count += c == '|';
  n %= count;
  size_t begin = 0;
  for (size_t i = 0; i < n; ++i) begin = list.find('|', begin) + 1;
  const size_t end = list.find('|', begin);
  return list.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
}

// Log-uniform in [min, max], then priced the way shops do: whole units minus a cent.
Cents DrawPrice(const CategoryInfo& c, Rng& rng) {
  const double lo = std::log(static_cast<double>(c.min_price));
  const double hi = std::log(static_cast<double>(c.max_price));
  Cents p = static_cast<Cents>(std::exp(lo + rng.Uniform() * (hi - lo)));
  p = (p / 100) * 100 + 99;
  if (p > c.max_price) p -= 100;
  if (p < c.min_price) p = c.min_price;
  return p;
}

Product MakeProduct(int64_t index, uint64_t seed) {
  Rng rng(Hash3(seed, kSaltProduct, static_cast<uint64_t>(index)));
  const auto& data = internal::CategoryTable()[index % Catalog::kCategoryCount];
  Product p;
  Catalog::AppendProductId(index, p.id);
  p.category = static_cast<int32_t>(index % Catalog::kCategoryCount);
  p.price = DrawPrice(CategoryInfos()[p.category], rng);

  const auto brands = internal::Brands(data.brands);
  const auto series = internal::SeriesWords();
  p.name.append(brands[rng.Below(brands.size())]);
  p.name.push_back(' ');
  p.name.append(series[rng.Below(series.size())]);
  p.name.push_back(' ');
  p.name.append(NthWord(data.nouns, rng.Below(8)));
  p.name.push_back(' ');
  p.name.push_back(static_cast<char>('A' + rng.Below(26)));
  p.name.append(std::to_string(rng.Between(1, 999)));

  // A few products start (nearly) sold out; the rest anywhere up to 1000.
  p.initial_stock =
      static_cast<int32_t>(rng.Bernoulli(0.03) ? rng.Between(0, 20) : rng.Between(21, 1000));
  // Ratings cluster around 4.2 with a tail of poorly rated products.
  double r = rng.Bernoulli(0.05)
                 ? 1.0 + 2.0 * rng.Uniform()
                 : 4.2 + (rng.Uniform() + rng.Uniform() + rng.Uniform() - 1.5) * 1.1;
  r = std::min(5.0, std::max(1.0, r));
  p.rating = std::round(r * 10) / 10;
  return p;
}

}  // namespace

Catalog::Catalog(int64_t count, uint64_t seed) {
  assert(count >= kCategoryCount);
  products_.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) products_.push_back(MakeProduct(i, seed));

  // Each category's products in a seeded random order: position = popularity rank.
  by_popularity_.resize(kCategoryCount);
  for (int c = 0; c < kCategoryCount; ++c) {
    std::vector<int32_t>& list = by_popularity_[c];
    for (int64_t i = c; i < count; i += kCategoryCount) list.push_back(static_cast<int32_t>(i));
    Rng rng(Hash3(seed, kSaltRanking, static_cast<uint64_t>(c)));
    for (size_t i = list.size(); i > 1; --i) std::swap(list[i - 1], list[rng.Below(i)]);
  }
}

std::span<const CategoryInfo> Catalog::categories() { return CategoryInfos(); }

std::span<const int32_t> Catalog::ByPopularity(int category) const {
  return by_popularity_[category];
}

double Catalog::ZipfWeight(int64_t rank) {
  return std::pow(static_cast<double>(rank + 1), -kZipfExponent);
}

void Catalog::AppendProductId(int64_t index, std::string& out) {
  out.push_back('P');
  internal::AppendPadded(index + 1, 6, out);
}

std::optional<int64_t> Catalog::Find(std::string_view id) const {
  std::optional<int64_t> n = internal::ParsePaddedId(id, 'P', 6);
  if (!n || *n < 1 || *n > size()) return std::nullopt;
  return *n - 1;
}

void Catalog::WriteProductsCsv(std::ostream& out) const {
  std::string buf = "product_id,name,category,price,initial_stock,rating\n";
  for (const Product& p : products_) {
    buf.append(p.id);
    buf.push_back(',');
    internal::AppendCsvField(p.name, buf);
    buf.push_back(',');
    internal::AppendCsvField(categories()[p.category].name, buf);
    buf.push_back(',');
    AppendCents(p.price, buf);
    buf.push_back(',');
    buf.append(std::to_string(p.initial_stock));
    buf.push_back(',');
    internal::AppendFixed1(p.rating, buf);
    buf.push_back('\n');
    if (buf.size() > (1 << 16)) {
      out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
  }
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
}

}  // namespace gm::generator
