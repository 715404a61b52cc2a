#pragma once

// Text helpers of the event decoder, kept apart so they can be tested without simdjson.
// Internal to src/events/: no other module includes this.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gm::events::internal {

//! True iff `s` is exactly a JSON number (RFC 8259 §6):
//! `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` — no blanks, no `+`, no leading zeros.
bool IsJsonNumber(std::string_view s);

enum class IntegerParse { kOk, kNotInteger, kOutOfRange };

//! The largest magnitude ParseJsonInteger returns: 10^18 − 1 (18 digits fit in int64).
inline constexpr int64_t kMaxJsonInteger = 999'999'999'999'999'999;

//! Parses a JSON number exactly as an integer: `3`, `3.0`, `30e-1` and `0.3e1` are 3;
//! `3.5` is kNotInteger; a magnitude above kMaxJsonInteger is kOutOfRange (and so is any
//! huge exponent). Never goes through floating point. REQUIRES: IsJsonNumber(s).
IntegerParse ParseJsonInteger(std::string_view s, int64_t* out);

//! The longest echo of a user value in a reason, in bytes (before the "...").
inline constexpr size_t kMaxEchoBytes = 64;

//! Appends `value` for a human-readable reason: at most kMaxEchoBytes bytes, cut on a
//! UTF-8 character boundary and followed by "..." when cut; control characters shown as
//! `\n`, `\u0000` etc. so the reason stays one printable line (it ends up in logs and in a
//! PostgreSQL text column, which refuses NUL). REQUIRES: value is valid UTF-8.
void AppendEcho(std::string& out, std::string_view value);

//! The offset of the first byte that breaks UTF-8 (RFC 3629: no overlong forms, no
//! surrogates, nothing above U+10FFFF), or s.size() when `s` is valid.
size_t FindInvalidUtf8(std::string_view s);

}  // namespace gm::events::internal
