#pragma once

#include "common/config.h"

namespace gm::store {

//! [store] Where the PostgreSQL database is and how to reach it (keys store.*).
using StoreConfig = gm::StoreConfig;

}  // namespace gm::store
