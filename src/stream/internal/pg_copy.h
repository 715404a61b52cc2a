#pragma once

// COPY for the PostgreSQL checkpoint store: a row set into a table, and rows of keys never
// written before straight into their tables, undone when one is there after all.

#include <initializer_list>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/connection.h"
#include "store/copy_rows.h"

namespace gm::stream::internal {

//! COPYs `rows` into `table`'s `columns` on `conn`, in its open transaction, in the rows'
//! format.
Status CopyInto(store::Connection& conn, const char* table, const std::vector<std::string>& columns,
                const store::CopyRows& rows);

//! One table's rows for CopyNewRows.
struct DirectCopy {
  const char* table;
  const std::vector<std::string>& columns;
  const store::CopyRows& rows;
};

//! COPYs rows of keys never written before straight into their tables: no staging and no
//! conflict handling, which halves the server's work for them. When a row is there after all
//! (a retry of a batch whose commit outcome was unknown, a re-run of the same input, a
//! transaction_id seen again after the dedup horizon, a row a restored task does not know
//! went out) the COPYs are undone to `savepoint` and `staged` is set: the caller then merges
//! them like its other rows. Other errors are returned as they are.
Status CopyNewRows(store::Connection& conn, pqxx::work& tx, std::string_view savepoint,
                   std::initializer_list<DirectCopy> copies, bool& staged);

}  // namespace gm::stream::internal
