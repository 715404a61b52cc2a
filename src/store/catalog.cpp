#include "store/catalog.h"

#include <algorithm>
#include <functional>
#include <pqxx/pqxx>

#include "store/copy_writer.h"

namespace gm::store {
namespace {

constexpr int64_t kProgressEvery = 100'000;

// What differs per table: its name, key, columns and how a row becomes COPY fields.
template <typename Row>
struct TableSpec {
  const char* table;
  const char* key;
  std::vector<std::string> columns;  // without loaded_at
  std::function<void(const Row&, CopyWriter&)> write;
  std::function<const std::string&(const Row&)> key_of;
};

TableSpec<ProductRow> ProductSpec() {
  return {"products",
          "product_id",
          {"product_id", "name", "category", "price_cents", "initial_stock", "rating"},
          [](const ProductRow& r, CopyWriter& w) {
            w.Text(r.product_id).Text(r.name).Text(r.category).Int(r.price_cents);
            w.Int(r.initial_stock);
            r.rating ? w.Double(*r.rating) : w.Null();
          },
          [](const ProductRow& r) -> const std::string& { return r.product_id; }};
}

TableSpec<CustomerRow> CustomerSpec() {
  return {
      "customers",
      "user_id",
      {"user_id", "name", "first_name", "last_name", "email", "age", "country", "city", "latitude",
       "longitude", "utc_offset_minutes", "signup_date", "preferred_categories", "activity"},
      [](const CustomerRow& r, CopyWriter& w) {
        w.Text(r.user_id).Text(r.name).TextOrNull(r.first_name).TextOrNull(r.last_name);
        w.TextOrNull(r.email);
        r.age ? w.Int(*r.age) : w.Null();
        w.Text(r.country).TextOrNull(r.city);
        r.latitude ? w.Double(*r.latitude) : w.Null();
        r.longitude ? w.Double(*r.longitude) : w.Null();
        r.utc_offset_minutes ? w.Int(*r.utc_offset_minutes) : w.Null();
        r.signup_date ? w.Date(*r.signup_date) : w.Null();
        w.TextArray(r.preferred_categories);
        w.TextOrNull(r.activity);
      },
      [](const CustomerRow& r) -> const std::string& { return r.user_id; }};
}

std::string Join(const std::vector<std::string>& items, std::string_view prefix) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += prefix;
    out += items[i];
  }
  return out;
}

// Streams `source` into a staging table, then merges it into the table. Runs inside `tx`.
template <typename Row>
Result<TableLoadStats> LoadTable(Connection& conn, pqxx::work& tx, const TableSpec<Row>& spec,
                                 const std::function<Result<bool>(Row&)>& source,
                                 const CatalogProgress& progress) {
  TableLoadStats stats;
  // Key hashes, to spot duplicate keys without asking the server in the common case.
  std::vector<uint64_t> key_hashes;
  const std::string stage = std::string("catalog_stage_") + spec.table;
  tx.exec("CREATE TEMP TABLE " + stage + " (LIKE " + spec.table +
          " INCLUDING DEFAULTS) ON COMMIT DROP");
  {
    Result<CopyWriter> writer = CopyWriter::Begin(conn, stage, spec.columns);
    if (!writer.ok()) return writer.status();
    Row row;
    for (;;) {
      Result<bool> more = source(row);
      if (!more.ok()) {
        writer->Abort(more.status().message());
        return more.status();
      }
      if (!*more) break;
      spec.write(row, *writer);
      if (Status s = writer->EndRow(); !s.ok()) {
        writer->Abort(s.message());
        return InvalidArgument(std::string(spec.table) + " row for " + spec.key_of(row) + ": " +
                               s.message());
      }
      key_hashes.push_back(std::hash<std::string>{}(spec.key_of(row)));
      if (++stats.read % kProgressEvery == 0 && progress) progress(spec.table, stats.read);
      row = Row();
    }
    Result<int64_t> copied = writer->Finish();
    if (!copied.ok()) return copied.status();
  }
  if (progress) progress(spec.table, stats.read);

  // A key twice in the source would make the merge ambiguous. Equal hashes are only a
  // hint (they may collide); the server names the key.
  std::sort(key_hashes.begin(), key_hashes.end());
  if (std::adjacent_find(key_hashes.begin(), key_hashes.end()) != key_hashes.end()) {
    pqxx::result dup = tx.exec("SELECT " + std::string(spec.key) + " FROM " + stage +
                               " GROUP BY 1 HAVING count(*) > 1 LIMIT 1");
    if (!dup.empty()) {
      return InvalidArgument(std::string(spec.table) + ": " + spec.key + " '" +
                             dup[0][0].as<std::string>() + "' appears more than once");
    }
  }
  std::vector<std::string> values;
  for (const std::string& c : spec.columns) {
    if (c != spec.key) values.push_back(c);
  }
  std::string set;
  for (const std::string& c : values) set += c + " = EXCLUDED." + c + ", ";
  const std::string cols = Join(spec.columns, "");
  // xmax = 0 marks a freshly inserted row; an update of an existing one sets it.
  const std::string sql = "WITH up AS (INSERT INTO " + std::string(spec.table) + " (" + cols +
                          ") SELECT " + cols + " FROM " + stage + " ON CONFLICT (" + spec.key +
                          ") DO UPDATE SET " + set + "loaded_at = now() WHERE (" +
                          Join(values, std::string(spec.table) + ".") + ") IS DISTINCT FROM (" +
                          Join(values, "EXCLUDED.") +
                          ") RETURNING (xmax = 0) AS inserted) "
                          "SELECT count(*) FILTER (WHERE inserted), "
                          "count(*) FILTER (WHERE NOT inserted) FROM up";
  pqxx::row counts = tx.exec1(sql);
  stats.inserted = counts[0].as<int64_t>();
  stats.updated = counts[1].as<int64_t>();
  return stats;
}

}  // namespace

Result<CatalogLoadStats> LoadCatalog(Connection& conn, const ProductSource& products,
                                     const CustomerSource& customers,
                                     const CatalogProgress& progress) {
  CatalogLoadStats stats;
  try {
    pqxx::work tx(conn.pqxx(), "catalog_load");
    if (products) {
      Result<TableLoadStats> s = LoadTable(conn, tx, ProductSpec(), products, progress);
      if (!s.ok()) return s.status();
      stats.products = *s;
    }
    if (customers) {
      Result<TableLoadStats> s = LoadTable(conn, tx, CustomerSpec(), customers, progress);
      if (!s.ok()) return s.status();
      stats.customers = *s;
    }
    tx.commit();
  } catch (const std::exception& e) {
    return ToStatus(e, "loading the catalog");
  }
  return stats;
}

}  // namespace gm::store
