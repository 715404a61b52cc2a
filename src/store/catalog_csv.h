#pragma once

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/catalog.h"
#include "store/internal/csv.h"

namespace gm::store {

//! Reads a catalog CSV file as `globalmart catalog export` writes it, by header name (so
//! column order does not matter and unknown columns are ignored). Rows are validated;
//! an error names the file, the line and the column.
//!
//! products.csv: product_id, name, category, price (decimal, e.g. 12.34), initial_stock,
//! and optionally rating.
//! customers.csv: user_id, country, and name or first_name + last_name; optionally email,
//! age, city, latitude, longitude, utc_offset_minutes, signup_date (YYYY-MM-DD),
//! preferred_categories (separated by '|' or ';') and activity.
class CatalogCsvReader {
 public:
  //! Opens `path` and reads its header. InvalidArgument when a required column is missing;
  //! NotFound when the file does not exist.
  static Result<std::unique_ptr<CatalogCsvReader>> OpenProducts(const std::string& path);
  static Result<std::unique_ptr<CatalogCsvReader>> OpenCustomers(const std::string& path);

  //! Sources for LoadCatalog. REQUIRES: opened with the matching Open function.
  Result<bool> NextProduct(ProductRow& row);
  Result<bool> NextCustomer(CustomerRow& row);

  //! Header columns this reader does not use.
  const std::vector<std::string>& ignored_columns() const { return ignored_; }

 private:
  explicit CatalogCsvReader(std::string path);
  Status ReadHeader(const std::vector<std::string>& required,
                    const std::vector<std::string>& optional);
  //! The named field of the current record, or "" when the column is absent.
  const std::string& Field(const std::string& column) const;
  bool Has(const std::string& column) const { return index_.count(column) > 0; }
  Status Bad(const std::string& column, const std::string& why) const;
  Result<bool> NextRecord();

  std::string path_;
  std::ifstream in_;
  internal::CsvReader csv_;
  std::map<std::string, size_t> index_;
  std::vector<std::string> ignored_;
  std::vector<std::string> fields_;
};

}  // namespace gm::store
