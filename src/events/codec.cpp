// The JSON encoder of the event contract. Hand-written because it sits on the generator's
// hot path (≥ 1M events/s on one core): it appends straight to the caller's buffer, builds
// no DOM and allocates nothing besides the growth of `out`.

#include "events/codec.h"

#include <charconv>
#include <cstdint>

namespace gm::events {
namespace {

// Appends a string literal without strlen: Lit(out, ",\"user_id\":").
template <size_t N>
inline void Lit(std::string& out, const char (&text)[N]) {
  out.append(text, N - 1);
}

// 1 for bytes that JSON requires to be escaped inside a string: control characters,
// the quote and the backslash. Everything else (including UTF-8 sequences) passes through.
constexpr auto kNeedsEscape = [] {
  struct Table {
    bool v[256] = {};
  } t;
  for (int c = 0; c < 0x20; ++c) t.v[c] = true;
  t.v[static_cast<unsigned char>('"')] = true;
  t.v[static_cast<unsigned char>('\\')] = true;
  return t;
}();

// Appends `s` as a quoted JSON string. REQUIRES: s is valid UTF-8 (every decoded event
// is; the generator writes ASCII), since bytes ≥ 0x80 are copied unchanged.
void AppendString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run_start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (!kNeedsEscape.v[c]) continue;
    out.append(s.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"':
        Lit(out, "\\\"");
        break;
      case '\\':
        Lit(out, "\\\\");
        break;
      case '\n':
        Lit(out, "\\n");
        break;
      case '\r':
        Lit(out, "\\r");
        break;
      case '\t':
        Lit(out, "\\t");
        break;
      case '\b':
        Lit(out, "\\b");
        break;
      case '\f':
        Lit(out, "\\f");
        break;
      default: {
        const char escaped[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(escaped, sizeof escaped);
      }
    }
  }
  out.append(s.data() + run_start, s.size() - run_start);
  out.push_back('"');
}

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(result.ptr - buf));
}

// `,"key":"value"` for an optional string field, nothing when it is empty.
template <size_t N>
inline void OptionalString(std::string& out, const char (&key_and_colon)[N], std::string_view v) {
  if (v.empty()) return;
  Lit(out, key_and_colon);
  AppendString(out, v);
}

void AppendLineItem(std::string& out, const LineItem& item) {
  Lit(out, "{\"product_id\":");
  AppendString(out, item.product_id);
  OptionalString(out, ",\"category\":", item.category);
  Lit(out, ",\"quantity\":");
  AppendInt(out, item.quantity);
  Lit(out, ",\"price\":");
  AppendCents(item.price, out);
  out.push_back('}');
}

}  // namespace

void EncodeTransaction(const Transaction& t, std::string& out) {
  Lit(out, "{\"event_type\":\"transactions\",\"transaction_id\":");
  AppendString(out, t.transaction_id);
  Lit(out, ",\"user_id\":");
  AppendString(out, t.user_id);
  OptionalString(out, ",\"session_id\":", t.session_id);
  Lit(out, ",\"timestamp\":\"");
  AppendTimestamp(t.timestamp, out);
  Lit(out, "\",\"products\":[");
  for (size_t i = 0; i < t.products.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendLineItem(out, t.products[i]);
  }
  Lit(out, "],\"total_amount\":");
  AppendCents(t.total_amount, out);
  Lit(out, ",\"payment_method\":");
  AppendString(out, t.payment_method);
  Lit(out, ",\"country\":");
  AppendString(out, t.country);
  OptionalString(out, ",\"city\":", t.city);
  OptionalString(out, ",\"currency\":", t.currency);
  OptionalString(out, ",\"device\":", t.device);
  out.push_back('}');
}

void EncodeProductView(const ProductView& v, std::string& out) {
  Lit(out, "{\"event_type\":\"product_views\",\"event_id\":");
  AppendString(out, v.event_id);
  Lit(out, ",\"user_id\":");
  AppendString(out, v.user_id);
  Lit(out, ",\"session_id\":");
  AppendString(out, v.session_id);
  Lit(out, ",\"product_id\":");
  AppendString(out, v.product_id);
  Lit(out, ",\"category\":");
  AppendString(out, v.category);
  Lit(out, ",\"timestamp\":\"");
  AppendTimestamp(v.timestamp, out);
  Lit(out, "\",\"duration_seconds\":");
  AppendInt(out, v.duration_seconds);
  OptionalString(out, ",\"country\":", v.country);
  OptionalString(out, ",\"device\":", v.device);
  out.push_back('}');
}

void EncodeCartEvent(const CartEvent& c, std::string& out) {
  Lit(out, "{\"event_type\":\"cart_events\",\"event_id\":");
  AppendString(out, c.event_id);
  Lit(out, ",\"user_id\":");
  AppendString(out, c.user_id);
  Lit(out, ",\"session_id\":");
  AppendString(out, c.session_id);
  Lit(out, ",\"product_id\":");
  AppendString(out, c.product_id);
  OptionalString(out, ",\"category\":", c.category);
  Lit(out, ",\"timestamp\":\"");
  AppendTimestamp(c.timestamp, out);
  Lit(out, "\",\"action\":\"");
  out.append(CartActionName(c.action));
  Lit(out, "\",\"quantity\":");
  AppendInt(out, c.quantity);
  if (c.price) {
    Lit(out, ",\"price\":");
    AppendCents(*c.price, out);
  }
  out.push_back('}');
}

void EncodeInventoryUpdate(const InventoryUpdate& u, std::string& out) {
  Lit(out, "{\"event_type\":\"inventory_updates\",\"event_id\":");
  AppendString(out, u.event_id);
  Lit(out, ",\"product_id\":");
  AppendString(out, u.product_id);
  Lit(out, ",\"timestamp\":\"");
  AppendTimestamp(u.timestamp, out);
  out.push_back('"');
  if (u.change) {
    Lit(out, ",\"change\":");
    AppendInt(out, *u.change);
  }
  if (u.stock) {
    Lit(out, ",\"stock\":");
    AppendInt(out, *u.stock);
  }
  Lit(out, ",\"reason\":");
  AppendString(out, u.reason);
  out.push_back('}');
}

void Encode(const Event& event, std::string& out) {
  switch (event.topic) {
    case Topic::kTransactions:
      EncodeTransaction(event.transaction, out);
      return;
    case Topic::kProductViews:
      EncodeProductView(event.view, out);
      return;
    case Topic::kCartEvents:
      EncodeCartEvent(event.cart, out);
      return;
    case Topic::kInventoryUpdates:
      EncodeInventoryUpdate(event.inventory, out);
      return;
  }
}

}  // namespace gm::events
