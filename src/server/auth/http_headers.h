#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gm::server {

//! HTTP header fields as (name, value) pairs in order, the same type as the server's
//! Request::headers, so the auth and CORS components take and give plain headers and do not
//! depend on the HTTP library. Names compare case-insensitively.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

//! The value of the first header called `name` (ASCII case-insensitive), or nullopt.
//! The view points into `headers`.
std::optional<std::string_view> FindHeader(const HttpHeaders& headers, std::string_view name);

//! ASCII case-insensitive equality (header names, methods, schemes).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace gm::server
