#include "stream/processors/archive.h"

namespace gm::stream {

bool HasAmountMismatch(const events::Transaction& tx) {
  const Cents items = tx.LineItemsTotal();
  const Cents diff = items > tx.total_amount ? items - tx.total_amount : tx.total_amount - items;
  return diff > 1;
}

void AppendArchiveRows(const events::Transaction& tx, const CatalogLookup& catalog,
                       store::CopyRows& transactions, store::CopyRows& items) {
  transactions.Text(tx.transaction_id).Text(tx.user_id).TextOrNull(tx.session_id);
  transactions.Timestamp(tx.timestamp).Int(tx.total_amount).Int(tx.LineItemsTotal());
  transactions.Text(tx.payment_method).Text(tx.country).TextOrNull(tx.city);
  transactions.TextOrNull(tx.currency).TextOrNull(tx.device).Bool(HasAmountMismatch(tx));
  transactions.EndRow();
  int64_t line_no = 0;
  for (const events::LineItem& item : tx.products) {
    items.Text(tx.transaction_id).Int(++line_no).Text(item.product_id);
    items.Text(ItemCategory(item, catalog)).Int(item.quantity).Int(item.price);
    items.EndRow();
  }
}

}  // namespace gm::stream
