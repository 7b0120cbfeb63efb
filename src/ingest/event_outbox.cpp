#include "ingest/event_outbox.h"

#include <sqlite3.h>

#include <fmt/format.h>

namespace edgeml::ingest {

EventOutbox::EventOutbox(const std::filesystem::path& path) : path_(path) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw Error(fmt::format("cannot open the outbox '{}': {}", path.string(), why));
  }
  try {
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    // AUTOINCREMENT: a sequence number is never handed out twice, even after
    // the newest rows were removed, so a late receipt cannot remove a new event.
    exec("CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, "
         "payload BLOB NOT NULL)");
    if (sqlite3_prepare_v3(db_, "INSERT INTO outbox (topic, payload) VALUES (?1, ?2)", -1, SQLITE_PREPARE_PERSISTENT,
                           &add_, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v3(db_, "DELETE FROM outbox WHERE seq = ?1", -1, SQLITE_PREPARE_PERSISTENT, &remove_,
                           nullptr) != SQLITE_OK)
      fail("prepare");
  } catch (...) {
    sqlite3_finalize(add_);
    sqlite3_close(db_);
    throw;
  }
}

EventOutbox::~EventOutbox() {
  try {
    sync();
  } catch (const Error&) {
    // Reported by the writes that failed; what was committed stays.
  }
  sqlite3_finalize(add_);
  sqlite3_finalize(remove_);
  sqlite3_close(db_);
}

void EventOutbox::fail(const char* what) {
  throw Error(fmt::format("outbox '{}': {}: {}", path_.string(), what, sqlite3_errmsg(db_)));
}

void EventOutbox::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
}

void EventOutbox::begin_if_needed() {
  if (in_transaction_) return;
  exec("BEGIN IMMEDIATE");
  in_transaction_ = true;
}

std::uint64_t EventOutbox::add(std::string_view topic, std::string_view payload) {
  begin_if_needed();
  sqlite3_reset(add_);
  sqlite3_bind_text(add_, 1, topic.data(), static_cast<int>(topic.size()), SQLITE_STATIC);
  sqlite3_bind_blob(add_, 2, payload.data(), static_cast<int>(payload.size()), SQLITE_STATIC);
  if (sqlite3_step(add_) != SQLITE_DONE) fail("add");
  return static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db_));
}

void EventOutbox::remove(std::uint64_t sequence) {
  begin_if_needed();
  sqlite3_reset(remove_);
  sqlite3_bind_int64(remove_, 1, static_cast<sqlite3_int64>(sequence));
  if (sqlite3_step(remove_) != SQLITE_DONE) fail("remove");
}

void EventOutbox::sync() {
  if (!in_transaction_) return;
  in_transaction_ = false;
  exec("COMMIT");
}

void EventOutbox::for_each(
    const std::function<void(std::uint64_t sequence, std::string topic, std::string payload)>& visit) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT seq, topic, payload FROM outbox ORDER BY seq", -1, &s, nullptr) != SQLITE_OK)
    fail("read");
  while (sqlite3_step(s) == SQLITE_ROW) {
    auto text = [s](int i) {
      auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
      return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
    };
    visit(static_cast<std::uint64_t>(sqlite3_column_int64(s, 0)), text(1), text(2));
  }
  sqlite3_finalize(s);
}

std::int64_t EventOutbox::size() {
  sqlite3_stmt* s = nullptr;
  std::int64_t n = 0;
  if (sqlite3_prepare_v2(db_, "SELECT count(*) FROM outbox", -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return n;
}

void EventOutbox::discard_if_empty() {
  sync();
  if (size() > 0) return;
  sqlite3_finalize(add_);
  sqlite3_finalize(remove_);
  add_ = remove_ = nullptr;
  sqlite3_close(db_);
  db_ = nullptr;
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + suffix, ec);
}

}  // namespace edgeml::ingest
