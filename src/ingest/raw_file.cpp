#include "ingest/raw_file.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"

namespace edgeml::ingest {

RawFileReader::RawFileReader(const std::filesystem::path& path) : path_(path), in_(path) {
  std::error_code ec;
  if (!in_ || std::filesystem::is_directory(path, ec))
    throw Error(fmt::format("cannot read '{}': no such file or not readable", path.string()));
}

bool RawFileReader::next(AlarmEvent& event) {
  while (std::getline(in_, line_)) {
    ++line_no_;
    if (line_.empty() || line_ == "\r") continue;
    Status s = parse_raw_line(line_, event);
    if (s) return true;
    // A header line is not an error worth a warning.
    if (line_no_ == 1 && line_.rfind("index", 0) == 0) continue;
    ++skipped_;
    spdlog::warn("{}:{}: skipped: {}", path_.string(), line_no_, s.reason());
  }
  return false;
}

}  // namespace edgeml::ingest
