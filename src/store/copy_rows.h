#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"

namespace gm::store {

class CopyWriter;

//! Rows encoded in COPY's text format without a connection, so a producer (a stream
//! processor) can build them where they arise and a writer sends them later in one
//! COPY (CopyWriter::AppendRows). Same field calls and encoding as CopyWriter (which
//! encodes through one of these). Not thread-safe; Clear() keeps the capacity, so a
//! reused buffer does not allocate.
//!
//! Field calls never fail: the first problem (a NUL byte in text, a row with the wrong
//! number of fields) is remembered and returned by status(); a row that had a problem is
//! still encoded, so a writer must check status() before sending.
class CopyRows {
 public:
  //! `columns`: the number of fields each row must have.
  explicit CopyRows(size_t columns) : columns_(columns) {}

  CopyRows& Null();
  CopyRows& Text(std::string_view value);
  //! NULL when `value` is empty.
  CopyRows& TextOrNull(std::string_view value);
  CopyRows& Int(int64_t value);
  CopyRows& Double(double value);
  CopyRows& Bool(bool value);
  //! timestamptz: ISO-8601 in UTC.
  CopyRows& Timestamp(Micros value);
  //! date: YYYY-MM-DD of the UTC day holding `value`.
  CopyRows& Date(Micros value);
  //! bytea, any bytes.
  CopyRows& Bytes(std::string_view value);
  //! text[]: each element quoted, so any text works.
  CopyRows& TextArray(std::span<const std::string> values);
  //! Ends the row (checks its field count).
  void EndRow();

  //! Forgets every row and the status; keeps the capacity.
  void Clear();
  bool empty() const { return rows_ == 0; }
  int64_t rows() const { return rows_; }
  size_t columns() const { return columns_; }
  //! The encoded rows, each ending in '\n'.
  std::string_view data() const { return buffer_; }
  const Status& status() const { return error_; }

 private:
  // CopyWriter streams: it sends data() in chunks and drops what it sent, while the row
  // count (and so the row numbers in messages) keeps going.
  friend class CopyWriter;

  void BeginField();

  size_t columns_;
  size_t fields_in_row_ = 0;
  int64_t rows_ = 0;
  std::string buffer_;
  std::string scratch_;  // TextArray's literal before escaping; kept for its capacity
  Status error_;
};

//! The encoding of single values in COPY's text format, shared by CopyRows/CopyWriter.
namespace copy_text {
//! Appends `value` escaped for COPY's text format: backslash, tab, newline and carriage
//! return become \\, \t, \n, \r. Returns false when `value` holds a NUL byte.
[[nodiscard]] bool AppendEscaped(std::string_view value, std::string& out);
//! Appends a PostgreSQL array literal of quoted elements: {"a","b \"c\""}.
void AppendArrayLiteral(std::span<const std::string> values, std::string& out);
}  // namespace copy_text

}  // namespace gm::store
