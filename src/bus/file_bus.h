#pragma once

#include <memory>
#include <string>

#include "bus/bus.h"

namespace gm::bus {

//! A JSONL file as a sink: one payload per line (payloads carry `event_type`, so the
//! topic, key and event time arguments of Send are not written). Writes are buffered
//! (1 MiB); Flush writes the buffer and fsyncs; the destructor writes what is left.
//! Not thread-safe. Creates or truncates `path`; "-" means standard output. After a
//! failed write every call returns that error.
Result<std::unique_ptr<Sink>> OpenFileSink(const std::string& path);

//! A JSONL file as a source: one source partition (partition 0) whose offsets are
//! 1-based line numbers; Message::topic is the path and topic_is_schema is false.
//! Empty lines are skipped (their numbers are not reused). AtEnd() after EOF.
//! `start_line` resumes after the lines before it (for restarts). A trailing '\r' is
//! dropped (CRLF files); the last line needs no '\n'; lines of any length are read (the
//! buffer grows). Poll never waits and returns after at most 8,192 lines or ~8 MiB.
//! "-" reads standard input. NotFound when the file does not exist.
Result<std::unique_ptr<Source>> OpenFileSource(const std::string& path, int64_t start_line = 1);

}  // namespace gm::bus
