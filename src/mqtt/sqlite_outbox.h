// Paho's store for messages in flight, kept in one SQLite file instead of
// Paho's default of a file per message: the same durability (each change is
// committed before Paho goes on) at a fraction of the file-system work.
#pragma once

#include <filesystem>
#include <mutex>

#include <mqtt/iclient_persistence.h>

struct sqlite3;
struct sqlite3_stmt;

namespace edgeml::mq {

class SqliteOutbox : public ::mqtt::iclient_persistence {
 public:
  // The database is created at `path` when Paho opens the store.
  explicit SqliteOutbox(std::filesystem::path path);
  ~SqliteOutbox() override;

  void open(const ::mqtt::string& client_id, const ::mqtt::string& server_uri) override;
  void close() override;
  void clear() override;
  bool contains_key(const ::mqtt::string& key) override;
  ::mqtt::string_collection keys() const override;
  void put(const ::mqtt::string& key, const std::vector<::mqtt::string_view>& bufs) override;
  ::mqtt::string get(const ::mqtt::string& key) const override;
  void remove(const ::mqtt::string& key) override;

 private:
  void exec(const char* sql) const;

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* put_ = nullptr;
  sqlite3_stmt* remove_ = nullptr;
  mutable std::mutex mutex_;
};

}  // namespace edgeml::mq
