// Reading a small text or JSON file (a manifest, a configuration) whole, with a size
// limit so a wrong path to a huge file fails instead of filling memory.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace edgeml {

// Throws Error naming the file when it cannot be read or exceeds `max_bytes`.
std::string read_file_text(const std::filesystem::path& path, std::size_t max_bytes);
// The same, parsed as JSON; throws Error naming the file when it is not JSON.
nlohmann::json read_json_file(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace edgeml
