#include "store/internal/csv.h"

namespace gm::store::internal {

Result<bool> CsvReader::Next(std::vector<std::string>& fields) {
  fields.clear();
  do {
    if (!std::getline(in_, buf_)) return false;
    ++line_;
    if (!buf_.empty() && buf_.back() == '\r') buf_.pop_back();
  } while (buf_.empty());
  record_line_ = line_;

  std::string field;
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field was quoted and its quotes are closed
  size_t i = 0;
  for (;;) {
    if (i == buf_.size()) {
      if (!quoted) break;
      // A line break inside quotes belongs to the field.
      if (!std::getline(in_, buf_)) {
        return InvalidArgument("line " + std::to_string(record_line_) +
                               ": a quoted field is not closed");
      }
      ++line_;
      if (!buf_.empty() && buf_.back() == '\r') buf_.pop_back();
      field.push_back('\n');
      i = 0;
      continue;
    }
    const char c = buf_[i++];
    if (quoted) {
      if (c != '"') {
        field.push_back(c);
      } else if (i < buf_.size() && buf_[i] == '"') {
        field.push_back('"');
        ++i;
      } else {
        quoted = false;
        was_quoted = true;
      }
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else if (was_quoted) {
      return InvalidArgument("line " + std::to_string(line_) +
                             ": text after the closing quote of field " +
                             std::to_string(fields.size() + 1));
    } else if (c == '"' && field.empty()) {
      quoted = true;
    } else {
      field.push_back(c);
    }
  }
  fields.push_back(std::move(field));
  return true;
}

}  // namespace gm::store::internal
