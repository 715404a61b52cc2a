#include "store/copy_writer.h"

#include <libpq-fe.h>

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace gm::store {
namespace {

constexpr size_t kFlushBytes = 256 * 1024;

// Sends the rest of a COPY's results to nowhere so the connection is usable again.
void DrainResults(PGconn* conn) {
  while (PGresult* r = PQgetResult(conn)) PQclear(r);
}

Status ResultError(PGresult* res, std::string_view context) {
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  return SqlStateToStatus(state != nullptr ? state : "", PQresultErrorMessage(res), context);
}

}  // namespace

namespace copy_text {

bool AppendEscaped(std::string_view value, std::string& out) {
  bool ok = true;
  size_t start = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const char* escape = nullptr;
    switch (c) {
      case '\\':
        escape = "\\\\";
        break;
      case '\t':
        escape = "\\t";
        break;
      case '\n':
        escape = "\\n";
        break;
      case '\r':
        escape = "\\r";
        break;
      case '\0':
        ok = false;
        break;
      default:
        continue;
    }
    out.append(value.substr(start, i - start));
    if (escape != nullptr) out.append(escape);
    start = i + 1;
  }
  out.append(value.substr(start));
  return ok;
}

void AppendArrayLiteral(std::span<const std::string> values, std::string& out) {
  out.push_back('{');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
}

}  // namespace copy_text

Result<CopyWriter> CopyWriter::Begin(Connection& conn, std::string_view table,
                                     const std::vector<std::string>& columns) {
  std::string sql = "COPY " + std::string(table) + " (";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += '"';
    for (char c : columns[i]) sql += c == '"' ? std::string("\"\"") : std::string(1, c);
    sql += '"';
  }
  sql += ") FROM STDIN";
  PGconn* raw = conn.raw();
  if (raw == nullptr) return Unavailable("COPY into " + std::string(table) + ": not connected");
  PGresult* res = PQexec(raw, sql.c_str());
  if (PQresultStatus(res) != PGRES_COPY_IN) {
    Status s = ResultError(res, "COPY into " + std::string(table));
    PQclear(res);
    DrainResults(raw);
    return s;
  }
  PQclear(res);
  CopyWriter writer(conn, columns.size());
  writer.buffer_.reserve(kFlushBytes + 4096);
  return writer;
}

CopyWriter::CopyWriter(CopyWriter&& other) noexcept
    : conn_(other.conn_),
      columns_(other.columns_),
      fields_in_row_(other.fields_in_row_),
      rows_(other.rows_),
      buffer_(std::move(other.buffer_)),
      error_(std::move(other.error_)),
      open_(std::exchange(other.open_, false)) {}

CopyWriter::~CopyWriter() {
  if (open_) Abort("abandoned by the writer");
}

void CopyWriter::BeginField() {
  if (fields_in_row_++ > 0) buffer_.push_back('\t');
}

CopyWriter& CopyWriter::Null() {
  BeginField();
  buffer_.append("\\N");
  return *this;
}

CopyWriter& CopyWriter::Text(std::string_view value) {
  BeginField();
  if (!copy_text::AppendEscaped(value, buffer_) && error_.ok()) {
    error_ = InvalidArgument("column " + std::to_string(fields_in_row_) + " of row " +
                             std::to_string(rows_ + 1) +
                             " holds a NUL byte, which PostgreSQL text cannot store");
  }
  return *this;
}

CopyWriter& CopyWriter::TextOrNull(const std::optional<std::string>& value) {
  return value ? Text(std::string_view(*value)) : Null();
}

CopyWriter& CopyWriter::Int(int64_t value) {
  BeginField();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  buffer_.append(buf, end);
  return *this;
}

CopyWriter& CopyWriter::Double(double value) {
  BeginField();
  if (std::isnan(value)) {
    buffer_.append("NaN");
  } else if (std::isinf(value)) {
    buffer_.append(value > 0 ? "Infinity" : "-Infinity");
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    buffer_.append(buf, end);
  }
  return *this;
}

CopyWriter& CopyWriter::Bool(bool value) {
  BeginField();
  buffer_.push_back(value ? 't' : 'f');
  return *this;
}

CopyWriter& CopyWriter::Timestamp(Micros value) {
  BeginField();
  AppendTimestamp(value, buffer_);
  return *this;
}

CopyWriter& CopyWriter::Date(Micros value) {
  BeginField();
  buffer_.append(FormatTimestamp(value), 0, 10);
  return *this;
}

CopyWriter& CopyWriter::Bytes(std::string_view value) {
  BeginField();
  static constexpr char kHex[] = "0123456789abcdef";
  buffer_.append("\\\\x");  // bytea's \x prefix, its backslash escaped for COPY
  for (unsigned char c : value) {
    buffer_.push_back(kHex[c >> 4]);
    buffer_.push_back(kHex[c & 15]);
  }
  return *this;
}

CopyWriter& CopyWriter::TextArray(std::span<const std::string> values) {
  std::string literal;
  copy_text::AppendArrayLiteral(values, literal);
  return Text(literal);
}

Status CopyWriter::EndRow() {
  if (fields_in_row_ != columns_ && error_.ok()) {
    error_ = InvalidArgument("row " + std::to_string(rows_ + 1) + " has " +
                             std::to_string(fields_in_row_) + " fields; the COPY expects " +
                             std::to_string(columns_));
  }
  fields_in_row_ = 0;
  if (!error_.ok()) return error_;
  buffer_.push_back('\n');
  ++rows_;
  if (buffer_.size() >= kFlushBytes) return Flush();
  return Status::Ok();
}

Status CopyWriter::Flush() {
  if (buffer_.empty()) return Status::Ok();
  if (PQputCopyData(conn_->raw(), buffer_.data(), static_cast<int>(buffer_.size())) != 1) {
    error_ = Unavailable("COPY: " + std::string(PQerrorMessage(conn_->raw())));
    return error_;
  }
  buffer_.clear();
  return Status::Ok();
}

Result<int64_t> CopyWriter::Finish() {
  if (!open_) return Internal("COPY already finished");
  if (!error_.ok()) {
    Status s = error_;
    Abort(s.message());
    return s;
  }
  Status s = Flush();
  if (!s.ok()) {
    Abort(s.message());
    return s;
  }
  open_ = false;
  PGconn* raw = conn_->raw();
  if (PQputCopyEnd(raw, nullptr) != 1) {
    Status e = Unavailable("COPY: " + std::string(PQerrorMessage(raw)));
    DrainResults(raw);
    return e;
  }
  PGresult* res = PQgetResult(raw);
  Result<int64_t> out = Status(Unavailable("COPY: no result from the server"));
  if (res != nullptr && PQresultStatus(res) == PGRES_COMMAND_OK) {
    out = static_cast<int64_t>(std::strtoll(PQcmdTuples(res), nullptr, 10));
  } else if (res != nullptr) {
    out = ResultError(res, "COPY");
  }
  PQclear(res);
  DrainResults(raw);
  return out;
}

void CopyWriter::Abort(std::string_view reason) {
  if (!open_) return;
  open_ = false;
  PGconn* raw = conn_->raw();
  if (raw == nullptr) return;
  PQputCopyEnd(raw, std::string(reason).c_str());
  DrainResults(raw);
}

}  // namespace gm::store
