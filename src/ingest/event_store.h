// The collector's SQLite store: every alarm event once (unique on series,
// index and event_time), and every payload it could not accept, with why.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "protocol/alarm_event.h"
#include "core/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace edgeml::ingest {

struct StoredEvent {
  std::int64_t row = 0;  // arrival order
  AlarmEvent event;
};

class EventStore {
 public:
  // How long a write waits for another connection's lock before it fails
  // with busy() set.
  static constexpr std::chrono::milliseconds kBusyTimeout{5000};

  // Opens or creates the database (WAL mode) after PRAGMA quick_check.
  // Throws Error naming the file, and the damage when it finds some.
  explicit EventStore(const std::filesystem::path& path, std::chrono::milliseconds busy_timeout = kBusyTimeout);
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // Stores the event unless it is already there; `stored` says which. Outside
  // begin()/commit() each call is its own transaction: once it returns, a crash
  // or a power cut cannot lose it (synchronous=FULL).
  Status insert(const AlarmEvent& event, bool& stored);
  Status reject(std::string_view topic, std::string_view payload, std::string_view reason);

  // One transaction, and one sync, for every write between them. After a
  // failed write or commit, rollback() undoes the lot.
  Status begin();
  Status commit();
  void rollback();
  // True when the last failed write or commit failed only because another
  // connection held a lock (SQLITE_BUSY or SQLITE_LOCKED): trying again later
  // may succeed, unlike a full disk, a read-only file or a damaged one.
  bool busy() const { return busy_; }

  std::int64_t event_count();
  std::int64_t reject_count();
  std::vector<SeriesId> series();
  // Events in arrival order with row > after, optionally of one series only.
  void for_each(const std::optional<SeriesId>& series, std::int64_t after,
                const std::function<void(const StoredEvent&)>& visit);

  const std::filesystem::path& path() const { return path_; }

 private:
  void exec(const char* sql);
  Status run(const char* sql);
  // The error of the last call on the connection, noting whether it was a lock.
  Status failed();
  void check_integrity();
  sqlite3_stmt* prepare(const char* sql);

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* reject_ = nullptr;
  bool busy_ = false;
};

}  // namespace edgeml::ingest
