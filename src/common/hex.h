#pragma once

#include <string>
#include <string_view>

namespace gm {

//! Appends `bytes` as lowercase hexadecimal, two digits per byte (digests, bytea, keys).
inline void AppendHex(std::string_view bytes, std::string& out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out.reserve(out.size() + 2 * bytes.size());
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
}

//! `bytes` as lowercase hexadecimal.
inline std::string Hex(std::string_view bytes) {
  std::string out;
  AppendHex(bytes, out);
  return out;
}

}  // namespace gm
