#include "stream/internal/pg_copy.h"

#include "store/copy_writer.h"

namespace gm::stream::internal {
namespace {

bool IsUniqueViolation(const Status& s) {
  // SqlStateToStatus puts the SQLSTATE in the message.
  return s.code() == ErrorCode::kInvalidArgument &&
         s.message().find("SQLSTATE 23505") != std::string::npos;
}

}  // namespace

Status CopyInto(store::Connection& conn, const char* table, const std::vector<std::string>& columns,
                const store::CopyRows& rows) {
  Result<store::CopyWriter> writer = store::CopyWriter::Begin(conn, table, columns, rows.format());
  if (!writer.ok()) return writer.status();
  if (Status s = writer->AppendRows(rows); !s.ok()) {
    writer->Abort(s.message());
    return s;
  }
  return writer->Finish().status();
}

Status CopyNewRows(store::Connection& conn, pqxx::work& tx, std::string_view savepoint,
                   std::initializer_list<DirectCopy> copies, bool& staged) {
  bool any = false;
  for (const DirectCopy& c : copies) any |= !c.rows.empty();
  if (!any) return Status::Ok();
  // A savepoint by hand: libpqxx 6.4's subtransaction defers its SAVEPOINT to its first
  // statement, and the COPYs bypass libpqxx.
  const std::string name(savepoint);
  tx.exec("SAVEPOINT " + name);
  Status s = Status::Ok();
  for (const DirectCopy& c : copies) {
    if (s.ok() && !c.rows.empty()) s = CopyInto(conn, c.table, c.columns, c.rows);
  }
  if (s.ok()) {
    tx.exec("RELEASE SAVEPOINT " + name);
    return Status::Ok();
  }
  if (!IsUniqueViolation(s)) return s;
  tx.exec("ROLLBACK TO SAVEPOINT " + name);
  staged = true;
  return Status::Ok();
}

}  // namespace gm::stream::internal
