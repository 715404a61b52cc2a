#pragma once

// The binary format of task state snapshots (stored in stream_task_state with the offsets
// they belong to). Little-endian fixed-width integers and length-prefixed bytes; every
// snapshot starts with a format version so an old snapshot is refused, not misread.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/status.h"

namespace gm::stream {

//! Appends values to a byte string. Never fails.
class SnapshotWriter {
 public:
  explicit SnapshotWriter(std::string& out) : out_(out) {}
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) { Raw(&v, sizeof v); }
  void I64(int64_t v) { Raw(&v, sizeof v); }
  void U64(uint64_t v) { Raw(&v, sizeof v); }
  void F64(double v) { Raw(&v, sizeof v); }
  void Bytes(std::string_view v) {
    U32(static_cast<uint32_t>(v.size()));
    out_.append(v);
  }

 private:
  void Raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string& out_;
};

//! Reads what SnapshotWriter wrote, in the same order. Reading past the end sets a
//! sticky error (status()) and returns zeros/empty, so a reader checks once at the end.
class SnapshotReader {
 public:
  explicit SnapshotReader(std::string_view in) : in_(in) {}
  uint8_t U8() {
    uint8_t v = 0;
    Raw(&v, 1);
    return v;
  }
  uint32_t U32() {
    uint32_t v = 0;
    Raw(&v, sizeof v);
    return v;
  }
  int64_t I64() {
    int64_t v = 0;
    Raw(&v, sizeof v);
    return v;
  }
  uint64_t U64() {
    uint64_t v = 0;
    Raw(&v, sizeof v);
    return v;
  }
  double F64() {
    double v = 0;
    Raw(&v, sizeof v);
    return v;
  }
  std::string_view Bytes() {
    const uint32_t n = U32();
    if (n > in_.size() - pos_) {
      failed_ = true;
      return {};
    }
    std::string_view v = in_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  bool at_end() const { return pos_ == in_.size(); }
  //! DataLoss-like InvalidArgument when the snapshot was truncated or misread.
  Status status() const {
    return failed_ ? InvalidArgument("task snapshot is truncated or corrupt") : Status::Ok();
  }
  void Fail() { failed_ = true; }

 private:
  void Raw(void* p, size_t n) {
    if (n > in_.size() - pos_) {
      failed_ = true;
      pos_ = in_.size();
      return;
    }
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace gm::stream
