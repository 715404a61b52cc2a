#include "stream/catalog_lookup.h"

#include <pqxx/pqxx>
#include <utility>
#include <vector>

#include "common/logging.h"
#include "common/prefetch.h"
#include "store/connection.h"
#include "store/pool.h"

namespace gm::stream {
namespace {

uint64_t KeyOf(std::string_view id) { return std::hash<std::string_view>{}(id); }

// Undoes COPY's text-format escaping (\\, \t, \n, \r; other escapes keep the character).
std::string Unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\' || i + 1 == field.size()) {
      out.push_back(field[i]);
      continue;
    }
    const char c = field[++i];
    out.push_back(c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c);
  }
  return out;
}

}  // namespace

uint16_t CatalogLookup::Intern(std::string value) {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == value) return static_cast<uint16_t>(i);
  }
  names_.push_back(std::move(value));
  return static_cast<uint16_t>(names_.size() - 1);
}

void CatalogLookup::AddProduct(std::string product_id, std::string category, Cents price,
                               int64_t initial_stock) {
  Product& p = products_[KeyOf(product_id)];
  p.category = Intern(std::move(category));
  p.price = price;
  p.initial_stock =
      initial_stock < 0 || initial_stock > INT32_MAX ? -1 : static_cast<int32_t>(initial_stock);
}

uint64_t CatalogLookup::CustomerKey(std::string_view user_id) {
  const uint64_t key = KeyOf(user_id);
  return key == 0 ? 1 : key;
}

size_t CatalogLookup::CustomerSlotOf(uint64_t key) const {
  size_t i = key & (customer_slots_.size() - 1);
  while (customer_slots_[i].key != 0 && customer_slots_[i].key != key) {
    i = (i + 1) & (customer_slots_.size() - 1);
  }
  return i;
}

void CatalogLookup::ReserveCustomers(size_t n) {
  size_t size = 1024;
  while (size < 2 * n) size *= 2;
  if (size <= customer_slots_.size()) return;
  std::vector<CustomerSlot> old = std::exchange(customer_slots_, std::vector<CustomerSlot>(size));
  for (const CustomerSlot& slot : old) {
    if (slot.key != 0) customer_slots_[CustomerSlotOf(slot.key)] = slot;
  }
}

void CatalogLookup::AddCustomer(std::string user_id, std::string country) {
  const uint16_t name = Intern(std::move(country));
  const uint64_t key = CustomerKey(user_id);
  if (2 * (customers_ + 1) > customer_slots_.size()) ReserveCustomers(customers_ + 1);
  CustomerSlot& slot = customer_slots_[CustomerSlotOf(key)];
  if (slot.key == 0) ++customers_;
  slot = {key, name};
}

std::string_view CatalogLookup::CategoryOf(std::string_view product_id) const {
  auto it = products_.find(KeyOf(product_id));
  return it == products_.end() ? std::string_view() : std::string_view(names_[it->second.category]);
}

std::optional<Cents> CatalogLookup::PriceOf(std::string_view product_id) const {
  auto it = products_.find(KeyOf(product_id));
  if (it == products_.end() || it->second.price < 0) return std::nullopt;
  return it->second.price;
}

std::optional<int64_t> CatalogLookup::InitialStockOf(std::string_view product_id) const {
  auto it = products_.find(KeyOf(product_id));
  if (it == products_.end() || it->second.initial_stock < 0) return std::nullopt;
  return it->second.initial_stock;
}

std::string_view CatalogLookup::HomeCountryOf(std::string_view user_id) const {
  if (customer_slots_.empty()) return {};
  const CustomerSlot& slot = customer_slots_[CustomerSlotOf(CustomerKey(user_id))];
  return slot.key == 0 ? std::string_view() : std::string_view(names_[slot.country]);
}

void CatalogLookup::PrefetchCustomer(std::string_view user_id) const {
  if (customer_slots_.empty()) return;
  PrefetchForRead(&customer_slots_[CustomerKey(user_id) & (customer_slots_.size() - 1)]);
}

Result<std::unique_ptr<CatalogLookup>> CatalogLookup::Load(store::ConnectionPool& pool) {
  Result<store::ConnectionPool::Lease> lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  auto lookup = std::make_unique<CatalogLookup>();
  try {
    pqxx::read_transaction tx((*lease)->pqxx(), "catalog_lookup");
    pqxx::row counts =
        tx.exec1("SELECT (SELECT count(*) FROM products), (SELECT count(*) FROM customers)");
    lookup->products_.reserve(counts[0].as<size_t>());
    lookup->ReserveCustomers(counts[1].as<size_t>());
    // COPY TO reads row by row, so a million customers need no big result set. Rows come
    // in COPY's text format: tab-separated fields, backslash escapes (numbers have none).
    auto read_rows = [&](const char* table, std::vector<std::string> columns, auto add) {
      pqxx::stream_from stream(tx, table, columns);
      std::string line;
      std::vector<std::string> fields;
      while (stream.get_raw_line(line)) {
        if (!line.empty() && line.back() == '\n') line.pop_back();
        fields.clear();
        size_t begin = 0;
        while (true) {
          const size_t tab = line.find('\t', begin);
          fields.push_back(Unescape(std::string_view(line).substr(
              begin, tab == std::string::npos ? std::string::npos : tab - begin)));
          if (tab == std::string::npos) break;
          begin = tab + 1;
        }
        if (fields.size() == columns.size()) add(fields);
      }
      stream.complete();
    };
    read_rows("products", {"product_id", "category", "price_cents", "initial_stock"},
              [&](std::vector<std::string>& f) {
                lookup->AddProduct(std::move(f[0]), std::move(f[1]), std::stoll(f[2]),
                                   std::stoll(f[3]));
              });
    read_rows("customers", {"user_id", "country"}, [&](std::vector<std::string>& f) {
      lookup->AddCustomer(std::move(f[0]), std::move(f[1]));
    });
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
