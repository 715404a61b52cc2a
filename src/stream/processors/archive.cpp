#include "stream/processors/archive.h"

namespace gm::stream {

namespace {

// HasAmountMismatch for a transaction whose line-items total is already known.
bool DiffersByMoreThanACent(Cents total_amount, Cents items) {
  const Cents diff = items > total_amount ? items - total_amount : total_amount - items;
  return diff > 1;
}

}  // namespace

bool HasAmountMismatch(const events::Transaction& tx) {
  return DiffersByMoreThanACent(tx.total_amount, tx.LineItemsTotal());
}

void AppendArchiveRows(const events::Transaction& tx, const CatalogLookup& catalog,
                       store::CopyRows& transactions, store::CopyRows& items) {
  const Cents line_items = tx.LineItemsTotal();
  transactions.Text(tx.transaction_id).Text(tx.user_id).TextOrNull(tx.session_id);
  transactions.Timestamp(tx.timestamp).Int(tx.total_amount).Int(line_items);
  transactions.Text(tx.payment_method).Text(tx.country).TextOrNull(tx.city);
  transactions.TextOrNull(tx.currency).TextOrNull(tx.device);
  transactions.Bool(DiffersByMoreThanACent(tx.total_amount, line_items));
  transactions.EndRow();
  // Binary COPY: each field has its column's width (line_no smallint, quantity integer).
  // Past 32,767 items line_no wraps to a negative number, which the table's CHECK refuses
  // (as the server refused the out-of-range text before).
  int16_t line_no = 0;
  for (const events::LineItem& item : tx.products) {
    items.Text(tx.transaction_id).Int16(++line_no).Text(item.product_id);
    items.Text(ItemCategory(item, catalog)).Int32(item.quantity).Int(item.price);
    items.EndRow();
  }
}

}  // namespace gm::stream
