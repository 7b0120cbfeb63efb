#include "support/power_cut.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace edgeml::test {

namespace fs = std::filesystem;

namespace {

struct UndoRecord {
  std::int64_t offset, length, size_before;
  std::vector<char> old;
};

std::vector<UndoRecord> read_undo_log(const fs::path& log) {
  std::ifstream in(log, std::ios::binary);
  std::vector<UndoRecord> records;
  UndoRecord r;
  while (in.read(reinterpret_cast<char*>(&r.offset), 3 * sizeof(std::int64_t))) {
    r.old.resize(static_cast<std::size_t>(r.length));
    // A record is logged before its write is made: one cut short by the kill
    // (the file ends inside it) is the last, and its write never happened.
    if (!in.read(r.old.data(), r.length)) break;
    records.push_back(r);
  }
  return records;
}

// Newest first, so that the file ends as it was before the oldest record.
void undo(const fs::path& file, const std::vector<UndoRecord>& records) {
  int fd = ::open(file.c_str(), O_WRONLY);
  if (fd < 0) throw std::runtime_error("cannot open " + file.string());
  for (auto r = records.rbegin(); r != records.rend(); ++r) {
    if (::pwrite(fd, r->old.data(), r->old.size(), r->offset) != static_cast<ssize_t>(r->old.size()) ||
        ::ftruncate(fd, r->size_before) != 0)
      throw std::runtime_error("cannot undo a write in " + file.string());
  }
  ::close(fd);
}

}  // namespace

int cut_power(const fs::path& dir) {
  int undone = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().string();
    if (name.ends_with("-shm")) fs::remove(entry.path());
    if (!name.ends_with("-unsynced")) continue;
    fs::path file = name.substr(0, name.size() - std::string("-unsynced").size());
    std::vector<UndoRecord> records = read_undo_log(entry.path());
    if (!records.empty() && fs::exists(file)) undo(file, records);
    undone += static_cast<int>(records.size());
    fs::remove(entry.path());
  }
  return undone;
}

}  // namespace edgeml::test
