#pragma once

// The records of the stock-changes re-partition topic (DESIGN.md §6 Scale-out; the format
// is documented in docs/stream.md). With Kafka, each task's user stage sends the stock
// changes it emits to the partition of the task owning each product, and publishes its
// watermark to every partition; the product stage reads its partition back.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "stream/rows.h"

namespace gm::stream::internal {

//! One record of the re-partition topic: a stock change, or an upstream task's watermark.
struct StockRecord {
  enum class Kind : uint8_t {
    kChange = 'C',     //!< `change` holds a StockChange with its source position
    kWatermark = 'W',  //!< the upstream task has sent every change below `watermark`
  };
  Kind kind = Kind::kChange;
  int32_t upstream_task = 0;  //!< the task whose user stage emitted it
  StockChange change;         //!< kChange only
  Micros watermark = 0;       //!< kWatermark only
};

//! The current format version, the first byte of every record.
inline constexpr uint8_t kStockRecordVersion = 1;

//! Appends the binary encoding of `record` to `out` (little-endian: u8 version, u8 kind,
//! u32 upstream task, then for a change i64 effective time, u8 topic, u32 partition, i64
//! offset, u32 sub, u32-length-prefixed product_id and category, i64 sold, i64 reserved;
//! for a watermark i64 watermark). Never fails.
void EncodeStockRecord(const StockRecord& record, std::string& out);

//! Decodes what EncodeStockRecord wrote into `record`. InvalidArgument for an unknown
//! version or kind, a truncated record or trailing bytes (`record` is then unspecified).
Status DecodeStockRecord(std::string_view bytes, StockRecord& record);

}  // namespace gm::stream::internal
