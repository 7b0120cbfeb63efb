// A model file's bytes, read whole under a size cap: what both readers and
// the format sniffing of model_file.h start from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace edgeml::runtime {

// Files larger than this are refused unread; neither format's parser sees more.
inline constexpr std::size_t kMaxModelBytes = 256u << 20;

// Throws Error naming `origin` and both sizes when `size` exceeds `max_bytes`.
void check_model_size(std::uintmax_t size, std::size_t max_bytes, const std::string& origin);

// The whole file; throws Error naming the file and both sizes when it cannot
// be read or is larger than `max_bytes` (checked before reading a byte).
std::vector<std::uint8_t> read_model_bytes(const std::filesystem::path& path, std::size_t max_bytes = kMaxModelBytes);

}  // namespace edgeml::runtime
