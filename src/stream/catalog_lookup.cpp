#include "stream/catalog_lookup.h"

#include <pqxx/pqxx>
#include <tuple>
#include <vector>

#include "common/logging.h"
#include "store/connection.h"
#include "store/pool.h"

namespace gm::stream {
namespace {

uint64_t KeyOf(std::string_view id) { return std::hash<std::string_view>{}(id); }

}  // namespace

uint16_t CatalogLookup::Intern(std::string value) {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == value) return static_cast<uint16_t>(i);
  }
  names_.push_back(std::move(value));
  return static_cast<uint16_t>(names_.size() - 1);
}

void CatalogLookup::AddProduct(std::string product_id, std::string category) {
  category_of_[KeyOf(product_id)] = Intern(std::move(category));
}

void CatalogLookup::AddCustomer(std::string user_id, std::string country) {
  country_of_[KeyOf(user_id)] = Intern(std::move(country));
}

std::string_view CatalogLookup::CategoryOf(std::string_view product_id) const {
  auto it = category_of_.find(KeyOf(product_id));
  return it == category_of_.end() ? std::string_view() : std::string_view(names_[it->second]);
}

std::string_view CatalogLookup::HomeCountryOf(std::string_view user_id) const {
  auto it = country_of_.find(KeyOf(user_id));
  return it == country_of_.end() ? std::string_view() : std::string_view(names_[it->second]);
}

Result<std::unique_ptr<CatalogLookup>> CatalogLookup::Load(store::ConnectionPool& pool) {
  Result<store::ConnectionPool::Lease> lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  auto lookup = std::make_unique<CatalogLookup>();
  try {
    pqxx::read_transaction tx((*lease)->pqxx(), "catalog_lookup");
    pqxx::row counts =
        tx.exec1("SELECT (SELECT count(*) FROM products), (SELECT count(*) FROM customers)");
    lookup->category_of_.reserve(counts[0].as<size_t>());
    lookup->country_of_.reserve(counts[1].as<size_t>());
    // stream_from reads row by row (COPY TO), so a million customers need no big result set.
    pqxx::stream_from products(tx, "products", std::vector<std::string>{"product_id", "category"});
    std::tuple<std::string, std::string> row;
    while (products >> row)
      lookup->AddProduct(std::move(std::get<0>(row)), std::move(std::get<1>(row)));
    products.complete();
    pqxx::stream_from customers(tx, "customers", std::vector<std::string>{"user_id", "country"});
    while (customers >> row)
      lookup->AddCustomer(std::move(std::get<0>(row)), std::move(std::get<1>(row)));
    customers.complete();
    tx.commit();
  } catch (const std::exception& e) {
    lease->Discard();
    return store::ToStatus(e, "loading the catalog for the stream processors");
  }
  return lookup;
}

std::string_view ItemCategory(const events::LineItem& item, const CatalogLookup& catalog) {
  if (!item.category.empty()) return item.category;
  std::string_view c = catalog.CategoryOf(item.product_id);
  return c.empty() ? kUnknownCategory : c;
}

}  // namespace gm::stream
