#include "server/problem.h"

#include "common/logging.h"
#include "server/internal/json.h"

namespace gm::server {

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case ErrorCode::kOk:
      return 200;
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAborted:
      return 409;
    case ErrorCode::kResourceExhausted:
      return 413;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kTimeout:
      return 504;
    case ErrorCode::kInternal:
      return 500;
    default:
      break;
  }
  // Codes added to common/status.h for the security layer, by name so this compiles
  // whichever set the enum holds.
  const std::string_view name = ErrorCodeName(status.code());
  if (name == "unauthenticated") return 401;
  if (name == "permission_denied") return 403;
  return 500;
}

std::string_view ReasonPhrase(int http_status) {
  switch (http_status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

Response Problem(int http_status, std::string_view detail) {
  Response r;
  r.status = http_status;
  r.content_type = "application/problem+json";
  std::string& b = r.body;
  b = "{\"type\":\"about:blank\",\"title\":";
  AppendJsonString(b, ReasonPhrase(http_status));
  b += ",\"status\":";
  b += std::to_string(http_status);
  b += ",\"detail\":";
  AppendJsonString(b, detail);
  b += "}";
  return r;
}

Response ProblemFor(const Status& status) {
  const int code = HttpStatusFor(status);
  if (code < 500) return Problem(code, status.message());
  // The message may name tables, SQL or hosts: it goes to the log, not to the client.
  Logger("http")->error("request failed: {}", status.ToString());
  switch (code) {
    case 503:
      return Problem(code, "the database is unavailable; try again shortly");
    case 504:
      return Problem(code, "the query took too long and was cancelled");
    default:
      return Problem(code, "internal error; the server log has the details");
  }
}

}  // namespace gm::server
