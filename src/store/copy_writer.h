#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "store/connection.h"

namespace gm::store {

//! Streams rows into one table with `COPY ... FROM STDIN` (text format), for append-only
//! tables and staging tables. Rows are encoded into a buffer that goes to the server in
//! large chunks, so a row costs a few hundred nanoseconds.
//!
//! Usage: Begin(), then per row one field call per column in order and EndRow(), then
//! Finish(). Run it inside a transaction (BEGIN on the same connection) to make the rows
//! visible atomically with other writes; without one, COPY commits on its own.
//! The connection may not be used for anything else between Begin and Finish/Abort.
//! Field calls never fail; the first problem (e.g. a NUL byte in text, which PostgreSQL
//! cannot store) is remembered and returned by EndRow/Finish.
class CopyWriter {
 public:
  //! Starts COPY into `table` (an identifier, optionally schema-qualified, quoted as
  //! needed by the caller) for `columns`. Errors as ToStatus maps them.
  static Result<CopyWriter> Begin(Connection& conn, std::string_view table,
                                  const std::vector<std::string>& columns);

  CopyWriter(CopyWriter&&) noexcept;
  CopyWriter& operator=(CopyWriter&&) = delete;
  //! Aborts the COPY if neither Finish nor Abort ran.
  ~CopyWriter();

  CopyWriter& Null();
  CopyWriter& Text(std::string_view value);
  //! NULL when `value` is empty.
  CopyWriter& TextOrNull(const std::optional<std::string>& value);
  CopyWriter& Int(int64_t value);
  CopyWriter& Double(double value);
  CopyWriter& Bool(bool value);
  //! timestamptz: ISO-8601 in UTC.
  CopyWriter& Timestamp(Micros value);
  //! date: YYYY-MM-DD of the UTC day holding `value`.
  CopyWriter& Date(Micros value);
  //! bytea, any bytes.
  CopyWriter& Bytes(std::string_view value);
  //! text[]: each element quoted, so any text works.
  CopyWriter& TextArray(std::span<const std::string> values);

  //! Ends the row. Returns InvalidArgument when the row has the wrong number of fields or
  //! a field could not be encoded; Unavailable when the connection failed while sending.
  Status EndRow();

  //! Sends the rest and ends the COPY. Returns the number of rows the server stored, or the
  //! server's error (a bad value, a constraint) mapped by ToStatus.
  Result<int64_t> Finish();
  //! Cancels the COPY; the server reports an error, so roll the transaction back.
  void Abort(std::string_view reason);

  int64_t rows() const { return rows_; }

 private:
  CopyWriter(Connection& conn, size_t columns) : conn_(&conn), columns_(columns) {}
  void BeginField();
  Status Flush();

  Connection* conn_;
  size_t columns_;
  size_t fields_in_row_ = 0;
  int64_t rows_ = 0;
  std::string buffer_;
  Status error_;
  bool open_ = true;
};

namespace copy_text {
//! Appends `value` escaped for COPY's text format: backslash, tab, newline and carriage
//! return become \\, \t, \n, \r. Returns false when `value` holds a NUL byte.
[[nodiscard]] bool AppendEscaped(std::string_view value, std::string& out);
//! Appends a PostgreSQL array literal of quoted elements: {"a","b \"c\""}.
void AppendArrayLiteral(std::span<const std::string> values, std::string& out);
}  // namespace copy_text

}  // namespace gm::store
