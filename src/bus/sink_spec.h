#pragma once

#include <memory>
#include <string_view>

#include "bus/bus.h"
#include "common/config.h"

namespace gm::bus {

//! Opens the sink a `--to` flag names: `null`, `file:PATH` (JSONL; `file:-` = stdout) or
//! `kafka` (kafka.brokers; missing topics are created with bus.partitions partitions).
//! InvalidArgument for any other spec, naming it.
Result<std::unique_ptr<Sink>> OpenSinkBySpec(std::string_view spec, const Config& config);

}  // namespace gm::bus
