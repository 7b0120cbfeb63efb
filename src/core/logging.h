// Process-wide logging set-up (spdlog to stderr).
#pragma once

#include <string>

namespace edgeml {

// level: trace, debug, info, warn, error, off. Throws Error on an unknown level.
void setup_logging(const std::string& level);

}  // namespace edgeml
