// Reads the sensor's raw CSV (../shared/data/bts/*_send.csv) one event at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "protocol/alarm_event.h"

namespace edgeml::ingest {

class RawFileReader {
 public:
  // Throws Error when the file cannot be opened.
  explicit RawFileReader(const std::filesystem::path& path);

  // Next well-formed event; false at the end. A malformed line is skipped and
  // logged with its file and line number, and counted in skipped().
  bool next(AlarmEvent& event);
  std::int64_t skipped() const { return skipped_; }
  // The line the last event came from, counting from 1.
  std::int64_t line_number() const { return line_no_; }

 private:
  std::filesystem::path path_;
  std::ifstream in_;
  std::string line_;
  std::int64_t line_no_ = 0;
  std::int64_t skipped_ = 0;
};

}  // namespace edgeml::ingest
