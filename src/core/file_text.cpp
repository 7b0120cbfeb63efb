#include "core/file_text.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/bounded_json.h"
#include "core/error.h"

namespace edgeml {

std::string read_file_text(const std::filesystem::path& path, std::size_t max_bytes) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(fmt::format("cannot read '{}': {}", path.string(), ec.message()));
  if (size > max_bytes) throw Error(fmt::format("'{}' is {} bytes, more than {}", path.string(), size, max_bytes));
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw Error(fmt::format("cannot read '{}'", path.string()));
  return text.str();
}

nlohmann::json read_json_file(const std::filesystem::path& path, std::size_t max_bytes) {
  std::string text = read_file_text(path, max_bytes);
  // Bounded: a manifest arrives inside deployment packages, from the network.
  nlohmann::json value;
  if (Status s = parse_json_bounded(text, value); !s)
    throw Error(fmt::format("'{}' is not valid JSON: {}", path.string(), s.reason()));
  return value;
}

}  // namespace edgeml
