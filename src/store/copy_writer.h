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
#include "store/copy_rows.h"

namespace gm::store {

//! Streams rows into one table with `COPY ... FROM STDIN` (text or binary format, see
//! CopyFormat), for append-only tables and staging tables. Rows are encoded into a buffer
//! that goes to the server in large chunks, so a row costs a few hundred nanoseconds.
//!
//! Usage: Begin(), then per row one field call per column in order and EndRow(), then
//! Finish(). Run it inside a transaction (BEGIN on the same connection) to make the rows
//! visible atomically with other writes; without one, COPY commits on its own.
//! The connection may not be used for anything else between Begin and Finish/Abort.
//! Field calls never fail; the first problem (e.g. a NUL byte in text, which PostgreSQL
//! cannot store) is remembered and returned by EndRow/Finish. Rows encoded elsewhere
//! (CopyRows of the same format) are sent with AppendRows.
class CopyWriter {
 public:
  //! Starts COPY into `table` (an identifier, optionally schema-qualified, quoted as
  //! needed by the caller) for `columns` in `format` (binary: the field calls must match
  //! the columns' types, see CopyRows). Errors as ToStatus maps them.
  static Result<CopyWriter> Begin(Connection& conn, std::string_view table,
                                  const std::vector<std::string>& columns,
                                  CopyFormat format = CopyFormat::kText);

  CopyWriter(CopyWriter&&) noexcept;
  CopyWriter& operator=(CopyWriter&&) = delete;
  //! Aborts the COPY if neither Finish nor Abort ran.
  ~CopyWriter();

  CopyWriter& Null();
  CopyWriter& Text(std::string_view value);
  //! NULL when `value` is empty.
  CopyWriter& TextOrNull(const std::optional<std::string>& value);
  //! smallint.
  CopyWriter& Int16(int16_t value);
  //! integer.
  CopyWriter& Int32(int32_t value);
  //! bigint.
  CopyWriter& Int(int64_t value);
  //! real.
  CopyWriter& Float(float value);
  //! double precision.
  CopyWriter& Double(double value);
  CopyWriter& Bool(bool value);
  //! timestamptz (text: ISO-8601 in UTC).
  CopyWriter& Timestamp(Micros value);
  //! date: the UTC day holding `value` (text: YYYY-MM-DD).
  CopyWriter& Date(Micros value);
  //! bytea, any bytes.
  CopyWriter& Bytes(std::string_view value);
  //! text[]: each element quoted, so any text works.
  CopyWriter& TextArray(std::span<const std::string> values);

  //! Ends the row. Returns InvalidArgument when the row has the wrong number of fields or
  //! a field could not be encoded; Unavailable when the connection failed while sending.
  Status EndRow();

  //! Sends rows encoded earlier, after the rows written so far. Returns rows.status() when
  //! that is not ok, InvalidArgument when `rows` has another number of columns or another
  //! format than this COPY or a row written with the field calls is not ended yet,
  //! Unavailable when the connection failed while sending. After an error Finish fails too
  //! (nothing is stored).
  Status AppendRows(const CopyRows& rows);

  //! Sends the rest and ends the COPY. Returns the number of rows the server stored, or the
  //! server's error (a bad value, a constraint) mapped by ToStatus.
  Result<int64_t> Finish();
  //! Cancels the COPY; the server reports an error, so roll the transaction back.
  void Abort(std::string_view reason);

  //! Rows written or appended so far.
  int64_t rows() const { return rows_.rows() + appended_rows_; }

 private:
  CopyWriter(Connection& conn, size_t columns, CopyFormat format)
      : conn_(&conn), rows_(columns, format) {}
  Status Flush();
  Status Send(std::string_view data);

  Connection* conn_;
  // The encoding buffer: sent whenever it passes a size, the rest by Finish.
  CopyRows rows_;
  int64_t appended_rows_ = 0;
  // A failure to send, or an AppendRows error; encoding problems are in rows_.status().
  Status error_;
  bool open_ = true;
};

}  // namespace gm::store
