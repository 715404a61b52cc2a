#pragma once

// Small writers for the hand-built JSON and CSV of responses (faster than a DOM, and the
// shapes are fixed).

#include <string>
#include <string_view>

namespace gm::server {

//! Appends `text` as a JSON string literal (quotes included), escaping control characters,
//! quotes and backslashes. Bytes that are not valid UTF-8 are replaced by U+FFFD.
void AppendJsonString(std::string& out, std::string_view text);

//! Appends `text` as one CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF.
void AppendCsvField(std::string& out, std::string_view text);

//! Standard base64 and the URL-safe alphabet without padding (cursors).
std::string Base64Encode(std::string_view data, bool url_safe);
//! Decodes URL-safe base64 without padding; false on any other character.
bool Base64UrlDecode(std::string_view text, std::string* out);

}  // namespace gm::server
