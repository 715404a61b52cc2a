#include "stream/internal/stock_record.h"

#include "stream/snapshot.h"

namespace gm::stream::internal {

void EncodeStockRecord(const StockRecord& record, std::string& out) {
  SnapshotWriter w(out);
  w.U8(kStockRecordVersion);
  w.U8(static_cast<uint8_t>(record.kind));
  w.U32(static_cast<uint32_t>(record.upstream_task));
  if (record.kind == StockRecord::Kind::kWatermark) {
    w.I64(record.watermark);
    return;
  }
  const StockChange& c = record.change;
  w.I64(c.key.effective_time);
  w.U8(c.key.topic);
  w.U32(static_cast<uint32_t>(c.key.partition));
  w.I64(c.key.offset);
  w.U32(c.sub);
  w.Bytes(c.product_id);
  w.Bytes(c.category);
  w.I64(c.sold);
  w.I64(c.reserved);
}

Status DecodeStockRecord(std::string_view bytes, StockRecord& record) {
  SnapshotReader r(bytes);
  const uint8_t version = r.U8();
  if (r.status().ok() && version != kStockRecordVersion) {
    return InvalidArgument("stock record of unknown format version " + std::to_string(version));
  }
  const uint8_t kind = r.U8();
  record.upstream_task = static_cast<int32_t>(r.U32());
  if (kind == static_cast<uint8_t>(StockRecord::Kind::kWatermark)) {
    record.kind = StockRecord::Kind::kWatermark;
    record.watermark = r.I64();
  } else if (kind == static_cast<uint8_t>(StockRecord::Kind::kChange)) {
    record.kind = StockRecord::Kind::kChange;
    StockChange& c = record.change;
    c.key.effective_time = r.I64();
    c.key.topic = r.U8();
    c.key.partition = static_cast<int32_t>(r.U32());
    c.key.offset = r.I64();
    c.sub = r.U32();
    c.product_id = std::string(r.Bytes());
    c.category = std::string(r.Bytes());
    c.sold = r.I64();
    c.reserved = r.I64();
  } else if (r.status().ok()) {
    return InvalidArgument("stock record of unknown kind " + std::to_string(kind));
  }
  if (!r.status().ok()) return InvalidArgument("stock record is truncated");
  if (!r.at_end()) return InvalidArgument("stock record has trailing bytes");
  return Status::Ok();
}

}  // namespace gm::stream::internal
