#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/money.h"

namespace gm::generator {

//! One of the catalog's 100 named categories.
struct CategoryInfo {
  std::string_view name;  //!< e.g. "Smartphones"; at most 15 characters
  Cents min_price = 0;    //!< the cheapest product of the category costs at least this
  Cents max_price = 0;    //!< … and the dearest at most this
};

struct Product {
  std::string id;        //!< "P" + the 1-based index, zero-padded to 6 digits: "P000042"
  std::string name;      //!< brand + series + category noun + model, e.g. "Veltra Pro Phone 41"
  int32_t category = 0;  //!< index into Catalog::categories()
  Cents price = 0;       //!< within the category's range; what every event charges
  int32_t initial_stock = 0;  //!< 0–1000
  double rating = 0;          //!< 1.0–5.0, one decimal
};

//! The product catalog: `count` products in 100 categories, derived deterministically from
//! the seed (same seed and count → same catalog). Product i belongs to category i % 100;
//! its price is log-uniform in the category's range. Within a category, popularity follows
//! a Zipf law (exponent kZipfExponent) over a seeded ranking, so a few products dominate.
//! Immutable after construction and therefore safe to share between threads.
class Catalog {
 public:
  static constexpr int kCategoryCount = 100;
  static constexpr double kZipfExponent = 1.1;

  //! REQUIRES: count ≥ kCategoryCount (every category has a product).
  Catalog(int64_t count, uint64_t seed);
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  int64_t size() const { return static_cast<int64_t>(products_.size()); }
  //! REQUIRES: 0 ≤ index < size().
  const Product& product(int64_t index) const { return products_[index]; }
  static std::span<const CategoryInfo> categories();

  //! The products of a category, most popular first.
  std::span<const int32_t> ByPopularity(int category) const;
  //! Relative popularity of the product at `rank` (0-based) within a category of n items:
  //! (rank + 1)^-kZipfExponent (unnormalised).
  static double ZipfWeight(int64_t rank);

  //! The index of a product id this catalog produced, or nullopt.
  std::optional<int64_t> Find(std::string_view product_id) const;
  //! "P" + zero-padded 1-based index (more digits beyond 999,999).
  static void AppendProductId(int64_t index, std::string& out);

  //! Writes `product_id,name,category,price,initial_stock,rating` and one row per product
  //! (price with two decimals; fields quoted as CSV requires).
  void WriteProductsCsv(std::ostream& out) const;

 private:
  std::vector<Product> products_;
  std::vector<std::vector<int32_t>> by_popularity_;  // per category
};

}  // namespace gm::generator
