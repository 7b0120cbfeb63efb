#include "runtime/model_bytes.h"

#include <algorithm>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::runtime {

// protobuf takes an int for the size it parses.
static_assert(kMaxModelBytes <= std::numeric_limits<int>::max());

void check_model_size(std::uintmax_t size, std::size_t max_bytes, const std::string& origin) {
  if (size > max_bytes)
    throw Error(fmt::format("{}: {} bytes, larger than the {} bytes a model file may have", origin, size, max_bytes));
}

std::vector<std::uint8_t> read_model_bytes(const std::filesystem::path& path, std::size_t max_bytes) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(fmt::format("{}: cannot read: {}", path.string(), ec.message()));
  check_model_size(size, std::min(max_bytes, kMaxModelBytes), path.string());
  std::vector<std::uint8_t> bytes(size);
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
    throw Error(fmt::format("{}: cannot read", path.string()));
  return bytes;
}

}  // namespace edgeml::runtime
