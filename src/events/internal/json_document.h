#pragma once

// Message-level reading for the decoder (decode.cpp): why a message that is not a JSON object
// is refused, and which topic a JSONL line names. Internal to src/events/.

#include <simdjson.h>

#include <optional>
#include <string_view>

#include "common/status.h"
#include "events/event.h"

namespace gm::events::internal {

//! Why a message whose first token is not `{` is refused. simdjson classifies the document
//! by its first byte only, so `this is not JSON`, `nothing` or `123abc` look like a boolean,
//! null or a number: the whole message is checked to be one JSON value before saying "must
//! be a JSON object", and otherwise it is invalid JSON. REQUIRES: `payload` is valid UTF-8
//! (simdjson checked it).
Status NotAnObject(simdjson::ondemand::document& doc, std::string_view payload,
                   simdjson::ondemand::json_type type);

//! The topic of a JSONL line that begins the way producers write it, {"event_type":"<topic>",
//! read from the bytes without a pass of the parser; nullopt for any other beginning (then
//! ReadEventType decides). Agrees with ReadEventType: a topic name holds no backslash, so the
//! quote after it closes the string, and this first field is the one ReadEventType would
//! find; the rest of the message (a repeated event_type included) is validated as usual.
std::optional<Topic> TopicFromCanonicalPrefix(std::string_view payload);

//! The topic named by the document's `event_type` (JSONL input). Leaves `doc` rewound.
Result<Topic> ReadEventType(simdjson::ondemand::document& doc);

}  // namespace gm::events::internal
