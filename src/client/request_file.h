// Prediction requests replayed from the tutorial's raw sensor file
// (../shared/data/bts/*_test.csv, no header): each line's series from its
// station, datapoint and alarm columns, its features index, value and
// valueThreshold; the line number is the request's id, echoed in the reply.
#pragma once

#include <cstdint>
#include <filesystem>

#include "protocol/alarm_event.h"
#include "ingest/raw_file.h"
#include "protocol/request.h"

namespace edgeml::client {

class RequestFile {
 public:
  // Throws Error when the file cannot be opened.
  explicit RequestFile(const std::filesystem::path& path);

  // The next good line's request; false at the end. A bad line is skipped,
  // logged with its file and line number and counted in skipped().
  bool next(Request& request);
  std::int64_t skipped() const { return reader_.skipped(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  ingest::RawFileReader reader_;
  AlarmEvent event_;
};

}  // namespace edgeml::client
