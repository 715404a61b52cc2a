#pragma once

// The decoder's fast path: a strict, allocation-free reader for messages the way producers
// write them — one JSON object whose values are scalars, plus arrays of such objects
// (transaction products) — without escapes in strings and keys. It reads such a message
// completely, or gives up; it never judges one: on any doubt (escapes, nesting elsewhere,
// invalid UTF-8, a value a typed reader refuses, broken JSON) the decoder starts over on
// the simdjson path, which gives every rejection its reason. What it accepts is valid JSON
// that the simdjson path reads to the same values, so both paths decode alike. Internal to
// src/events/.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "events/internal/json_reader.h"

namespace gm::events::internal {

//! The fast path's "not for me": an InvalidArgument without a message (so no allocation);
//! the decoder never shows it.
inline Status GiveUp() { return Status(ErrorCode::kInvalidArgument, {}); }

//! A cursor over one message. Blanks are JSON's (space, tab, LF, CR). Every method returns
//! false when the input is not what the strict grammar expects (then stop using it).
class FlatReader {
 public:
  explicit FlatReader(std::string_view json) : p_(json.data()), end_(json.data() + json.size()) {}

  //! Skips blanks and consumes `open` ('{' or '[').
  bool Open(char open);
  //! Between members of a container closed by `close`: consumes ',' unless `first`, or the
  //! closing character, after which *more is false.
  bool Next(char close, bool first, bool* more);
  //! An object key without escapes and the ':' after it.
  bool Key(std::string_view* key);
  //! Key() when the key is exactly `name` (the field producers write next); otherwise false
  //! and nothing is consumed.
  bool KeyIs(std::string_view name);
  //! A value: strings (without escapes), numbers and literals are consumed into *out;
  //! for '{' and '[' only the kind is set and nothing is consumed.
  bool Value(Scalar* out);
  //! Only blanks are left.
  bool AtEnd();

 private:
  void SkipBlanks();
  //! A string without escapes or control characters, in valid UTF-8.
  bool String(std::string_view* out);
  //! `p_` is at the end of the input or at a character that may follow a value.
  bool AtDelimiter() const;

  const char* p_;
  const char* end_;
};

//! A field's value on the fast path. Containers are read by whoever knows their shape
//! (DecodeLineItems), who sets `consumed`; anything else left unread makes the caller give up.
struct FlatValue {
  FlatReader* reader;
  Scalar scalar;
  bool consumed = false;
};

//! An object on the fast path, at its '{'.
struct FlatObject {
  FlatReader* reader;
};

// The typed readers of json_reader.h, on fast-path values (any failure means give up).
inline Status ReadString(FlatValue& v, const FieldPath& path, bool required, size_t max_bytes,
                         std::string& dst, bool* present) {
  return ReadString(v.scalar, path, required, max_bytes, dst, present);
}
inline Status ReadInteger(FlatValue& v, const FieldPath& path, int64_t min, int64_t max,
                          int64_t* dst, bool* present) {
  return ReadInteger(v.scalar, path, min, max, dst, present);
}
inline Status ReadMoney(FlatValue& v, const FieldPath& path, Cents* dst, bool* present) {
  return ReadMoney(v.scalar, path, dst, present);
}
inline Status ReadTimestamp(FlatValue& v, const FieldPath& path, Micros* dst, bool* present) {
  return ReadTimestamp(v.scalar, path, dst, present);
}
inline Status ReadEnum(FlatValue& v, const FieldPath& path, const std::string_view* allowed,
                       size_t allowed_count, std::string_view expected, size_t* index,
                       bool* present) {
  return ReadEnum(v.scalar, path, allowed, allowed_count, expected, index, present);
}
//! A scalar nobody reads was already validated; containers are left to the caller's check.
inline Status SkipValue(FlatValue&, int = 0) { return Status::Ok(); }

//! ForEachField of json_reader.h on the fast path: the same field matching, duplicate and
//! presence rules; gives up on unknown fields holding containers.
template <size_t N, typename ReadFn>
Status ForEachField(FlatObject& obj, const std::array<std::string_view, N>& names, const FieldPath&,
                    uint32_t* present_mask, ReadFn&& read) {
  static_assert(N <= 32, "field sets are bit masks");
  FlatReader& r = *obj.reader;
  if (!r.Open('{')) return GiveUp();
  uint32_t seen = 0;
  size_t next = 0;
  for (bool first = true;; first = false) {
    bool more = false;
    if (!r.Next('}', first, &more)) return GiveUp();
    if (!more) return Status::Ok();
    // Producers write the fields in a fixed order: the expected key is compared in place.
    size_t id = next;
    if (next < N && r.KeyIs(names[next])) {
      ++next;
    } else {
      std::string_view key;
      if (!r.Key(&key)) return GiveUp();
      id = FieldId(names, key, &next);
    }
    FlatValue value{&r, {}};
    if (!r.Value(&value.scalar)) return GiveUp();
    const bool container =
        value.scalar.kind == Scalar::Kind::kObject || value.scalar.kind == Scalar::Kind::kArray;
    if (id == N) {
      if (container) return GiveUp();
      continue;
    }
    const uint32_t bit = uint32_t{1} << id;
    if (seen & bit) return GiveUp();
    seen |= bit;
    bool present = false;
    if (Status s = read(static_cast<int>(id), value, &present); !s.ok()) return s;
    if (container && !value.consumed) return GiveUp();
    if (present) *present_mask |= bit;
  }
}

}  // namespace gm::events::internal
