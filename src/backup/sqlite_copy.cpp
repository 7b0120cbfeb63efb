#include "backup/sqlite_copy.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <array>
#include <chrono>
#include <fstream>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "backup/file_copy.h"
#include "core/error.h"

namespace edgeml::backup {
namespace fs = std::filesystem;
namespace {

constexpr int kBusyTimeoutMs = 10000;
// A backup step meets SQLITE_BUSY while a writer checkpoints; each retry waits a little.
constexpr int kBusyRetries = 200;

class Connection {
 public:
  Connection(const fs::path& path, int flags) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw Error(fmt::format("cannot open the database '{}': {}", path.string(), why));
    }
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  }
  ~Connection() { sqlite3_close(db_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

void run_backup(const Connection& source, const Connection& copy, const fs::path& from) {
  sqlite3_backup* backup = sqlite3_backup_init(copy.get(), "main", source.get(), "main");
  if (!backup) throw Error(fmt::format("cannot back up '{}': {}", from.string(), sqlite3_errmsg(copy.get())));
  int rc = SQLITE_OK;
  for (int attempt = 0; attempt < kBusyRetries; ++attempt) {
    rc = sqlite3_backup_step(backup, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE)
    throw Error(fmt::format("cannot back up '{}': {}", from.string(), sqlite3_errstr(rc)));
}

void quick_check(const Connection& copy, const fs::path& from) {
  sqlite3_stmt* stmt = nullptr;
  std::string result = "no answer";
  if (sqlite3_prepare_v2(copy.get(), "PRAGMA quick_check", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW)
    result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  if (result != "ok") throw Error(fmt::format("the copy of the database '{}' fails its check: {}", from.string(), result));
}

}  // namespace

void copy_sqlite_database(const fs::path& from, const fs::path& to) {
  if (!fs::is_regular_file(from)) throw Error(fmt::format("the database '{}' is not a file", from.string()));
  if (!is_sqlite_database(from)) throw Error(fmt::format("'{}' is not an SQLite database", from.string()));
  if (fs::exists(to)) throw Error(fmt::format("'{}' is already there", to.string()));
  {
    Connection source(from, SQLITE_OPEN_READONLY);
    Connection copy(to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    run_backup(source, copy, from);
    quick_check(copy, from);
  }
  ::chmod(to.c_str(), 0600);
  sync_path(to);
}

bool is_sqlite_database(const fs::path& path) {
  static constexpr std::string_view kHeader("SQLite format 3\0", 16);
  std::array<char, 16> head{};
  std::ifstream in(path, std::ios::binary);
  in.read(head.data(), head.size());
  return in.gcount() == 16 && std::string_view(head.data(), head.size()) == kHeader;
}

bool is_sqlite_companion(const fs::path& path) {
  std::string name = path.filename().string();
  for (std::string_view suffix : {"-wal", "-shm", "-journal"})
    if (name.ends_with(suffix)) return true;
  return false;
}

}  // namespace edgeml::backup
