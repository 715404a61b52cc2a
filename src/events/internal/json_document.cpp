#include "events/internal/json_document.h"

#include <fmt/format.h>

#include <iterator>
#include <string>

#include "events/internal/json_reader.h"
#include "events/internal/json_text.h"

namespace gm::events::internal {
namespace {

std::string_view DescribeType(od::json_type type) {
  switch (type) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "something else";
}

std::string_view TrimJsonBlanks(std::string_view s) {
  constexpr std::string_view kBlanks = " \t\n\r";
  const size_t begin = s.find_first_not_of(kBlanks);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kBlanks) - begin + 1);
}

// "invalid JSON: malformed <what> '<the message>'".
Status MalformedDocument(std::string_view what, std::string_view text) {
  std::string reason = fmt::format("invalid JSON: malformed {} '", what);
  AppendEcho(reason, text);
  reason.push_back('\'');
  return InvalidArgument(std::move(reason));
}

}  // namespace

Status NotAnObject(od::document& doc, std::string_view payload, od::json_type type) {
  const std::string_view text = TrimJsonBlanks(payload);
  switch (type) {
    case od::json_type::boolean:
      if (text != "true" && text != "false") return MalformedDocument("literal", text);
      break;
    case od::json_type::null:
      if (text != "null") return MalformedDocument("literal", text);
      break;
    case od::json_type::number:
      if (!IsJsonNumber(text)) return MalformedDocument("number", text);
      break;
    case od::json_type::string: {
      std::string_view ignored;
      if (auto error = doc.get_string().get(ignored)) return JsonError(error);
      break;
    }
    case od::json_type::array: {
      od::array arr;
      if (auto error = doc.get_array().get(arr)) return JsonError(error);
      for (auto element_result : arr) {
        od::value element;
        if (auto error = std::move(element_result).get(element)) return JsonError(error);
        if (Status s = SkipValue(element, 1); !s.ok()) return s;
      }
      break;
    }
    case od::json_type::object:
      return Status::Ok();
  }
  const char* trailing = nullptr;
  if (type != od::json_type::boolean && type != od::json_type::null &&
      type != od::json_type::number && !doc.current_location().get(trailing)) {
    return InvalidArgument("invalid JSON: unexpected content after the top-level value");
  }
  return InvalidArgument(
      fmt::format("the message must be a JSON object, got {}", DescribeType(type)));
}

std::optional<Topic> TopicFromCanonicalPrefix(std::string_view payload) {
  constexpr std::string_view kPrefix = R"({"event_type":")";
  if (!payload.starts_with(kPrefix)) return std::nullopt;
  payload.remove_prefix(kPrefix.size());
  const size_t quote = payload.find('"');
  if (quote == std::string_view::npos) return std::nullopt;
  return TopicFromName(payload.substr(0, quote));
}

Result<Topic> ReadEventType(od::document& doc) {
  od::object obj;
  if (auto error = doc.get_object().get(obj)) return JsonError(error);
  od::value v;
  auto error = obj.find_field_unordered("event_type").get(v);
  Status status;
  bool given = false;
  size_t index = 0;
  if (error == simdjson::NO_SUCH_FIELD) {
    // Prefer "invalid JSON" over "missing" when the message is broken as well.
    doc.rewind();
    if (error = doc.get_object().get(obj); error) return JsonError(error);
    status = SkipObject(obj);
  } else if (error) {
    return JsonError(error);
  } else {
    static constexpr std::string_view kNames[] = {"transactions", "product_views", "cart_events",
                                                  "inventory_updates"};
    static_assert(std::size(kNames) == kTopicCount);
    status = ReadEnum(v, {"event_type"}, kNames, kTopicCount,
                      "one of transactions, product_views, cart_events, inventory_updates", &index,
                      &given);
  }
  if (!status.ok()) return status;
  if (!given) return MissingField({"event_type"});
  doc.rewind();
  return kAllTopics[index];
}

}  // namespace gm::events::internal
