// What a load of the model directory gave, in the log: each model served,
// each file refused and why, each model kept from before.
#pragma once

#include <filesystem>

#include "serve/model_set.h"

namespace edgeml::serve {

void log_model_set(const ModelSet& set, const std::filesystem::path& dir);

}  // namespace edgeml::serve
