#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"

namespace gm::store {

class CopyWriter;

//! COPY's data formats. Text is what psql and people read; binary spares the server the
//! parsing of every value (10–20 % of its COPY time for rows of numbers and timestamps) and
//! us the formatting and escaping, but each field must have its column's exact width.
enum class CopyFormat { kText, kBinary };

//! Rows encoded for `COPY ... FROM STDIN` without a connection, so a producer (a stream
//! processor) can build them where they arise and a writer sends them later in one COPY
//! (CopyWriter::AppendRows). Same field calls and encoding as CopyWriter (which encodes
//! through one of these). Not thread-safe; Clear() keeps the capacity, so a reused buffer
//! does not allocate.
//!
//! Binary format: the field call must match the column's SQL type exactly (Int16 for
//! smallint, Int32 for integer, Int for bigint, Float for real, Double for double precision);
//! a wrong width makes the server fail the COPY ("incorrect binary data format"). In text
//! format the integer and floating calls differ only in the range they take.
//!
//! Field calls never fail: the first problem (a NUL byte in text, a row with the wrong
//! number of fields) is remembered and returned by status(); a row that had a problem is
//! still encoded, so a writer must check status() before sending.
class CopyRows {
 public:
  //! `columns`: the number of fields each row must have.
  explicit CopyRows(size_t columns, CopyFormat format = CopyFormat::kText)
      : columns_(columns), format_(format) {}

  CopyRows& Null();
  //! text: any bytes but NUL (valid in the database's encoding, which the server checks).
  CopyRows& Text(std::string_view value);
  //! NULL when `value` is empty.
  CopyRows& TextOrNull(std::string_view value);
  //! smallint.
  CopyRows& Int16(int16_t value);
  //! integer.
  CopyRows& Int32(int32_t value);
  //! bigint.
  CopyRows& Int(int64_t value);
  //! real.
  CopyRows& Float(float value);
  //! double precision.
  CopyRows& Double(double value);
  CopyRows& Bool(bool value);
  //! timestamptz (text: ISO-8601 in UTC).
  CopyRows& Timestamp(Micros value);
  //! date: the UTC day holding `value` (text: YYYY-MM-DD).
  CopyRows& Date(Micros value);
  //! bytea, any bytes.
  CopyRows& Bytes(std::string_view value);
  //! text[] of any texts but NUL (text: each element quoted).
  CopyRows& TextArray(std::span<const std::string> values);
  //! Ends the row (checks its field count).
  void EndRow();

  //! Forgets every row and the status; keeps the capacity and the format.
  void Clear();
  bool empty() const { return rows_ == 0; }
  int64_t rows() const { return rows_; }
  size_t columns() const { return columns_; }
  CopyFormat format() const { return format_; }
  //! The encoded rows (text: each ending in '\n'; binary: tuples only, without the COPY's
  //! header and trailer, so rows of several CopyRows can follow each other in one COPY).
  std::string_view data() const { return buffer_; }
  const Status& status() const { return error_; }

 private:
  // CopyWriter streams: it sends data() in chunks and drops what it sent, while the row
  // count (and so the row numbers in messages) keeps going.
  friend class CopyWriter;

  void BeginField();
  // Remembers that the current field holds a NUL byte (unless an error came first).
  void NulByte();
  // Binary: starts a field whose `size` bytes of data the caller appends next (NULL: -1).
  void BinaryField(int32_t size);
  // Binary: a fixed-width field holding `bits` (big-endian), in one append.
  template <typename U>
  void BinaryValue(U bits);

  size_t columns_;
  CopyFormat format_;
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
