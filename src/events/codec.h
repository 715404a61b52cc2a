#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "events/event.h"

namespace gm::events {

//! Default cap on one message; larger ones are rejected before parsing.
inline constexpr size_t kDefaultMaxMessageBytes = 1 << 20;

//! Decodes JSON messages of the event contract (docs/events.md) and validates them.
//!
//! Accepts every variant the contract allows: naive, `Z` and offset timestamps; numbers
//! given as JSON strings where unambiguous ("3", "19.99"); money with any number of
//! decimals (rounded half-to-even to cents); unknown fields (ignored). Rejects — with a
//! reason naming the field and the offending value — invalid JSON, invalid UTF-8,
//! messages above the size cap, missing required fields, wrong types and impossible
//! values (quantity < 1, negative price, unknown cart action, ...).
//!
//! Not thread-safe: use one Decoder per thread. Reusing one Decoder (and one Event) keeps
//! decoding free of allocations once buffers have grown.
class Decoder {
 public:
  explicit Decoder(size_t max_message_bytes = kDefaultMaxMessageBytes);
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  //! Decodes `payload` as an event of `topic`, or — when topic is nullopt (JSONL files) —
  //! of the topic its `event_type` field names. When both are given, `topic` wins.
  //! On error returns InvalidArgument with the reason (ResourceExhausted only if memory for
  //! the parser cannot be had); `out` is then unspecified.
  Status Decode(std::optional<Topic> topic, std::string_view payload, Event& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

//! Appends the JSON encoding of the active member of `event` to `out`, including an
//! `event_type` field with the topic name (so the same bytes serve Kafka and JSONL).
//! Money is written with two decimals, timestamps as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
//! Optional fields are left out when empty/nullopt. Decode(Encode(e)) == e for every valid
//! event. REQUIRES: strings are valid UTF-8 (bytes ≥ 0x80 are copied unchanged). Appends only:
//! no allocation besides the growth of `out`.
void Encode(const Event& event, std::string& out);
void EncodeTransaction(const Transaction& t, std::string& out);
void EncodeProductView(const ProductView& v, std::string& out);
void EncodeCartEvent(const CartEvent& c, std::string& out);
void EncodeInventoryUpdate(const InventoryUpdate& u, std::string& out);

}  // namespace gm::events
