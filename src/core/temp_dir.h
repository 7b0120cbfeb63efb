// Fresh, uniquely named directories.
#pragma once

#include <filesystem>
#include <string>

namespace edgeml {

// Creates `parent`/`prefix`-XXXXXX (mode 0700). Throws Error naming `parent`.
std::filesystem::path make_unique_dir(const std::filesystem::path& parent, const std::string& prefix);

}  // namespace edgeml
