#include "generator/customers.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "generator/internal/random.h"
#include "test_util.h"

namespace gm::generator {
namespace {

using testing::kStart;

TEST(CustomersTest, AttributesAreInRange) {
  const Customers customers(100'000, 1, kStart);
  std::set<std::string> emails;
  for (int64_t i = 0; i < customers.size(); i += 7) {
    const Customer c = customers.Get(i);
    ASSERT_EQ(customers.Find(c.user_id), i);
    ASSERT_GE(c.age, 18);
    ASSERT_LE(c.age, 80);
    ASSERT_TRUE(emails.insert(c.email).second) << c.email;
    for (char ch : c.email) ASSERT_TRUE(ch > 32 && ch < 127) << c.email;
    ASSERT_NE(c.email.find('@'), std::string::npos);
    ASSERT_FALSE(c.first_name.empty());
    ASSERT_FALSE(c.last_name.empty());
    ASSERT_LT(c.signup, kStart);
    ASSERT_GE(c.signup, kStart - (5 * 365 + 2) * kMicrosPerDay);
    ASSERT_EQ(c.signup % kMicrosPerDay, 0);
    ASSERT_EQ(c.country, customers.HomeCountry(i));
    const City& city = Customers::city(c.country, c.city);
    ASSERT_EQ(city.name, c.city_name);
    ASSERT_NE(c.preferred_categories[0], c.preferred_categories[1]);
    ASSERT_NE(c.preferred_categories[1], c.preferred_categories[2]);
    ASSERT_NE(c.preferred_categories[0], c.preferred_categories[2]);
  }
  EXPECT_EQ(customers.Get(0).user_id, "U00000001");
}

TEST(CustomersTest, CountriesHaveTheirSharesAndRealCities) {
  const auto countries = Customers::countries();
  ASSERT_EQ(countries.size(), 5u);
  for (int c = 0; c < kCountryCount; ++c) EXPECT_GE(countries[c].city_count, 8);
  EXPECT_EQ(Customers::city(Country::kUk, 0).name, "London");
  EXPECT_NEAR(Customers::city(Country::kUk, 0).latitude, 51.5, 0.1);
  EXPECT_EQ(Customers::city(Country::kUsa, 1).utc_offset_minutes, -480);

  const Customers customers(1'000'000, 3, kStart);
  std::map<Country, int> counts;
  for (int64_t i = 0; i < 1'000'000; i += 10) ++counts[customers.HomeCountry(i)];
  const double expected[] = {0.40, 0.20, 0.15, 0.15, 0.10};
  for (int c = 0; c < kCountryCount; ++c) {
    EXPECT_NEAR(counts[static_cast<Country>(c)] / 100'000.0, expected[c], 0.005) << c;
  }
}

TEST(CustomersTest, GetIsAPureFunctionOfTheIndex) {
  const Customers a(2'000'000, 9, kStart), b(2'000'000, 9, kStart);
  for (int64_t i : {1'999'999LL, 0LL, 12'345LL, 777'777LL}) {  // any order
    const Customer x = a.Get(i), y = b.Get(i);
    EXPECT_EQ(x.user_id, y.user_id);
    EXPECT_EQ(x.email, y.email);
    EXPECT_EQ(x.age, y.age);
    EXPECT_EQ(x.city, y.city);
    EXPECT_EQ(x.signup, y.signup);
    EXPECT_EQ(x.preferred_categories, y.preferred_categories);
  }
  const Customers other_seed(2'000'000, 10, kStart);
  int same = 0;
  for (int64_t i = 0; i < 1000; ++i) same += a.Get(i).email == other_seed.Get(i).email;
  EXPECT_LT(same, 100);
}

TEST(CustomersTest, PickReturnsCustomersOfTheCountrySkewedToHeavyShoppers) {
  const Customers customers(500'000, 5, kStart);
  std::map<Activity, int> picks;
  for (uint64_t i = 0; i < 20'000; ++i) {
    const int64_t user = customers.Pick(Country::kGermany, internal::Mix64(i), internal::Mix64(~i));
    ASSERT_GE(user, 0);
    ASSERT_EQ(customers.HomeCountry(user), Country::kGermany);
    ++picks[customers.Traits(user).activity];
  }
  // 5 % heavy ×16, 25 % regular ×4, 70 % occasional ×1 → 32 %, 40 %, 28 % of picks.
  EXPECT_NEAR(picks[Activity::kHeavy] / 20'000.0, 0.32, 0.02);
  EXPECT_NEAR(picks[Activity::kRegular] / 20'000.0, 0.40, 0.02);
}

TEST(CustomersTest, TinyPopulationsWork) {
  const Customers one(1, 1, kStart);
  EXPECT_EQ(one.Get(0).user_id, "U00000001");
  int found = 0;
  for (int c = 0; c < kCountryCount; ++c) found += one.Pick(static_cast<Country>(c), 1, 2) >= 0;
  EXPECT_EQ(found, 1);
}

TEST(CustomersTest, TenMillionCustomersCostNoMemory) {
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  const Customers customers(10'000'000, 2, kStart);
  const Customer last = customers.Get(9'999'999);
  EXPECT_EQ(last.user_id, "U10000000");
  EXPECT_EQ(customers.Find("U10000000"), 9'999'999);
  EXPECT_FALSE(customers.Find("U10000001"));
  for (int c = 0; c < kCountryCount; ++c) {
    const int64_t u = customers.Pick(static_cast<Country>(c), 123, 456);
    ASSERT_GE(u, 0);
    EXPECT_EQ(static_cast<int>(customers.HomeCountry(u)), c);
  }
  const Customers huge(int64_t{1} << 40, 2, kStart);
  EXPECT_EQ(huge.Get((int64_t{1} << 40) - 1).user_id, "U1099511627776");
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 16 * 1024);  // KiB
}

TEST(CustomersTest, WritesCsvRows) {
  const Customers customers(2500, 1, kStart);
  std::ostringstream out;
  customers.WriteCsv(out);
  std::istringstream in(out.str());
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line,
            "user_id,first_name,last_name,email,age,country,city,latitude,longitude,"
            "utc_offset_minutes,signup_date,preferred_categories,activity");
  int rows = 0;
  while (std::getline(in, line)) {
    ++rows;
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 12) << line;
  }
  EXPECT_EQ(rows, 2500);
}

}  // namespace
}  // namespace gm::generator
