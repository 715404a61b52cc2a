#include "events/internal/flat_json.h"

#include <cstring>

#include "events/internal/json_text.h"

namespace gm::events::internal {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsNumberChar(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// The offset of the first byte in [p, end) that a simple ASCII string cannot hold as is —
// '"', '\\', a control character or a byte ≥ 0x80 — or end − p when there is none. Eight
// bytes at a time: in each word, the classic "has a zero byte" test marks the bytes equal to
// '"' or '\\' and those below 0x20 (the lowest mark is exact: borrows only disturb the bytes
// above it), and the high bit marks the rest.
size_t FindStringEnd(const char* p, const char* end) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  const char* const begin = p;
  for (; end - p >= 8; p += 8) {
    uint64_t w;
    std::memcpy(&w, p, sizeof w);
    const uint64_t quote = w ^ (kOnes * '"');
    const uint64_t backslash = w ^ (kOnes * '\\');
    const uint64_t marks =
        ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) | ((w - kOnes * 0x20) & ~w);
    if (const uint64_t found = (marks | w) & kHighs) {
      return static_cast<size_t>(p - begin) + static_cast<size_t>(__builtin_ctzll(found) / 8);
    }
  }
  for (; p != end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
  }
  return static_cast<size_t>(p - begin);
}

}  // namespace

void FlatReader::SkipBlanks() {
  while (p_ != end_ && IsBlank(*p_)) ++p_;
}

bool FlatReader::AtDelimiter() const {
  return p_ == end_ || IsBlank(*p_) || *p_ == ',' || *p_ == '}' || *p_ == ']';
}

bool FlatReader::Open(char open) {
  SkipBlanks();
  if (p_ == end_ || *p_ != open) return false;
  ++p_;
  return true;
}

bool FlatReader::Next(char close, bool first, bool* more) {
  SkipBlanks();
  if (p_ == end_) return false;
  if (*p_ == close) {
    ++p_;
    *more = false;
    return true;
  }
  if (!first) {
    if (*p_ != ',') return false;
    ++p_;
    SkipBlanks();
    // A trailing comma ("[1,]") is not JSON.
    if (p_ == end_ || *p_ == close) return false;
  }
  *more = true;
  return true;
}

bool FlatReader::String(std::string_view* out) {
  if (p_ == end_ || *p_ != '"') return false;
  const char* begin = ++p_;
  // Escapes and raw control characters are left to the simdjson path; UTF-8 is checked
  // here (outside strings the grammar admits ASCII only).
  bool ascii = true;
  for (p_ += FindStringEnd(p_, end_); p_ != end_ && static_cast<unsigned char>(*p_) >= 0x80;
       p_ += FindStringEnd(p_, end_)) {
    ascii = false;
    ++p_;
  }
  if (p_ == end_ || *p_ != '"') return false;
  *out = std::string_view(begin, static_cast<size_t>(p_ - begin));
  ++p_;
  return ascii || FindInvalidUtf8(*out) == out->size();
}

bool FlatReader::Key(std::string_view* key) {
  if (!String(key)) return false;
  SkipBlanks();
  if (p_ == end_ || *p_ != ':') return false;
  ++p_;
  return true;
}

bool FlatReader::KeyIs(std::string_view name) {
  const size_t quoted = name.size() + 2;
  if (name.empty() || static_cast<size_t>(end_ - p_) < quoted || p_[0] != '"' || p_[quoted - 1] != '"' ||
      std::memcmp(p_ + 1, name.data(), name.size()) != 0) {
    return false;
  }
  const char* const start = p_;
  p_ += quoted;
  SkipBlanks();
  if (p_ == end_ || *p_ != ':') {
    p_ = start;
    return false;
  }
  ++p_;
  return true;
}

bool FlatReader::Value(Scalar* out) {
  SkipBlanks();
  if (p_ == end_) return false;
  *out = Scalar{};
  const char c = *p_;
  if (c == '"') {
    out->kind = Scalar::Kind::kString;
    return String(&out->text);
  }
  if (c == '{' || c == '[') {
    out->kind = c == '{' ? Scalar::Kind::kObject : Scalar::Kind::kArray;
    return true;
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    const char* begin = p_;
    while (p_ != end_ && IsNumberChar(*p_)) ++p_;
    out->kind = Scalar::Kind::kNumber;
    out->text = std::string_view(begin, static_cast<size_t>(p_ - begin));
    return AtDelimiter() && IsJsonNumber(out->text);
  }
  for (std::string_view literal : {"true", "false", "null"}) {
    if (static_cast<size_t>(end_ - p_) >= literal.size() &&
        std::memcmp(p_, literal.data(), literal.size()) == 0) {
      p_ += literal.size();
      if (literal == "null") {
        out->kind = Scalar::Kind::kNull;
      } else {
        out->kind = Scalar::Kind::kBool;
        out->text = literal;
      }
      return AtDelimiter();
    }
  }
  return false;
}

bool FlatReader::AtEnd() {
  SkipBlanks();
  return p_ == end_;
}

}  // namespace gm::events::internal
