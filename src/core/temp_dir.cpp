#include "core/temp_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml {

std::filesystem::path make_unique_dir(const std::filesystem::path& parent, const std::string& prefix) {
  std::string pattern = (parent / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(pattern.data()))
    throw Error(fmt::format("cannot create a directory in {}: {}", parent.string(), std::strerror(errno)));
  return pattern;
}

}  // namespace edgeml
