#pragma once

// The server's own view of a request and a response: handlers and middleware see these,
// never RESTinio's types, so they compile fast and can be tested without a socket.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gm::server {

//! An HTTP request as the router hands it to middleware and handlers.
struct Request {
  std::string method;  //!< upper case, as sent: GET, POST, OPTIONS, ...
  std::string path;    //!< the target's path, not decoded (routes are plain ASCII)
  //! Query parameters in order, percent- and '+'-decoded.
  std::vector<std::pair<std::string, std::string>> query;
  //! Header fields in order; names lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote;  //!< client address

  //! The first value of query parameter `name`, or nullptr.
  const std::string* Param(std::string_view name) const;
  //! The first value of header `name` (give it in lower case), or "" when absent.
  std::string_view Header(std::string_view name) const;
};

//! Where a streaming handler (Server-Sent Events) writes. Implemented by the server over
//! the connection; thread-safe with respect to the server, used by one thread at a time.
class EventSink {
 public:
  virtual ~EventSink() = default;
  //! Queues `data` for the client. Returns false once the client has gone (or the server
  //! is stopping): the caller should drop the sink then.
  virtual bool Send(std::string data) = 0;
  //! Ends the response.
  virtual void Close() = 0;
};

//! A handler's answer. Exactly one of: `body` (sent with Content-Length, gzipped when large
//! and the client accepts gzip), `chunks` (sent with chunked transfer encoding, one write per
//! chunk — CSV lists), or `stream` (the handler keeps the connection: SSE).
struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  //!< extra header fields
  std::string body;
  std::vector<std::string> chunks;
  bool chunked = false;  //!< send `chunks`
  //! When set, called once with the open stream after the status and headers are sent.
  std::function<void(std::unique_ptr<EventSink>)> stream;

  void AddHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

//! Decodes %XX escapes and '+' (as a space) of a query component. nullopt when an escape
//! is malformed.
std::optional<std::string> PercentDecode(std::string_view text);

//! Parses `a=1&b=x%20y` into decoded pairs; nullopt when a component is malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseQueryString(
    std::string_view query);

}  // namespace gm::server
