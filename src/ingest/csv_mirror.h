// The tutorial's CSV (header, then one payload per line), kept as an
// append-only mirror of the event store: line N is the store's N-th event.
// On open it catches up with the store, so a crash between the database commit
// and the CSV write neither loses nor repeats a line.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "protocol/alarm_event.h"
#include "core/error.h"
#include "ingest/event_store.h"

namespace edgeml::ingest {

inline constexpr const char* kTrainingCsvHeader = "index,event_time,value,valueThreshold,isActive";

class CsvMirror {
 public:
  // Opens (or creates) the file, drops a torn last line, and appends the
  // store's events it does not have yet. Throws Error naming the file.
  CsvMirror(const std::filesystem::path& path, EventStore& store);
  ~CsvMirror();
  CsvMirror(const CsvMirror&) = delete;
  CsvMirror& operator=(const CsvMirror&) = delete;

  // Appends one event (just stored) and hands it to the OS.
  Status append(const AlarmEvent& event);
  std::int64_t lines() const { return lines_; }

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  std::int64_t lines_ = 0;
};

// Writes the training CSV of the store's events (all, or one series).
// Returns the number of rows written. Throws Error naming the file.
std::int64_t export_training_csv(EventStore& store, const std::optional<SeriesId>& series,
                                 const std::filesystem::path& out);

}  // namespace edgeml::ingest
