// The collector's store in an SQLite file (WAL mode): what one node keeps on
// its own disk, every commit synced before it counts.
#pragma once

#include <chrono>
#include <filesystem>

#include "ingest/event_store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace edgeml::ingest {

class SqliteEventStore : public EventStore {
 public:
  // How long a write waits for another connection's lock before it fails
  // with busy() set.
  static constexpr std::chrono::milliseconds kBusyTimeout{5000};

  // Opens or creates the database (WAL mode) after PRAGMA quick_check.
  // Throws Error naming the file, and the damage when it finds some.
  explicit SqliteEventStore(const std::filesystem::path& path, std::chrono::milliseconds busy_timeout = kBusyTimeout);
  ~SqliteEventStore() override;
  SqliteEventStore(const SqliteEventStore&) = delete;
  SqliteEventStore& operator=(const SqliteEventStore&) = delete;

  // begin(), each write, commit(); rolled back on failure.
  Status write(std::span<PendingWrite> batch) override;
  // True when the last failed write or commit failed only because another
  // connection held a lock (SQLITE_BUSY or SQLITE_LOCKED): trying again later
  // may succeed, unlike a full disk, a read-only file or a damaged one.
  bool busy() const override { return busy_; }

  // Stores the event unless it is already there; `stored` says which. Outside
  // begin()/commit() each call is its own transaction: once it returns, a crash
  // or a power cut cannot lose it (synchronous=FULL).
  Status insert(const AlarmEvent& event, bool& stored) override;
  Status reject(std::string_view topic, std::string_view payload, std::string_view reason) override;

  // One transaction, and one sync, for every write between them. After a
  // failed write or commit, rollback() undoes the lot.
  Status begin();
  Status commit();
  void rollback();

  std::int64_t event_count() override;
  std::int64_t reject_count() override;
  std::vector<SeriesId> series() override;
  void for_each(const std::optional<SeriesId>& series, std::int64_t after,
                const std::function<void(const StoredEvent&)>& visit) override;

  const std::string& name() const override { return name_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void exec(const char* sql);
  Status run(const char* sql);
  // The error of the last call on the connection, noting whether it was a lock.
  Status failed();
  void check_integrity();
  sqlite3_stmt* prepare(const char* sql);

  std::filesystem::path path_;
  std::string name_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* reject_ = nullptr;
  bool busy_ = false;
};

}  // namespace edgeml::ingest
