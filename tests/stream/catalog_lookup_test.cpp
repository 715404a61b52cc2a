// CatalogLookup in memory (loading it from PostgreSQL is covered by the pipeline test).
#include "stream/catalog_lookup.h"

#include <gtest/gtest.h>

#include <string>

namespace gm::stream {
namespace {

std::string Country(int i) { return i % 3 == 0 ? "USA" : i % 3 == 1 ? "UK" : "France"; }

TEST(CatalogLookupTest, FindsEveryCustomerAcrossGrowth) {
  CatalogLookup catalog;
  EXPECT_EQ(catalog.HomeCountryOf("U1"), "");
  catalog.PrefetchCustomer("U1");     // an empty catalog is fine too
  constexpr int kCustomers = 10'000;  // several times the first table's size
  for (int i = 0; i < kCustomers; ++i) catalog.AddCustomer("U" + std::to_string(i), Country(i));
  EXPECT_EQ(catalog.customers(), static_cast<size_t>(kCustomers));
  for (int i = 0; i < kCustomers; ++i) {
    const std::string user = "U" + std::to_string(i);
    catalog.PrefetchCustomer(user);
    ASSERT_EQ(catalog.HomeCountryOf(user), Country(i)) << user;
  }
  EXPECT_EQ(catalog.HomeCountryOf("U-1"), "");
  EXPECT_EQ(catalog.HomeCountryOf(""), "");
}

TEST(CatalogLookupTest, AddingACustomerAgainReplacesTheCountry) {
  CatalogLookup catalog;
  catalog.AddCustomer("U1", "USA");
  catalog.AddCustomer("U2", "UK");
  catalog.AddCustomer("U1", "Germany");
  EXPECT_EQ(catalog.customers(), 2u);
  EXPECT_EQ(catalog.HomeCountryOf("U1"), "Germany");
  EXPECT_EQ(catalog.HomeCountryOf("U2"), "UK");
}

TEST(CatalogLookupTest, ProductsAndItemCategories) {
  CatalogLookup catalog;
  catalog.AddProduct("P1", "Books", 1'299, 40);
  catalog.AddProduct("P2", "Toys");
  EXPECT_EQ(catalog.products(), 2u);
  EXPECT_EQ(catalog.CategoryOf("P1"), "Books");
  EXPECT_EQ(catalog.PriceOf("P1"), 1'299);
  EXPECT_EQ(catalog.InitialStockOf("P1"), 40);
  EXPECT_EQ(catalog.PriceOf("P2"), std::nullopt);
  EXPECT_EQ(catalog.InitialStockOf("P2"), std::nullopt);
  EXPECT_EQ(catalog.CategoryOf("P3"), "");
  events::LineItem item;
  item.product_id = "P2";
  EXPECT_EQ(ItemCategory(item, catalog), "Toys");
  item.category = "Games";
  EXPECT_EQ(ItemCategory(item, catalog), "Games");
  item = {};
  item.product_id = "P9";
  EXPECT_EQ(ItemCategory(item, catalog), kUnknownCategory);
}

}  // namespace
}  // namespace gm::stream
