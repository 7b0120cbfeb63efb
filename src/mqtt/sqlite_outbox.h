// The store for messages in flight, kept in one SQLite file instead of Paho's
// default of a file per message: the same durability (each change is
// committed before it returns) at a fraction of the file-system work.
// Keys and values are opaque bytes; paho_outbox.h hands it to Paho.
// Every method throws Error saying what failed and on which file.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace edgeml::mq {

class SqliteOutbox {
 public:
  // The database is created at `path` by open().
  explicit SqliteOutbox(std::filesystem::path path);
  ~SqliteOutbox();
  SqliteOutbox(const SqliteOutbox&) = delete;
  SqliteOutbox& operator=(const SqliteOutbox&) = delete;

  void open();  // again while open: nothing
  void close();
  void clear();
  bool contains(const std::string& key);
  std::vector<std::string> keys() const;
  // Stores the parts, joined, as the value of `key` (replacing any).
  void put(const std::string& key, const std::vector<std::string_view>& parts);
  // Throws Error when there is no such key.
  std::string get(const std::string& key) const;
  void remove(const std::string& key);

 private:
  void exec(const char* sql) const;

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* put_ = nullptr;
  sqlite3_stmt* remove_ = nullptr;
  mutable std::mutex mutex_;
};

}  // namespace edgeml::mq
