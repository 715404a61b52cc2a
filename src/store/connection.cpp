#include "store/connection.h"

#include <libpq-fe.h>

#include <pqxx/pqxx>

#include "common/logging.h"

namespace gm::store {
namespace {

// libpqxx 6.4 keeps the libpq handle private. A connection policy, its documented extension
// point, sees every handle it creates, so this policy remembers the current one.
class CapturingPolicy final : public pqxx::connect_direct {
 public:
  explicit CapturingPolicy(const std::string& options) : pqxx::connect_direct(options) {}
  handle do_startconnect(handle h) override { return handle_ = connect_direct::do_startconnect(h); }
  handle do_completeconnect(handle h) override {
    return handle_ = connect_direct::do_completeconnect(h);
  }
  handle do_dropconnect(handle h) noexcept override {
    return handle_ = connect_direct::do_dropconnect(h);
  }
  handle do_disconnect(handle h) noexcept override {
    return handle_ = connect_direct::do_disconnect(h);
  }
  handle current() const { return handle_; }

 private:
  handle handle_ = nullptr;
};

// pqxx::connection with the capturing policy (what basic_connection_base does, with the
// policy reachable).
class PqxxConnection final : public pqxx::connection_base {
 public:
  explicit PqxxConnection(const std::string& options)
      : pqxx::connection_base(policy_), options_(options), policy_(options_) {
    init();
  }
  ~PqxxConnection() noexcept { close(); }
  PGconn* handle() const { return policy_.current(); }

 private:
  std::string options_;  // must be initialised before policy_
  CapturingPolicy policy_;
};

// Forwards server notices (warnings and above; see client_min_messages) to our logger
// instead of libpqxx's default of printing them on stderr.
class NoticeLogger final : public pqxx::errorhandler {
 public:
  explicit NoticeLogger(pqxx::connection_base& c) : pqxx::errorhandler(c) {}
  bool operator()(const char msg[]) noexcept override {
    std::string_view text(msg);
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    Logger("store")->warn("PostgreSQL: {}", text);
    return false;
  }
};

// libpqxx 6.4 throws a subclass of sql_error for common SQLSTATEs but leaves its sqlstate()
// empty then; the class tells the state (for the broad classes, the class's generic code).
template <typename T>
bool Is(const pqxx::sql_error& e) {
  return dynamic_cast<const T*>(&e) != nullptr;
}

std::string SqlStateOf(const pqxx::sql_error& e) {
  if (!e.sqlstate().empty()) return e.sqlstate();
  struct Known {
    bool (*is)(const pqxx::sql_error&);
    const char* state;
  };
  static const Known kKnown[] = {
      {&Is<pqxx::unique_violation>, "23505"},
      {&Is<pqxx::foreign_key_violation>, "23503"},
      {&Is<pqxx::not_null_violation>, "23502"},
      {&Is<pqxx::check_violation>, "23514"},
      {&Is<pqxx::restrict_violation>, "23001"},
      {&Is<pqxx::integrity_constraint_violation>, "23000"},
      {&Is<pqxx::data_exception>, "22000"},
      {&Is<pqxx::insufficient_privilege>, "42501"},
      {&Is<pqxx::undefined_table>, "42P01"},
      {&Is<pqxx::undefined_column>, "42703"},
      {&Is<pqxx::undefined_function>, "42883"},
      {&Is<pqxx::syntax_error>, "42601"},
      {&Is<pqxx::disk_full>, "53100"},
      {&Is<pqxx::out_of_memory>, "53200"},
      {&Is<pqxx::insufficient_resources>, "53000"},
      {&Is<pqxx::feature_not_supported>, "0A000"},
      {&Is<pqxx::plpgsql_raise>, "P0001"},
      {&Is<pqxx::plpgsql_error>, "P0000"},
  };
  for (const Known& k : kKnown) {
    if (k.is(e)) return k.state;
  }
  return "";
}

bool IsUri(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

}  // namespace

class Connection::Impl {
 public:
  explicit Impl(const std::string& url) : conn(url), notices(conn) {}
  PqxxConnection conn;
  NoticeLogger notices;
};

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::~Connection() = default;

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& url,
                                                     Micros connect_timeout) {
  const int64_t seconds =
      std::max<int64_t>(2, (connect_timeout + kMicrosPerSecond - 1) / kMicrosPerSecond);
  // Syntax errors are the caller's; no point in retrying them.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string why = parse_error != nullptr ? parse_error : "malformed";
    PQfreemem(parse_error);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return InvalidArgument("bad PostgreSQL URL " + RedactUrl(url) + ": " + why);
  }
  PQconninfoFree(parsed);
  std::string full = WithUrlParameter(url, "connect_timeout", std::to_string(seconds));
  full = WithUrlParameter(full, "application_name", "globalmart");
  std::unique_ptr<Impl> impl;
  try {
    impl = std::make_unique<Impl>(full);
    pqxx::nontransaction tx(impl->conn);
    tx.exec("SET client_min_messages TO warning");
  } catch (const pqxx::broken_connection& e) {
    std::string message = e.what();
    while (!message.empty() && message.back() == '\n') message.pop_back();
    // libpq checks option values (port, sslmode, ...) when connecting: "invalid ...".
    if (message.starts_with("invalid ")) {
      return InvalidArgument("bad PostgreSQL URL " + RedactUrl(url) + ": " + message);
    }
    return Unavailable("cannot connect to PostgreSQL at " + RedactUrl(url) + ": " + message);
  } catch (const std::exception& e) {
    return ToStatus(e, "connecting to PostgreSQL at " + RedactUrl(url));
  }
  return std::unique_ptr<Connection>(new Connection(std::move(impl)));
}

