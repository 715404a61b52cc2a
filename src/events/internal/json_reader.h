#pragma once

// Typed, validating readers over simdjson On Demand values: the building blocks of the
// topic decoders in decode.cpp. Internal to src/events/.
//
// Every reader consumes (or, on error, abandons) one value, returns an InvalidArgument
// Status whose message names the field path and the offending value, and allocates only on
// the error path. "Present" means the field was given and is not JSON null; readers leave
// their destination alone when it is null, so callers reset optional fields beforehand.

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/money.h"
#include "common/status.h"
#include "common/time.h"

namespace gm::events::internal {

namespace od = simdjson::ondemand;

//! Where a value sits in the message: "user_id", or "products[1].quantity" when `array`
//! is set. Only formatted on the error path.
struct FieldPath {
  std::string_view name;
  std::string_view array = {};
  int index = -1;

  std::string ToString() const;
};

//! A JSON value seen as one token: what the typed readers check. Objects and arrays are
//! only classified.
struct Scalar {
  enum class Kind { kNull, kString, kNumber, kBool, kObject, kArray };
  Kind kind = Kind::kNull;
  //! kString: the unescaped content; kNumber: the token; kBool: "true"/"false".
  std::string_view text;
  //! kString: it contained escapes (only those can produce a NUL character).
  bool had_escapes = false;
};

//! Required ids (transaction_id, event_id, user_id, session_id, product_id) are at most
//! this long; a longer value is garbage, not an id.
inline constexpr size_t kMaxIdBytes = 256;
//! No length limit beyond the message size cap.
inline constexpr size_t kAnyLength = SIZE_MAX;
//! Unknown fields may nest this deep; deeper input is rejected rather than recursed into.
inline constexpr int kMaxNesting = 64;
//! The money range of gm::ParseCents (10^15 currency units), also used for line totals.
inline constexpr Cents kMaxCents = 100'000'000'000'000'000;

//! The unescaped key of `field`. Keys without escapes (all real ones) are viewed in place
//! in the input, which spares simdjson's string unescaping; others are unescaped (and so
//! validated) into the parser's string buffer.
Status ReadKey(od::field& field, std::string_view* key);

//! "invalid JSON: <simdjson's description>".
Status JsonError(simdjson::error_code error);
//! "missing required field '<path>'".
Status MissingField(const FieldPath& path);

//! Reads a JSON string into `dst` (assign: keeps its capacity). An empty string is
//! absent when optional and an error when required; strings with NUL characters or longer
//! than max_bytes are rejected.
Status ReadString(od::value& v, const FieldPath& path, bool required, size_t max_bytes,
                  std::string& dst, bool* present);

//! Reads an integer in [min, max], given as a JSON number or a string holding exactly
//! one ("3"); 3.0 is 3, 3.5 is rejected. REQUIRES: |min|, |max| ≤ kMaxJsonInteger.
Status ReadInteger(od::value& v, const FieldPath& path, int64_t min, int64_t max, int64_t* dst,
                   bool* present);

//! Reads a non-negative amount of money from the number's own text (never a double),
//! rounding beyond cents half-to-even; numeric strings are accepted as above.
Status ReadMoney(od::value& v, const FieldPath& path, Cents* dst, bool* present);

//! Reads an ISO-8601 string with gm::ParseTimestamp (naive = UTC, `Z`, offsets).
Status ReadTimestamp(od::value& v, const FieldPath& path, Micros* dst, bool* present);

//! Reads a string that must be one of `allowed` (case-sensitive); sets *index to its
//! position. `expected` is the human list used in the reason ("add, remove or update").
Status ReadEnum(od::value& v, const FieldPath& path, const std::string_view* allowed,
                size_t allowed_count, std::string_view expected, size_t* index, bool* present);

// The same readers on a token already read (the rules above, whoever tokenized it).
Status ReadString(const Scalar& s, const FieldPath& path, bool required, size_t max_bytes,
                  std::string& dst, bool* present);
Status ReadInteger(const Scalar& s, const FieldPath& path, int64_t min, int64_t max, int64_t* dst,
                   bool* present);
Status ReadMoney(const Scalar& s, const FieldPath& path, Cents* dst, bool* present);
Status ReadTimestamp(const Scalar& s, const FieldPath& path, Micros* dst, bool* present);
Status ReadEnum(const Scalar& s, const FieldPath& path, const std::string_view* allowed,
                size_t allowed_count, std::string_view expected, size_t* index, bool* present);

//! The index of `key` in `names` (N when absent), trying names[*next] first: producers
//! write fields in a fixed order, so the one after the last match usually matches.
//! Sets *next past the result.
template <size_t N>
size_t FieldId(const std::array<std::string_view, N>& names, std::string_view key, size_t* next) {
  size_t id = *next;
  if (id >= N || names[id] != key) {
    for (id = 0; id < N && names[id] != key;) ++id;
  }
  *next = id + 1;
  return id;
}

//! Validates a value nobody reads (an unknown field) so that malformed JSON anywhere in
//! the message is rejected, since On Demand would otherwise skip it unchecked.
Status SkipValue(od::value& v, int depth = 0);
//! SkipValue for every field of an object.
Status SkipObject(od::object& obj, int depth = 0);

//! Describes a value that has the wrong type for `path`, e.g.
//! "field 'quantity' must be a number, got 'abc'". Consumes scalars.
Status WrongType(od::value& v, const FieldPath& path, std::string_view expected);

//! Calls read(id, value, &present) for each field of `obj` whose key is names[id], and
//! SkipValue for every other field. Sets bit id of *present_mask for each field that was
//! given non-null. A known key given twice is rejected: which value is meant is ambiguous.
template <size_t N, typename ReadFn>
Status ForEachField(od::object& obj, const std::array<std::string_view, N>& names,
                    const FieldPath& parent, uint32_t* present_mask, ReadFn&& read) {
  static_assert(N <= 32, "field sets are bit masks");
  uint32_t seen = 0;
  size_t next = 0;
  for (auto field_result : obj) {
    od::field field;
    if (auto error = std::move(field_result).get(field)) return JsonError(error);
    std::string_view key;
    if (Status s = ReadKey(field, &key); !s.ok()) return s;
    od::value value = field.value();
    const size_t id = FieldId(names, key, &next);
    if (id == N) {
      if (Status s = SkipValue(value, 1); !s.ok()) return s;
      continue;
    }
    const uint32_t bit = uint32_t{1} << id;
    if (seen & bit) {
      return InvalidArgument("duplicate field '" +
                             FieldPath{key, parent.array, parent.index}.ToString() + "'");
    }
    seen |= bit;
    bool present = false;
    if (Status s = read(static_cast<int>(id), value, &present); !s.ok()) return s;
    if (present) *present_mask |= bit;
  }
  return Status::Ok();
}

//! The first id in `required` (in order) whose bit is missing from `present_mask`, as a
//! MissingField status; ok when all are present.
template <size_t N, size_t M>
Status CheckRequired(uint32_t present_mask, const std::array<std::string_view, N>& names,
                     const std::array<int, M>& required, const FieldPath& parent) {
  for (int id : required) {
    if (!(present_mask & (uint32_t{1} << id))) {
      return MissingField({names[static_cast<size_t>(id)], parent.array, parent.index});
    }
  }
  return Status::Ok();
}

}  // namespace gm::events::internal
