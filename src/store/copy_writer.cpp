#include "store/copy_writer.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <utility>

namespace gm::store {
namespace {

constexpr size_t kFlushBytes = 256 * 1024;

// The binary format's header (signature, int32 flags 0, int32 header extension length 0)
// and trailer (int16 field count -1).
constexpr std::string_view kBinaryHeader(
    "PGCOPY\n\377\r\n\0"
    "\0\0\0\0"
    "\0\0\0\0",
    19);
constexpr std::string_view kBinaryTrailer("\377\377", 2);

const char* FormatName(CopyFormat format) {
  return format == CopyFormat::kBinary ? "binary" : "text";
}

// Sends the rest of a COPY's results to nowhere so the connection is usable again.
void DrainResults(PGconn* conn) {
  while (PGresult* r = PQgetResult(conn)) PQclear(r);
}

Status ResultError(PGresult* res, std::string_view context) {
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  return SqlStateToStatus(state != nullptr ? state : "", PQresultErrorMessage(res), context);
}

}  // namespace

Result<CopyWriter> CopyWriter::Begin(Connection& conn, std::string_view table,
                                     const std::vector<std::string>& columns, CopyFormat format) {
  std::string sql = "COPY " + std::string(table) + " (";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += '"';
    for (char c : columns[i]) sql += c == '"' ? std::string("\"\"") : std::string(1, c);
    sql += '"';
  }
  sql += format == CopyFormat::kBinary ? ") FROM STDIN (FORMAT binary)" : ") FROM STDIN";
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
  CopyWriter writer(conn, columns.size(), format);
  writer.rows_.buffer_.reserve(kFlushBytes + 4096);
  if (format == CopyFormat::kBinary) {
    if (Status s = writer.Send(kBinaryHeader); !s.ok()) return s;
  }
  return writer;
}

CopyWriter::CopyWriter(CopyWriter&& other) noexcept
    : conn_(other.conn_),
      rows_(std::move(other.rows_)),
      appended_rows_(other.appended_rows_),
      error_(std::move(other.error_)),
      open_(std::exchange(other.open_, false)) {}

CopyWriter::~CopyWriter() {
  if (open_) Abort("abandoned by the writer");
}

CopyWriter& CopyWriter::Null() {
  rows_.Null();
  return *this;
}

CopyWriter& CopyWriter::Text(std::string_view value) {
  rows_.Text(value);
  return *this;
}

CopyWriter& CopyWriter::TextOrNull(const std::optional<std::string>& value) {
  value ? rows_.Text(*value) : rows_.Null();
  return *this;
}

CopyWriter& CopyWriter::Int16(int16_t value) {
  rows_.Int16(value);
  return *this;
}

CopyWriter& CopyWriter::Int32(int32_t value) {
  rows_.Int32(value);
  return *this;
}

CopyWriter& CopyWriter::Int(int64_t value) {
  rows_.Int(value);
  return *this;
}

CopyWriter& CopyWriter::Float(float value) {
  rows_.Float(value);
  return *this;
}

CopyWriter& CopyWriter::Double(double value) {
  rows_.Double(value);
  return *this;
}

CopyWriter& CopyWriter::Bool(bool value) {
  rows_.Bool(value);
  return *this;
}

CopyWriter& CopyWriter::Timestamp(Micros value) {
  rows_.Timestamp(value);
  return *this;
}

CopyWriter& CopyWriter::Date(Micros value) {
  rows_.Date(value);
  return *this;
}

CopyWriter& CopyWriter::Bytes(std::string_view value) {
  rows_.Bytes(value);
  return *this;
}

CopyWriter& CopyWriter::TextArray(std::span<const std::string> values) {
  rows_.TextArray(values);
  return *this;
}

Status CopyWriter::EndRow() {
  rows_.EndRow();
  if (!rows_.status().ok()) return rows_.status();
  if (!error_.ok()) return error_;
  if (rows_.buffer_.size() >= kFlushBytes) return Flush();
  return Status::Ok();
}

Status CopyWriter::AppendRows(const CopyRows& rows) {
  if (!error_.ok()) return error_;
  if (!rows_.status().ok()) return rows_.status();
  if (!rows.status().ok()) {
    error_ = rows.status();
    return error_;
  }
  if (rows.columns() != rows_.columns()) {
    error_ = InvalidArgument("appended rows have " + std::to_string(rows.columns()) +
                             " columns; the COPY expects " + std::to_string(rows_.columns()));
    return error_;
  }
  if (rows.format() != rows_.format()) {
    error_ = InvalidArgument(std::string("appended rows are in ") + FormatName(rows.format()) +
                             " format; the COPY is in " + FormatName(rows_.format()));
    return error_;
  }
  if (rows_.fields_in_row_ != 0) {
    error_ =
        InvalidArgument("rows appended in the middle of row " + std::to_string(rows_.rows() + 1));
    return error_;
  }
  // What is buffered goes first; the appended rows go out as they are, in chunks (COPY
  // data messages need not end at row boundaries), without another copy.
  if (Status s = Flush(); !s.ok()) return s;
  std::string_view data = rows.data();
  while (!data.empty()) {
    const std::string_view chunk = data.substr(0, kFlushBytes);
    if (Status s = Send(chunk); !s.ok()) return s;
    data.remove_prefix(chunk.size());
  }
  appended_rows_ += rows.rows();
  return Status::Ok();
}

Status CopyWriter::Send(std::string_view data) {
  if (PQputCopyData(conn_->raw(), data.data(), static_cast<int>(data.size())) != 1) {
    error_ = Unavailable("COPY: " + std::string(PQerrorMessage(conn_->raw())));
    return error_;
  }
  return Status::Ok();
}

Status CopyWriter::Flush() {
  if (rows_.buffer_.empty()) return Status::Ok();
  if (Status s = Send(rows_.buffer_); !s.ok()) return s;
  rows_.buffer_.clear();
  return Status::Ok();
}

Result<int64_t> CopyWriter::Finish() {
  if (!open_) return Internal("COPY already finished");
  if (!error_.ok() || !rows_.status().ok()) {
    Status s = !error_.ok() ? error_ : rows_.status();
    Abort(s.message());
    return s;
  }
  Status s = Flush();
  if (s.ok() && rows_.format() == CopyFormat::kBinary) s = Send(kBinaryTrailer);
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
