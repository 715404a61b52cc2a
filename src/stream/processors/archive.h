#pragma once

#include "events/event.h"
#include "store/copy_rows.h"
#include "stream/catalog_lookup.h"

namespace gm::stream {

//! The archive processor: appends `tx` as one `transactions` row (TransactionColumns())
//! and one `transaction_items` row per line item (TransactionItemColumns(), line_no from
//! 1, the category resolved by ItemCategory). Every distinct transaction is archived,
//! late ones included; the store inserts them idempotently on transaction_id. The rows
//! are encoded for binary COPY (`transactions` and `items` must be binary CopyRows).
void AppendArchiveRows(const events::Transaction& tx, const CatalogLookup& catalog,
                       store::CopyRows& transactions, store::CopyRows& items);

//! |total_amount − Σ line items| > 1 cent (DESIGN.md §6 Money).
bool HasAmountMismatch(const events::Transaction& tx);

}  // namespace gm::stream
