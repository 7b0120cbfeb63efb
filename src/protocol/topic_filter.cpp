#include "protocol/topic_filter.h"

namespace edgeml {

bool topic_matches(std::string_view filter, std::string_view topic) {
  while (true) {
    std::size_t fs = filter.find('/');
    std::string_view level = filter.substr(0, fs);
    if (level == "#") return true;
    std::size_t ts = topic.find('/');
    std::string_view tlevel = topic.substr(0, ts);
    if (level != "+" && level != tlevel) return false;
    if (fs == std::string_view::npos || ts == std::string_view::npos) {
      // "a/#" also matches "a".
      return fs == ts || (ts == std::string_view::npos && filter.substr(fs + 1) == "#");
    }
    filter.remove_prefix(fs + 1);
    topic.remove_prefix(ts + 1);
  }
}

bool is_publishable_topic(std::string_view topic, std::size_t max_bytes) {
  return !topic.empty() && topic.size() <= max_bytes &&
         topic.find_first_of(std::string_view("+#\0", 3)) == std::string_view::npos;
}

bool is_valid_filter(std::string_view filter, std::size_t max_bytes) {
  if (filter.empty() || filter.size() > max_bytes || filter.find('\0') != std::string_view::npos) return false;
  for (std::size_t start = 0;;) {
    const std::size_t slash = filter.find('/', start);
    const std::string_view level = filter.substr(start, slash == std::string_view::npos ? filter.npos : slash - start);
    const bool wild = level.find_first_of("+#") != std::string_view::npos;
    if (wild && level != "+" && level != "#") return false;
    if (level == "#" && slash != std::string_view::npos) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

}  // namespace edgeml
