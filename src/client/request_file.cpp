#include "client/request_file.h"

#include <string>

namespace edgeml::client {

RequestFile::RequestFile(const std::filesystem::path& path) : path_(path), reader_(path) {}

bool RequestFile::next(Request& request) {
  if (!reader_.next(event_)) return false;
  request.series = event_.series;
  request.index = event_.index;
  request.value = event_.value;
  request.threshold = event_.threshold;
  request.id_kind = Request::IdKind::number;
  request.id = std::to_string(reader_.line_number());
  return true;
}

}  // namespace edgeml::client
