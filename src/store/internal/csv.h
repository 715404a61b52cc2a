#pragma once

// An RFC 4180 CSV record reader for the catalog files. Internal to store/.

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "common/status.h"

namespace gm::store::internal {

//! Reads comma-separated records: fields may be quoted ("a, b", "say ""hi""", line breaks
//! inside quotes); CRLF and LF line ends both work; a blank line is skipped.
class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(in) {}

  //! Reads the next record into `fields`. Returns false at the end of the input, or
  //! InvalidArgument for a malformed record (unterminated quote, text after a closing quote).
  Result<bool> Next(std::vector<std::string>& fields);

  //! The line on which the record last returned by Next started (1-based).
  int64_t line() const { return record_line_; }

 private:
  std::istream& in_;
  std::string buf_;
  int64_t line_ = 0;
  int64_t record_line_ = 0;
};

}  // namespace gm::store::internal
