#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"

// libpqxx and libpq stay out of the headers other modules include: these forward
// declarations are all the store's public headers need.
namespace pqxx {
class connection_base;
}
typedef struct pg_conn PGconn;  // as libpq-fe.h declares it

namespace gm::store {

//! One PostgreSQL session: a libpqxx connection for transactions and queries, plus the libpq
//! handle underneath for COPY (store/copy_writer.h). Used by one thread at a time (a pool
//! lease hands it out); the connection closes when the object is destroyed.
class Connection {
 public:
  //! Connects to `url` (a postgresql:// URI or a key=value string), giving up after
  //! `connect_timeout` (libpq counts whole seconds, at least 2). Server notices at warning
  //! level and above go to the "store" logger. Returns Unavailable when the server cannot be
  //! reached or refuses the login, InvalidArgument when the URL is malformed.
  static Result<std::unique_ptr<Connection>> Open(const std::string& url, Micros connect_timeout);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  //! For the store's adapters, which catch libpqxx's exceptions (see ToStatus below).
  pqxx::connection_base& pqxx();
  //! The libpq handle of the current session; null when the connection is closed.
  PGconn* raw() const;

  //! False once the session is known to be unusable: the socket is closed (e.g. the server
  //! restarted) or a transaction or COPY was left open. Never blocks: it reads whatever the
  //! server already sent. A pool calls this before handing the connection out.
  bool Healthy();

  //! Runs one or more SQL statements outside any transaction (libpq simple query).
  Status Execute(std::string_view sql);

  //! The server's version as a number, e.g. 150020, and as text, e.g. "15.20".
  int server_version() const;
  std::string ServerVersionText() const;

 private:
  class Impl;
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

//! `url` with its password replaced by "***", for messages and logs.
std::string RedactUrl(std::string_view url);

//! `url` with a connection parameter added unless it already sets it, in the URL's own
//! syntax (?k=v / &k=v for URIs, " k=v" for key=value strings).
std::string WithUrlParameter(std::string_view url, std::string_view key, std::string_view value);

//! Maps an exception thrown by libpqxx (or the standard library) to a Status, by SQLSTATE
//! (libpqxx 6.4 drops it for the errors it has a class for; the class tells it then):
//! broken connections, SQLSTATE class 08 and server shutdowns (57P01–57P03) → Unavailable;
//! serialization failures and deadlocks (40001, 40P01) → Unavailable (retrying helps);
//! data and constraint errors (22, 23) → InvalidArgument; 53 → ResourceExhausted;
//! 57014 (statement timeout) → Timeout; anything else → Internal. The message starts with
//! `context`, and includes the SQLSTATE when there is one.
Status ToStatus(const std::exception& e, std::string_view context);

//! The same mapping for a SQLSTATE and message that libpq reported directly.
Status SqlStateToStatus(std::string_view sqlstate, std::string_view message,
                        std::string_view context);

}  // namespace gm::store
