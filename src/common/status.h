#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace gm {

//! Broad classes of expected failure. The CLI maps kInvalidArgument to exit code 2,
//! everything else to 1; a later HTTP layer maps codes to statuses in one function.
enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,  //!< bad input: a malformed event, a bad config value, a bad flag
  kNotFound,
  kUnavailable,  //!< a server (broker, database) cannot be reached; retrying may help
  kTimeout,
  kResourceExhausted,  //!< a bound was hit (queue full, message too large)
  kInternal,
  //! Fenced: another owner took over (a newer consumer-group generation committed).
  kAborted,
  //! No credentials, or credentials that do not identify anyone (a bad or revoked API key).
  kUnauthenticated,
  //! The caller is known but may not do this (a read-scope key on an admin route).
  kPermissionDenied,
};

std::string_view ErrorCodeName(ErrorCode code);

//! The outcome of an operation that can fail in an expected way. Cheap when ok
//! (no allocation); carries a human-readable message otherwise.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  //! "invalid_argument: <message>", or "ok".
  std::string ToString() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string message) {
  return Status(ErrorCode::kInvalidArgument, std::move(message));
}
inline Status Unavailable(std::string message) {
  return Status(ErrorCode::kUnavailable, std::move(message));
}
inline Status Internal(std::string message) {
  return Status(ErrorCode::kInternal, std::move(message));
}
inline Status Aborted(std::string message) {
  return Status(ErrorCode::kAborted, std::move(message));
}
inline Status Unauthenticated(std::string message) {
  return Status(ErrorCode::kUnauthenticated, std::move(message));
}
inline Status PermissionDenied(std::string message) {
  return Status(ErrorCode::kPermissionDenied, std::move(message));
}

//! Either a value or a non-ok Status (std::expected arrives with C++23).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(data_).ok() && "a Result needs a value or an error");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  //! REQUIRES: ok().
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  //! The error, or an ok Status when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(data_); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace gm
