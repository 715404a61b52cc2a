#include "generator/catalog.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

namespace gm::generator {
namespace {

TEST(CatalogTest, HasOneHundredNamedCategoriesWithSaneRanges) {
  const auto categories = Catalog::categories();
  ASSERT_EQ(categories.size(), 100u);
  std::set<std::string_view> names;
  for (const CategoryInfo& c : categories) {
    names.insert(c.name);
    EXPECT_LE(c.name.size(), 15u) << c.name;  // line items stay in the SSO buffer
    EXPECT_GT(c.min_price, 0) << c.name;
    EXPECT_LT(c.min_price, c.max_price) << c.name;
  }
  EXPECT_EQ(names.size(), 100u);
  EXPECT_TRUE(names.count("Smartphones") && names.count("Laptops") && names.count("Coffee") &&
              names.count("Running Shoes"));
}

TEST(CatalogTest, DefaultCatalogProductsAreConsistent) {
  const Catalog catalog(250'000, 1);
  ASSERT_EQ(catalog.size(), 250'000);
  std::set<std::string> ids;
  for (int64_t i = 0; i < catalog.size(); ++i) {
    const Product& p = catalog.product(i);
    ids.insert(p.id);
    const CategoryInfo& c = Catalog::categories()[p.category];
    ASSERT_GE(p.price, c.min_price) << p.id;
    ASSERT_LE(p.price, c.max_price) << p.id;
    ASSERT_GE(p.initial_stock, 0);
    ASSERT_LE(p.initial_stock, 1000);
    ASSERT_GE(p.rating, 1.0);
    ASSERT_LE(p.rating, 5.0);
    ASSERT_FALSE(p.name.empty());
    ASSERT_EQ(catalog.Find(p.id), i);
  }
  EXPECT_EQ(ids.size(), 250'000u);
  EXPECT_EQ(catalog.product(0).id, "P000001");
  EXPECT_EQ(catalog.product(249'999).id, "P250000");
  const Product& laptop = catalog.product(1);
  EXPECT_EQ(Catalog::categories()[laptop.category].name, "Laptops");
  EXPECT_GE(laptop.price, 300'00);
  EXPECT_LE(laptop.price, 3000'00);
}

TEST(CatalogTest, FindRejectsForeignIds) {
  const Catalog catalog(1000, 1);
  EXPECT_FALSE(catalog.Find("P001001"));
  EXPECT_FALSE(catalog.Find("P000000"));
  EXPECT_FALSE(catalog.Find("P00001"));
  EXPECT_FALSE(catalog.Find("P0000001"));
  EXPECT_FALSE(catalog.Find("X000001"));
  EXPECT_FALSE(catalog.Find(""));
  EXPECT_EQ(catalog.Find("P001000"), 999);
  std::string big;
  Catalog::AppendProductId(1'234'566, big);
  EXPECT_EQ(big, "P1234567");
}

TEST(CatalogTest, SameSeedSameCatalogOtherSeedOther) {
  const Catalog a(5000, 3), b(5000, 3), c(5000, 4);
  int differing = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a.product(i).name, b.product(i).name);
    EXPECT_EQ(a.product(i).price, b.product(i).price);
    differing += a.product(i).price != c.product(i).price;
  }
  EXPECT_GT(differing, 4000);
  for (int cat = 0; cat < Catalog::kCategoryCount; ++cat) {
    const auto ra = a.ByPopularity(cat), rb = b.ByPopularity(cat);
    EXPECT_TRUE(std::equal(ra.begin(), ra.end(), rb.begin(), rb.end()));
  }
}

TEST(CatalogTest, PopularityRankingCoversEachCategory) {
  const Catalog catalog(10'000, 1);
  for (int cat = 0; cat < Catalog::kCategoryCount; ++cat) {
    const auto ranked = catalog.ByPopularity(cat);
    ASSERT_EQ(ranked.size(), 100u);
    std::set<int32_t> seen(ranked.begin(), ranked.end());
    EXPECT_EQ(seen.size(), 100u);
    for (int32_t p : ranked) EXPECT_EQ(catalog.product(p).category, cat);
  }
  // Zipf: the top product outweighs the 10th by 10^1.1.
  EXPECT_NEAR(Catalog::ZipfWeight(0) / Catalog::ZipfWeight(9), 12.59, 0.01);
}

TEST(CatalogTest, WritesCsvWithHeaderAndEveryProduct) {
  const Catalog catalog(300, 1);
  std::ostringstream out;
  catalog.WriteProductsCsv(out);
  std::istringstream in(out.str());
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "product_id,name,category,price,initial_stock,rating");
  std::getline(in, line);
  const Product& p = catalog.product(0);
  EXPECT_EQ(line.rfind(p.id + ",", 0), 0u) << line;
  EXPECT_NE(line.find("," + std::string(Catalog::categories()[p.category].name) + ","),
            std::string::npos);
  int rows = 1;
  while (std::getline(in, line)) ++rows;
  EXPECT_EQ(rows, 300);
}

}  // namespace
}  // namespace gm::generator
