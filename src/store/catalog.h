#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/money.h"
#include "common/status.h"
#include "common/time.h"
#include "store/connection.h"

namespace gm::store {

//! A row of `products` (sql/0001_core.sql documents the columns).
struct ProductRow {
  std::string product_id;
  std::string name;
  std::string category;
  Cents price_cents = 0;
  int32_t initial_stock = 0;
  std::optional<double> rating;  //!< 0–5, stored with one decimal
};

//! A row of `customers`.
struct CustomerRow {
  std::string user_id;
  std::string name;  //!< full name
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::optional<std::string> email;
  std::optional<int32_t> age;
  std::string country;
  std::optional<std::string> city;
  std::optional<double> latitude;
  std::optional<double> longitude;
  std::optional<int32_t> utc_offset_minutes;
  std::optional<Micros> signup_date;  //!< midnight UTC of the day
  std::vector<std::string> preferred_categories;
  std::optional<std::string> activity;
};

//! Produces rows one at a time: fills `row` and returns true, returns false at the end, or
//! returns an error (which aborts the load). A CSV file or the in-process generator.
using ProductSource = std::function<Result<bool>(ProductRow& row)>;
using CustomerSource = std::function<Result<bool>(CustomerRow& row)>;

//! Called every 100,000 rows and at the end of each table with the rows read so far.
using CatalogProgress = std::function<void(std::string_view table, int64_t rows)>;

struct TableLoadStats {
  int64_t read = 0;      //!< rows the source produced
  int64_t inserted = 0;  //!< new keys
  int64_t updated = 0;   //!< existing keys whose values changed
  int64_t unchanged() const { return read - inserted - updated; }
};

struct CatalogLoadStats {
  TableLoadStats products;
  TableLoadStats customers;
};

//! Upserts the catalog in one transaction: each source's rows are COPied into a temporary
//! staging table, then merged into products / customers by key. Rows whose values did not
//! change are left alone (their loaded_at too), so loading the same files twice changes
//! nothing; rows missing from the sources are kept (events may still name them). A null
//! source skips its table. Errors: a source's error, InvalidArgument for a key that
//! appears twice or a value the table refuses (a CHECK), Unavailable when the server is lost;
//! nothing is changed then.
Result<CatalogLoadStats> LoadCatalog(Connection& conn, const ProductSource& products,
                                     const CustomerSource& customers,
                                     const CatalogProgress& progress);

}  // namespace gm::store
