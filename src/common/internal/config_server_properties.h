#pragma once

// The HTTP server's rows of the configuration property table (config.cpp's Properties()),
// kept beside it so config.cpp stays small. Internal to the common module.

#include <vector>

#include "common/internal/config_property.h"

namespace gm::internal {

//! Appends the [server] properties (the HTTP server) to `ps`, in the order `config show`
//! lists them.
void AddServerProperties(std::vector<Property>& ps);

//! Appends the [auth], [cors] and [explorer] properties (API keys and rate limits,
//! cross-origin requests, the data explorer) to `ps`, in the order `config show` lists them.
void AddSecurityProperties(std::vector<Property>& ps);

}  // namespace gm::internal