pqxx::connection_base& Connection::pqxx() { return impl_->conn; }

PGconn* Connection::raw() const { return impl_->conn.handle(); }

bool Connection::Healthy() {
  PGconn* c = raw();
  if (c == nullptr || PQstatus(c) != CONNECTION_OK) return false;
  if (PQtransactionStatus(c) != PQTRANS_IDLE) return false;
  // A server that went away left a final error message and then end-of-file on the
  // socket; the first read consumes the message, the second notices the end.
  for (int i = 0; i < 2; ++i) {
    if (PQconsumeInput(c) == 0 || PQstatus(c) != CONNECTION_OK) return false;
  }
  return true;
}

Status Connection::Execute(std::string_view sql) {
  try {
    pqxx::nontransaction tx(impl_->conn);
    tx.exec(std::string(sql));
    return Status::Ok();
  } catch (const std::exception& e) {
    return ToStatus(e, "executing SQL");
  }
}

int Connection::server_version() const { return impl_->conn.server_version(); }

std::string Connection::ServerVersionText() const {
  const int v = server_version();
  if (v >= 100000) return std::to_string(v / 10000) + "." + std::to_string(v % 100);
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." +
         std::to_string(v % 100);
}

std::string RedactUrl(std::string_view url) {
  std::string out(url);
  if (IsUri(url)) {
    const size_t start = out.find("://") + 3;
    const size_t at = out.find('@', start);
    const size_t slash = out.find('/', start);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      const size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... as a URI query parameter or in a key=value string.
  for (size_t pos = out.find("password="); pos != std::string::npos;
       pos = out.find("password=", pos + 1)) {
    const size_t value = pos + 9;
    size_t end = value;
    if (end < out.size() && out[end] == '\'') {
      end = out.find('\'', end + 1);
      end = end == std::string::npos ? out.size() : end + 1;
    } else {
      while (end < out.size() && out[end] != ' ' && out[end] != '&') ++end;
    }
    out.replace(value, end - value, "***");
  }
  return out;
}

std::string WithUrlParameter(std::string_view url, std::string_view key, std::string_view value) {
  std::string out(url);
  const std::string needle = std::string(key) + "=";
  if (IsUri(url)) {
    const size_t query = out.find('?');
    if (query != std::string::npos && (out.find("?" + needle) != std::string::npos ||
                                       out.find("&" + needle) != std::string::npos)) {
      return out;
    }
    out += query == std::string::npos ? "?" : "&";
  } else {
    if (out.starts_with(needle) || out.find(" " + needle) != std::string::npos) return out;
    if (!out.empty()) out += " ";
  }
  out += needle;
  out += value;
  return out;
}

Status SqlStateToStatus(std::string_view sqlstate, std::string_view message,
                        std::string_view context) {
  std::string text(context);
  text += ": ";
  std::string_view m = message;
  while (!m.empty() && m.back() == '\n') m.remove_suffix(1);
  text += m;
  if (!sqlstate.empty()) text += " (SQLSTATE " + std::string(sqlstate) + ")";
  ErrorCode code = ErrorCode::kInternal;
  if (sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03" || sqlstate == "40001" || sqlstate == "40P01") {
    code = ErrorCode::kUnavailable;
  } else if (sqlstate.starts_with("22") || sqlstate.starts_with("23")) {
    code = ErrorCode::kInvalidArgument;
  } else if (sqlstate.starts_with("53")) {
    code = ErrorCode::kResourceExhausted;
  } else if (sqlstate == "57014") {
    code = ErrorCode::kTimeout;
  }
  return Status(code, std::move(text));
}

Status ToStatus(const std::exception& e, std::string_view context) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    return SqlStateToStatus(SqlStateOf(*sql), sql->what(), context);
  }
  std::string message = e.what();
  while (!message.empty() && message.back() == '\n') message.pop_back();
  const std::string text = std::string(context) + ": " + message;
  // Connection losses, and serialization failures and deadlocks (which libpqxx 6.4 reports
  // without their SQLSTATE): retrying may help.
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
      dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) {
    return Unavailable(text);
  }
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return Unavailable(text + " (the commit's outcome is unknown)");
  }
  if (dynamic_cast<const pqxx::conversion_error*>(&e) != nullptr) return InvalidArgument(text);
  return Internal(text);
}

}  // namespace gm::store
