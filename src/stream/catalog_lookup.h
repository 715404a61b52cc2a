#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/money.h"
#include "common/status.h"
#include "events/event.h"

namespace gm::store {
class ConnectionPool;
}

namespace gm::stream {

//! The category of a line item whose event and catalog both lack one.
inline constexpr std::string_view kUnknownCategory = "unknown";

//! What the processors need from the catalog: a product's category (for line items that
//! do not name one), price (carts) and initial stock (inventory), and a customer's home
//! country (the geo_mismatch rule). Immutable after loading, so any number of threads read it.
//! Products and customers missing from it are normal (catalogs lag behind shops): lookups then
//! return empty.
class CatalogLookup {
 public:
  CatalogLookup() = default;
  CatalogLookup(const CatalogLookup&) = delete;
  CatalogLookup& operator=(const CatalogLookup&) = delete;

  //! Loads products and customers from the database (a few seconds for 1M customers).
  static Result<std::unique_ptr<CatalogLookup>> Load(store::ConnectionPool& pool);

  //! `price` and `initial_stock` are unknown when negative.
  void AddProduct(std::string product_id, std::string category, Cents price = -1,
                  int64_t initial_stock = -1);
  void AddCustomer(std::string user_id, std::string country);

  //! The product's catalog category, or empty when the product is unknown.
  std::string_view CategoryOf(std::string_view product_id) const;
  //! The product's catalog price; nullopt when the product or its price is unknown.
  std::optional<Cents> PriceOf(std::string_view product_id) const;
  //! The product's initial stock; nullopt when the product or its stock is unknown.
  std::optional<int64_t> InitialStockOf(std::string_view product_id) const;
  //! The customer's home country, or empty when the customer is unknown.
  std::string_view HomeCountryOf(std::string_view user_id) const;
  //! Starts loading what HomeCountryOf(user_id) will read (a lookup among a million
  //! customers otherwise waits for memory).
  void PrefetchCustomer(std::string_view user_id) const;

  size_t products() const { return products_.size(); }
  size_t customers() const { return customers_; }

 private:
  // Keyed by a 64-bit hash of the id (a collision among a million ids has a chance of
  // about 3e-8) with interned values: ~40 bytes per customer instead of ~110.
  uint16_t Intern(std::string value);
  std::vector<std::string> names_;  //!< interned categories and countries
  struct Product {
    uint16_t category = 0;
    int32_t initial_stock = -1;
    Cents price = -1;
  };
  std::unordered_map<uint64_t, Product> products_;
  // Customers, looked up once per scored transaction: an open-addressing table (linear
  // probing, at most half full) so a lookup is one cache line that PrefetchCustomer can
  // load ahead.
  struct CustomerSlot {
    uint64_t key = 0;  //!< CustomerKey(user_id); 0 = empty
    uint16_t country = 0;
  };
  static uint64_t CustomerKey(std::string_view user_id);
  //! The slot holding `key`, or the empty slot where it would go. REQUIRES: a table.
  size_t CustomerSlotOf(uint64_t key) const;
  void ReserveCustomers(size_t n);
  std::vector<CustomerSlot> customer_slots_;
  size_t customers_ = 0;
};

//! A line item's category: its own, else the catalog's, else kUnknownCategory.
std::string_view ItemCategory(const events::LineItem& item, const CatalogLookup& catalog);

}  // namespace gm::stream
