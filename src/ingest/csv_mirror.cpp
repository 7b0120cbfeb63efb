#include "ingest/csv_mirror.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include <fmt/format.h>

namespace edgeml::ingest {

namespace fs = std::filesystem;

namespace {

// Counts complete data lines and the byte size up to the last complete line.
std::pair<std::int64_t, std::uintmax_t> complete_lines(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::int64_t lines = 0;
  std::uintmax_t good_bytes = 0, pos = 0;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    std::streamsize n = in.gcount();
    for (std::streamsize i = 0; i < n; ++i) {
      ++pos;
      if (buf[i] == '\n') {
        ++lines;
        good_bytes = pos;
      }
    }
  }
  return {lines, good_bytes};
}

}  // namespace

CsvMirror::CsvMirror(const fs::path& path, EventStore& store) : path_(path) {
  std::error_code ec;
  bool exists = fs::exists(path, ec);
  std::int64_t have = 0;
  if (exists) {
    auto [lines, good_bytes] = complete_lines(path);
    if (good_bytes != fs::file_size(path, ec)) fs::resize_file(path, good_bytes, ec);  // torn last line
    if (ec) throw Error(fmt::format("cannot repair '{}': {}", path.string(), ec.message()));
    have = lines > 0 ? lines - 1 : 0;  // minus the header
    exists = lines > 0;
  }
  file_ = std::fopen(path.c_str(), "ab");
  if (!file_) throw Error(fmt::format("cannot open CSV '{}' for appending: {}", path.string(), std::strerror(errno)));
  if (!exists) std::fprintf(file_, "%s\n", kTrainingCsvHeader);
  lines_ = have;
  std::int64_t skipped = 0;
  store.for_each(std::nullopt, 0, [&](const StoredEvent& row) {
    if (skipped < have) {
      ++skipped;
      return;
    }
    if (Status s = append(row.event); !s) throw Error(s.reason());
  });
  if (std::fflush(file_) != 0) throw Error(fmt::format("cannot write CSV '{}': {}", path.string(), std::strerror(errno)));
}

CsvMirror::~CsvMirror() {
  if (file_) std::fclose(file_);
}

Status CsvMirror::append(const AlarmEvent& event) {
  std::string line = format_payload(event);
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    return Status::error(fmt::format("cannot write CSV '{}': {}", path_.string(), std::strerror(errno)));
  ++lines_;
  return Status::ok();
}

std::int64_t export_training_csv(EventStore& store, const std::optional<SeriesId>& series, const fs::path& out) {
  fs::path tmp = out;
  tmp += ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw Error(fmt::format("cannot create '{}': {}", tmp.string(), std::strerror(errno)));
  std::int64_t rows = 0;
  std::fprintf(f, "%s\n", kTrainingCsvHeader);
  store.for_each(series, 0, [&](const StoredEvent& row) {
    std::string line = format_payload(row.event);
    std::fprintf(f, "%s\n", line.c_str());
    ++rows;
  });
  bool ok = std::fflush(f) == 0;
  ok = std::fclose(f) == 0 && ok;
  std::error_code ec;
  if (ok) fs::rename(tmp, out, ec);
  if (!ok || ec) {
    fs::remove(tmp, ec);
    throw Error(fmt::format("cannot write '{}'", out.string()));
  }
  return rows;
}

}  // namespace edgeml::ingest
