#pragma once

#include <memory>
#include <string>

#include "bus/bus.h"

namespace gm::bus {

//! A JSONL file as a sink: one payload per line (payloads carry `event_type`, so the
//! topic argument of Send is not written). Not thread-safe. Creates or truncates `path`;
//! "-" means standard output.
Result<std::unique_ptr<Sink>> OpenFileSink(const std::string& path);

//! A JSONL file as a source: one source partition (partition 0) whose offsets are
//! 1-based line numbers; Message::topic is the path and topic_is_schema is false.
//! Empty lines are skipped (their numbers are not reused). AtEnd() after EOF.
//! `start_line` resumes after the lines before it (for restarts).
Result<std::unique_ptr<Source>> OpenFileSource(const std::string& path, int64_t start_line = 1);

}  // namespace gm::bus
