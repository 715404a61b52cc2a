#include "store/catalog_csv.h"

#include <charconv>
#include <cmath>
#include <filesystem>

namespace gm::store {
namespace {

template <typename Int>
bool ParseInt(const std::string& text, Int* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

bool ParseDouble(const std::string& text, double* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty() &&
         std::isfinite(*out);
}

std::optional<std::string> Optional(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

const std::string kEmpty;

}  // namespace

CatalogCsvReader::CatalogCsvReader(std::string path)
    : path_(std::move(path)), in_(path_, std::ios::binary), csv_(in_) {}

Result<std::unique_ptr<CatalogCsvReader>> CatalogCsvReader::OpenProducts(const std::string& path) {
  std::unique_ptr<CatalogCsvReader> r(new CatalogCsvReader(path));
  Status s =
      r->ReadHeader({"product_id", "name", "category", "price", "initial_stock"}, {"rating"});
  if (!s.ok()) return s;
  return r;
}

Result<std::unique_ptr<CatalogCsvReader>> CatalogCsvReader::OpenCustomers(const std::string& path) {
  std::unique_ptr<CatalogCsvReader> r(new CatalogCsvReader(path));
  Status s =
      r->ReadHeader({"user_id", "country"}, {"name", "first_name", "last_name", "email", "age",
                                             "city", "latitude", "longitude", "utc_offset_minutes",
                                             "signup_date", "preferred_categories", "activity"});
  if (!s.ok()) return s;
  if (!r->Has("name") && !(r->Has("first_name") && r->Has("last_name"))) {
    return InvalidArgument(path + ": the header needs a name column, or first_name and last_name");
  }
  return r;
}

Status CatalogCsvReader::ReadHeader(const std::vector<std::string>& required,
                                    const std::vector<std::string>& optional) {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) {
    return Status(ErrorCode::kNotFound, path_ + " does not exist");
  }
  if (!in_) return Unavailable("cannot read " + path_);
  std::vector<std::string> header;
  Result<bool> got = csv_.Next(header);
  if (!got.ok()) return InvalidArgument(path_ + ": " + got.status().message());
  if (!*got) return InvalidArgument(path_ + " is empty (expected a header line)");
  for (size_t i = 0; i < header.size(); ++i) {
    std::string name = header[i];
    if (i == 0 && name.starts_with("\xEF\xBB\xBF")) name.erase(0, 3);  // a UTF-8 BOM
    const bool known = std::find(required.begin(), required.end(), name) != required.end() ||
                       std::find(optional.begin(), optional.end(), name) != optional.end();
    if (known) {
      index_[name] = i;
    } else {
      ignored_.push_back(name);
    }
  }
  for (const std::string& column : required) {
    if (!Has(column)) return InvalidArgument(path_ + ": the header has no column '" + column + "'");
  }
  return Status::Ok();
}

const std::string& CatalogCsvReader::Field(const std::string& column) const {
  auto it = index_.find(column);
  if (it == index_.end() || it->second >= fields_.size()) return kEmpty;
  return fields_[it->second];
}

Status CatalogCsvReader::Bad(const std::string& column, const std::string& why) const {
  return InvalidArgument(path_ + ":" + std::to_string(csv_.line()) + ": " + column + " '" +
                         Field(column) + "' " + why);
}

Result<bool> CatalogCsvReader::NextRecord() {
  Result<bool> got = csv_.Next(fields_);
  if (!got.ok()) return InvalidArgument(path_ + ": " + got.status().message());
  if (*got && fields_.size() != index_.size() + ignored_.size()) {
    return InvalidArgument(path_ + ":" + std::to_string(csv_.line()) + ": " +
                           std::to_string(fields_.size()) + " fields, the header has " +
                           std::to_string(index_.size() + ignored_.size()));
  }
  return got;
}

Result<bool> CatalogCsvReader::NextProduct(ProductRow& row) {
  Result<bool> got = NextRecord();
  if (!got.ok() || !*got) return got;
  row.product_id = Field("product_id");
  if (row.product_id.empty()) return Bad("product_id", "is empty");
  row.name = Field("name");
  row.category = Field("category");
  if (row.category.empty()) return Bad("category", "is empty");
  if (!ParseCents(Field("price"), &row.price_cents) || row.price_cents < 0) {
    return Bad("price", "is not a decimal amount ≥ 0");
  }
  if (!ParseInt(Field("initial_stock"), &row.initial_stock) || row.initial_stock < 0) {
    return Bad("initial_stock", "is not a whole number ≥ 0");
  }
  row.rating.reset();
  if (const std::string& r = Field("rating"); !r.empty()) {
    double v = 0;
    if (!ParseDouble(r, &v) || v < 0 || v > 5) return Bad("rating", "is not a number from 0 to 5");
    row.rating = v;
  }
  return true;
}

Result<bool> CatalogCsvReader::NextCustomer(CustomerRow& row) {
  Result<bool> got = NextRecord();
  if (!got.ok() || !*got) return got;
  row = CustomerRow();
  row.user_id = Field("user_id");
  if (row.user_id.empty()) return Bad("user_id", "is empty");
  row.first_name = Optional(Field("first_name"));
  row.last_name = Optional(Field("last_name"));
  row.name = Field("name");
  if (row.name.empty()) {
    row.name = row.first_name.value_or("");
    if (row.last_name) row.name += (row.name.empty() ? "" : " ") + *row.last_name;
  }
  row.email = Optional(Field("email"));
  row.country = Field("country");
  if (row.country.empty()) return Bad("country", "is empty");
  row.city = Optional(Field("city"));
  row.activity = Optional(Field("activity"));
  if (const std::string& s = Field("age"); !s.empty()) {
    int32_t age = 0;
    if (!ParseInt(s, &age) || age < 0 || age > 150) return Bad("age", "is not an age");
    row.age = age;
  }
  if (const std::string& s = Field("utc_offset_minutes"); !s.empty()) {
    int32_t offset = 0;
    if (!ParseInt(s, &offset) || offset < -16 * 60 || offset > 16 * 60) {
      return Bad("utc_offset_minutes", "is not an offset in minutes");
    }
    row.utc_offset_minutes = offset;
  }
  struct Coordinate {
    const char* column;
    double limit;
    std::optional<double>* field;
  };
  for (const Coordinate& c :
       {Coordinate{"latitude", 90, &row.latitude}, Coordinate{"longitude", 180, &row.longitude}}) {
    if (const std::string& s = Field(c.column); !s.empty()) {
      double v = 0;
      if (!ParseDouble(s, &v) || v < -c.limit || v > c.limit) {
        return Bad(c.column, "is out of range");
      }
      *c.field = v;
    }
  }
  if (const std::string& s = Field("signup_date"); !s.empty()) {
    Micros t = 0;
    if (s.size() != 10 || !ParseTimestamp(s + "T00:00:00Z", &t)) {
      return Bad("signup_date", "is not a date (YYYY-MM-DD)");
    }
    row.signup_date = t;
  }
  if (const std::string& s = Field("preferred_categories"); !s.empty()) {
    const char separator = s.find('|') != std::string::npos ? '|' : ';';
    size_t start = 0;
    for (;;) {
      const size_t end = s.find(separator, start);
      std::string item =
          s.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!item.empty()) row.preferred_categories.push_back(std::move(item));
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  return true;
}

}  // namespace gm::store
