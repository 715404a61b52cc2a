// Fuzzes the event decoder: any input must either be rejected with a reason or decode to
// an event whose encoding decodes back to the same event. Sanitizers catch memory errors
// and undefined behaviour; a broken round trip aborts.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "events/codec.h"

namespace {

using gm::events::Decoder;
using gm::events::Event;
using gm::events::Topic;

[[noreturn]] void Fail(const char* what, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "%s\ninput:   %.*s\ndetail:  %s\n", what, static_cast<int>(input.size()),
               input.data(), detail.c_str());
  std::abort();
}

void CheckRoundTrip(Decoder& decoder, std::string_view input, const Event& decoded) {
  static std::string encoded;
  encoded.clear();
  gm::events::Encode(decoded, encoded);
  static Event again;
  // The encoding names its topic, so both ways of decoding must agree with the original.
  for (std::optional<Topic> topic : {std::optional<Topic>(), std::optional(decoded.topic)}) {
    const gm::Status s = decoder.Decode(topic, encoded, again);
    if (!s.ok()) Fail("our own encoding was rejected", input, encoded + "\n" + s.message());
    if (!(again == decoded)) Fail("round trip changed the event", input, encoded);
  }
  if (decoded.topic == Topic::kTransactions &&
      decoded.transaction.LineItemsTotal() > 100'000'000'000'000'000) {
    Fail("line items total escaped the money range", input, encoded);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Small cap so the size check is exercised as well.
  static Decoder decoder(2048);
  static Decoder checker;
  static Event event;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::optional<Topic> topics[] = {std::nullopt, Topic::kTransactions, Topic::kProductViews,
                                         Topic::kCartEvents, Topic::kInventoryUpdates};
  for (std::optional<Topic> topic : topics) {
    const gm::Status s = decoder.Decode(topic, input, event);
    if (s.ok()) {
      if (topic && event.topic != *topic) Fail("topic argument did not win", input, "");
      CheckRoundTrip(checker, input, event);
    } else if (s.message().empty() || s.code() != gm::ErrorCode::kInvalidArgument) {
      Fail("rejection without a reason", input, s.ToString());
    }
  }
  return 0;
}
