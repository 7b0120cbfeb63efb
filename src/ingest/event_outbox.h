// The publisher's outbox of events that no collector has receipted yet: one
// SQLite file per client id, so that a publisher started again with the same
// id sends what the last run left. Writes are grouped: add() and remove() join
// an open transaction that sync() commits (WAL, synchronous=NORMAL: a commit
// survives the process being killed; a power cut of the publisher's own
// machine can take the last few, as it takes the readings still in the
// sensor's memory, but never one that was receipted, since receipts come only
// after the collector's synced commit).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "core/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace edgeml::ingest {

class EventOutbox {
 public:
  // Opens or creates the file. Throws Error naming it.
  explicit EventOutbox(const std::filesystem::path& path);
  ~EventOutbox();  // commits what is open
  EventOutbox(const EventOutbox&) = delete;
  EventOutbox& operator=(const EventOutbox&) = delete;

  // Keeps one message from the next sync(); returns its sequence number
  // (ascending, never reused within the file). Throws Error when the file
  // cannot be written.
  std::uint64_t add(std::string_view topic, std::string_view payload);
  // Forgets a receipted message (unknown numbers are ignored).
  void remove(std::uint64_t sequence);
  // Commits the open group of writes.
  void sync();
  // Every kept message in sequence order.
  void for_each(const std::function<void(std::uint64_t sequence, std::string topic, std::string payload)>& visit);
  std::int64_t size();
  // Deletes the file once it holds nothing (a finished run leaves nothing behind).
  void discard_if_empty();

  const std::filesystem::path& path() const { return path_; }

 private:
  void exec(const char* sql);
  void begin_if_needed();
  [[noreturn]] void fail(const char* what);

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* add_ = nullptr;
  sqlite3_stmt* remove_ = nullptr;
  bool in_transaction_ = false;
};

}  // namespace edgeml::ingest
