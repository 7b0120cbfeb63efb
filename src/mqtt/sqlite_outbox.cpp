#include "mqtt/sqlite_outbox.h"

#include <sqlite3.h>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::mq {

namespace {

[[noreturn]] void fail(sqlite3* db, const std::filesystem::path& path, const char* what) {
  throw Error(fmt::format("outbox {}: {}: {}", path.string(), what, db ? sqlite3_errmsg(db) : "not open"));
}

// One use of a statement: prepared for this call and finalized after it, or
// one prepared at open (`cached`) that is reset for the next call.
class Statement {
 public:
  Statement(sqlite3* db, const std::filesystem::path& path, const char* sql) : db_(db), path_(path), owned_(true) {
    if (!db || sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail(db, path, "prepare");
  }
  Statement(sqlite3* db, const std::filesystem::path& path, sqlite3_stmt* cached)
      : db_(db), path_(path), stmt_(cached), owned_(false) {
    if (!cached) fail(db, path, "not open");
  }
  ~Statement() {
    if (owned_) {
      sqlite3_finalize(stmt_);
    } else {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& text(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
    return *this;
  }
  Statement& blob(int i, const std::string& s) {
    sqlite3_bind_blob(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
    return *this;
  }
  // True for a row, false when done; throws on an error.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, path_, "step");
  }
  sqlite3_stmt* get() { return stmt_; }

 private:
  sqlite3* db_;
  const std::filesystem::path& path_;
  sqlite3_stmt* stmt_ = nullptr;
  bool owned_;
};

std::string column_string(sqlite3_stmt* s, int i) {
  auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

}  // namespace

SqliteOutbox::SqliteOutbox(std::filesystem::path path) : path_(std::move(path)) {}

SqliteOutbox::~SqliteOutbox() { close(); }

void SqliteOutbox::exec(const char* sql) const {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(db_, path_, sql);
}

void SqliteOutbox::open() {
  std::lock_guard lock(mutex_);
  if (db_) return;
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    sqlite3_close(db_);
    db_ = nullptr;
    fail(nullptr, path_, "open");
  }
  sqlite3_busy_timeout(db_, 5000);
  // The outbox is this process's alone: holding the lock saves taking it per
  // change. As in the event store, a commit survives the process being killed.
  exec("PRAGMA locking_mode=EXCLUSIVE");
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec("CREATE TABLE IF NOT EXISTS outbox (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID");
  // Paho puts and removes twice per QoS 1 publish: those two are prepared once.
  if (sqlite3_prepare_v3(db_, "INSERT OR REPLACE INTO outbox (key, value) VALUES (?1, ?2)", -1,
                         SQLITE_PREPARE_PERSISTENT, &put_, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v3(db_, "DELETE FROM outbox WHERE key = ?1", -1, SQLITE_PREPARE_PERSISTENT, &remove_,
                         nullptr) != SQLITE_OK)
    fail(db_, path_, "prepare");
}

void SqliteOutbox::close() {
  std::lock_guard lock(mutex_);
  sqlite3_finalize(put_);
  sqlite3_finalize(remove_);
  put_ = remove_ = nullptr;
  sqlite3_close(db_);
  db_ = nullptr;
}

void SqliteOutbox::clear() {
  std::lock_guard lock(mutex_);
  Statement(db_, path_, "DELETE FROM outbox").step();
}

bool SqliteOutbox::contains(const std::string& key) {
  std::lock_guard lock(mutex_);
  Statement s(db_, path_, "SELECT 1 FROM outbox WHERE key = ?1");
  return s.text(1, key).step();
}

std::vector<std::string> SqliteOutbox::keys() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  Statement s(db_, path_, "SELECT key FROM outbox");
  while (s.step()) out.push_back(column_string(s.get(), 0));
  return out;
}

void SqliteOutbox::put(const std::string& key, const std::vector<std::string_view>& parts) {
  std::string value;
  for (std::string_view part : parts) value.append(part);
  std::lock_guard lock(mutex_);
  Statement(db_, path_, put_).text(1, key).blob(2, value).step();
}

std::string SqliteOutbox::get(const std::string& key) const {
  std::lock_guard lock(mutex_);
  Statement s(db_, path_, "SELECT value FROM outbox WHERE key = ?1");
  if (!s.text(1, key).step()) throw Error(fmt::format("outbox {}: no message '{}'", path_.string(), key));
  return column_string(s.get(), 0);
}

void SqliteOutbox::remove(const std::string& key) {
  std::lock_guard lock(mutex_);
  Statement(db_, path_, remove_).text(1, key).step();
}

}  // namespace edgeml::mq
