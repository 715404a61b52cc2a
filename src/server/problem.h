#pragma once

// Errors as RFC 9457 application/problem+json. HttpStatusFor is the one place that maps a
// Status to an HTTP status; 5xx answers never carry the internal message (it is logged).

#include <string>
#include <string_view>

#include "common/status.h"
#include "server/http.h"

namespace gm::server {

//! InvalidArgument → 400, Unauthenticated → 401, PermissionDenied → 403, NotFound → 404,
//! Aborted → 409, ResourceExhausted → 413, Unavailable → 503, Timeout → 504,
//! Internal and anything else → 500; ok → 200.
int HttpStatusFor(const Status& status);

//! A problem response: {"type":"about:blank","title":<reason phrase>,"status":N,"detail":..}.
Response Problem(int http_status, std::string_view detail);

//! The problem for a failed Status. For 5xx answers the detail is a fixed text per status
//! (the real message, which may name tables or SQL, goes to the "http" log instead).
Response ProblemFor(const Status& status);

//! "OK", "Not Found", ... for a status code; "Unknown" for codes not in the table.
std::string_view ReasonPhrase(int http_status);

}  // namespace gm::server
