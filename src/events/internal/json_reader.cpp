#include "events/internal/json_reader.h"

#include <fmt/format.h>

#include "events/internal/json_text.h"

namespace gm::events::internal {
namespace {

std::string_view TrimTrailingBlanks(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

Status MalformedToken(std::string_view kind, std::string_view token) {
  std::string reason = fmt::format("invalid JSON: malformed {} '", kind);
  AppendEcho(reason, TrimTrailingBlanks(token));
  reason.push_back('\'');
  return InvalidArgument(std::move(reason));
}

// Reads scalars completely (validating them); objects and arrays are only classified.
Status ReadScalar(od::value& v, Scalar* out) {
  od::json_type type;
  if (auto error = v.type().get(type)) return JsonError(error);
  switch (type) {
    case od::json_type::null: {
      bool is_null = false;
      if (v.is_null().get(is_null) || !is_null)
        return MalformedToken("literal", v.raw_json_token());
      out->kind = Scalar::Kind::kNull;
      return Status::Ok();
    }
    case od::json_type::boolean: {
      bool b = false;
      if (v.get_bool().get(b)) return MalformedToken("literal", v.raw_json_token());
      out->kind = Scalar::Kind::kBool;
      out->text = b ? "true" : "false";
      return Status::Ok();
    }
    case od::json_type::number: {
      // The token itself, not simdjson's double: money and integers are parsed exactly.
      const std::string_view token = TrimTrailingBlanks(v.raw_json_token());
      if (!IsJsonNumber(token)) return MalformedToken("number", token);
      out->kind = Scalar::Kind::kNumber;
      out->text = token;
      return Status::Ok();
    }
    case od::json_type::string: {
      out->kind = Scalar::Kind::kString;
      // Without a backslash the content between the quotes is the value: view it in place.
      // (Stage 1 has already rejected invalid UTF-8 and raw control characters.)
      const std::string_view token = TrimTrailingBlanks(v.raw_json_token());
      if (token.size() >= 2 && token.back() == '"') {
        const std::string_view inner = token.substr(1, token.size() - 2);
        if (inner.find('\\') == std::string_view::npos) {
          out->text = inner;
          return Status::Ok();
        }
      }
      out->had_escapes = true;
      if (auto error = v.get_string().get(out->text)) return JsonError(error);
      return Status::Ok();
    }
    case od::json_type::object:
      out->kind = Scalar::Kind::kObject;
      return Status::Ok();
    case od::json_type::array:
      out->kind = Scalar::Kind::kArray;
      return Status::Ok();
  }
  return JsonError(simdjson::INCORRECT_TYPE);
}

void AppendScalar(std::string& out, const Scalar& s) {
  switch (s.kind) {
    case Scalar::Kind::kNull:
      out.append("null");
      return;
    case Scalar::Kind::kString:
      out.push_back('\'');
      AppendEcho(out, s.text);
      out.push_back('\'');
      return;
    case Scalar::Kind::kNumber:
    case Scalar::Kind::kBool:
      AppendEcho(out, s.text);
      return;
    case Scalar::Kind::kObject:
      out.append("an object");
      return;
    case Scalar::Kind::kArray:
      out.append("an array");
      return;
  }
}

Status WrongType(const FieldPath& path, std::string_view expected, const Scalar& got) {
  std::string reason = fmt::format("field '{}' must be {}, got ", path.ToString(), expected);
  AppendScalar(reason, got);
  return InvalidArgument(std::move(reason));
}

Status BadValue(const FieldPath& path, std::string_view requirement, const Scalar& got) {
  std::string reason = fmt::format("field '{}' {}, got ", path.ToString(), requirement);
  AppendScalar(reason, got);
  return InvalidArgument(std::move(reason));
}

// The number text of a JSON number or of a string holding exactly one; "" otherwise.
std::string_view NumberText(const Scalar& s) {
  if (s.kind == Scalar::Kind::kNumber) return s.text;
  if (s.kind == Scalar::Kind::kString && IsJsonNumber(s.text)) return s.text;
  return {};
}

}  // namespace

std::string FieldPath::ToString() const {
  if (array.empty()) return std::string(name);
  if (name.empty()) return fmt::format("{}[{}]", array, index);
  return fmt::format("{}[{}].{}", array, index, name);
}

Status ReadKey(od::field& field, std::string_view* key) {
  // The key is a closed string in a padded buffer, so the scan stops at its quote.
  const char* begin = field.key().raw();
  for (const char* p = begin;; ++p) {
    if (*p == '"') {
      *key = std::string_view(begin, static_cast<size_t>(p - begin));
      return Status::Ok();
    }
    if (*p == '\\') break;
  }
  if (auto error = field.unescaped_key().get(*key)) return JsonError(error);
  return Status::Ok();
}

Status JsonError(simdjson::error_code error) {
  return InvalidArgument(fmt::format("invalid JSON: {}", simdjson::error_message(error)));
}

Status MissingField(const FieldPath& path) {
  return InvalidArgument(fmt::format("missing required field '{}'", path.ToString()));
}

Status WrongType(od::value& v, const FieldPath& path, std::string_view expected) {
  Scalar s;
  if (Status status = ReadScalar(v, &s); !status.ok()) return status;
  return WrongType(path, expected, s);
}

Status ReadString(od::value& v, const FieldPath& path, bool required, size_t max_bytes,
                  std::string& dst, bool* present) {
  Scalar s;
  if (Status status = ReadScalar(v, &s); !status.ok()) return status;
  return ReadString(s, path, required, max_bytes, dst, present);
}

Status ReadString(const Scalar& s, const FieldPath& path, bool required, size_t max_bytes,
                  std::string& dst, bool* present) {
  if (s.kind == Scalar::Kind::kNull) return Status::Ok();
  if (s.kind != Scalar::Kind::kString) return WrongType(path, "a string", s);
  if (s.text.empty()) {
    if (required)
      return InvalidArgument(fmt::format("field '{}' must not be empty", path.ToString()));
    dst.clear();
    return Status::Ok();
  }
  if (s.text.size() > max_bytes) {
    return BadValue(path, fmt::format("must be at most {} bytes long", max_bytes), s);
  }
  // A NUL can only come from a \u0000 escape; downstream text columns cannot hold it.
  if (s.had_escapes && s.text.find('\0') != std::string_view::npos) {
    return BadValue(path, "must not contain NUL characters", s);
  }
  dst.assign(s.text);
  *present = true;
  return Status::Ok();
}

Status ReadInteger(od::value& v, const FieldPath& path, int64_t min, int64_t max, int64_t* dst,
                   bool* present) {
  Scalar s;
  if (Status status = ReadScalar(v, &s); !status.ok()) return status;
  return ReadInteger(s, path, min, max, dst, present);
}

Status ReadInteger(const Scalar& s, const FieldPath& path, int64_t min, int64_t max, int64_t* dst,
                   bool* present) {
  if (s.kind == Scalar::Kind::kNull) return Status::Ok();
  const std::string_view text = NumberText(s);
  if (text.empty()) return WrongType(path, "an integer", s);
  int64_t value = 0;
  switch (ParseJsonInteger(text, &value)) {
    case IntegerParse::kOk:
      break;
    case IntegerParse::kNotInteger:
      return WrongType(path, "an integer", s);
    case IntegerParse::kOutOfRange:
      value = text[0] == '-' ? min - 1 : max + 1;  // reported against the bound below
      break;
  }
  if (value < min) return BadValue(path, fmt::format("must be ≥ {}", min), s);
  if (value > max) return BadValue(path, fmt::format("must be ≤ {}", max), s);
  *dst = value;
  *present = true;
  return Status::Ok();
}

Status ReadMoney(od::value& v, const FieldPath& path, Cents* dst, bool* present) {
  Scalar s;
  if (Status status = ReadScalar(v, &s); !status.ok()) return status;
  return ReadMoney(s, path, dst, present);
}

Status ReadMoney(const Scalar& s, const FieldPath& path, Cents* dst, bool* present) {
  if (s.kind == Scalar::Kind::kNull) return Status::Ok();
  const std::string_view text = NumberText(s);
  if (text.empty()) return WrongType(path, "a number", s);
  Cents cents = 0;
  if (!ParseCents(text, &cents)) return BadValue(path, "is out of range", s);
  if (cents < 0) return BadValue(path, "must be ≥ 0", s);
  *dst = cents;
  *present = true;
  return Status::Ok();
}

Status ReadTimestamp(od::value& v, const FieldPath& path, Micros* dst, bool* present) {
  Scalar s;
  if (Status status = ReadScalar(v, &s); !status.ok()) return status;
  return ReadTimestamp(s, path, dst, present);
}

Status ReadTimestamp(const Scalar& s, const FieldPath& path, Micros* dst, bool* present) {
  if (s.kind == Scalar::Kind::kNull) return Status::Ok();
  if (s.kind != Scalar::Kind::kString) return WrongType(path, "an ISO-8601 time string", s);
  if (!ParseTimestamp(s.text, dst)) {
    std::string reason = fmt::format("field '{}' is not an ISO-8601 time: '", path.ToString());
    AppendEcho(reason, s.text);
    reason.push_back('\'');
    return InvalidArgument(std::move(reason));
  }
  *present = true;
  return Status::Ok();
}

Status ReadEnum(od::value& v, const FieldPath& path, const std::string_view* allowed,
                size_t allowed_count, std::string_view expected, size_t* index, bool* present) {
  Scalar s;
  if (Status status = ReadScalar(v, &s); !status.ok()) return status;
  return ReadEnum(s, path, allowed, allowed_count, expected, index, present);
}

Status ReadEnum(const Scalar& s, const FieldPath& path, const std::string_view* allowed,
                size_t allowed_count, std::string_view expected, size_t* index, bool* present) {
  if (s.kind == Scalar::Kind::kNull) return Status::Ok();
  if (s.kind == Scalar::Kind::kString) {
    for (size_t i = 0; i < allowed_count; ++i) {
      if (allowed[i] == s.text) {
        *index = i;
        *present = true;
        return Status::Ok();
      }
    }
  }
  return WrongType(path, expected, s);
}

Status SkipObject(od::object& obj, int depth) {
  for (auto field_result : obj) {
    od::field field;
    if (auto error = std::move(field_result).get(field)) return JsonError(error);
    std::string_view key;
    if (Status s = ReadKey(field, &key); !s.ok()) return s;
    od::value value = field.value();
    if (Status s = SkipValue(value, depth + 1); !s.ok()) return s;
  }
  return Status::Ok();
}

Status SkipValue(od::value& v, int depth) {
  od::json_type type;
  if (auto error = v.type().get(type)) return JsonError(error);
  if (type == od::json_type::object || type == od::json_type::array) {
    if (depth >= kMaxNesting) {
      return InvalidArgument(fmt::format("JSON nested deeper than {} levels", kMaxNesting));
    }
    if (type == od::json_type::object) {
      od::object obj;
      if (auto error = v.get_object().get(obj)) return JsonError(error);
      return SkipObject(obj, depth);
    }
    od::array arr;
    if (auto error = v.get_array().get(arr)) return JsonError(error);
    for (auto element_result : arr) {
      od::value element;
      if (auto error = std::move(element_result).get(element)) return JsonError(error);
      if (Status s = SkipValue(element, depth + 1); !s.ok()) return s;
    }
    return Status::Ok();
  }
  Scalar ignored;
  return ReadScalar(v, &ignored);
}

}  // namespace gm::events::internal
