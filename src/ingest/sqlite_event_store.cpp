#include "ingest/sqlite_event_store.h"

#include <sqlite3.h>

#include <chrono>

#include <fmt/format.h>

namespace edgeml::ingest {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  station TEXT NOT NULL,
  datapoint TEXT NOT NULL,
  alarm TEXT NOT NULL,
  idx REAL NOT NULL,
  event_time REAL NOT NULL,
  value REAL NOT NULL,
  value_threshold REAL NOT NULL,
  is_active INTEGER NOT NULL,
  received_at REAL NOT NULL,
  UNIQUE (station, datapoint, alarm, idx, event_time)
);
CREATE TABLE IF NOT EXISTS rejects (
  id INTEGER PRIMARY KEY,
  received_at REAL NOT NULL,
  topic TEXT NOT NULL,
  payload BLOB NOT NULL,
  payload_bytes INTEGER NOT NULL,
  reason TEXT NOT NULL
);
)sql";

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

SqliteEventStore::SqliteEventStore(const std::filesystem::path& path, std::chrono::milliseconds busy_timeout)
    : path_(path), name_(path.string()) {
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
  }
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw Error(fmt::format("cannot open database '{}': {}", path.string(), why));
  }
  sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
  try {
    check_integrity();
    exec("PRAGMA journal_mode=WAL");
    // FULL: a commit is on disk (the log synced) before commit() returns, so a
    // power cut cannot take an event that was confirmed. Commits are grouped
    // (begin/commit around many events) to keep the syncs few.
    exec("PRAGMA synchronous=FULL");
    // Checkpoints (with their syncs of the database file) every ~16 MB of log
    // instead of every 4 MB.
    exec("PRAGMA wal_autocheckpoint=4000");
    exec(kSchema);
    insert_ = prepare(
        "INSERT OR IGNORE INTO events (station, datapoint, alarm, idx, event_time, value, value_threshold, "
        "is_active, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    reject_ = prepare(
        "INSERT INTO rejects (received_at, topic, payload, payload_bytes, reason) VALUES (?1, ?2, ?3, ?4, ?5)");
  } catch (...) {
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
    throw;
  }
}

SqliteEventStore::~SqliteEventStore() {
  sqlite3_finalize(insert_);
  sqlite3_finalize(reject_);
  sqlite3_close(db_);
}

// A damaged file is refused at start rather than found half-way through a
// stream, when events have been taken that cannot be written.
void SqliteEventStore::check_integrity() {
  sqlite3_stmt* s = nullptr;
  std::string problem;
  int rc = sqlite3_prepare_v2(db_, "PRAGMA quick_check(1)", -1, &s, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    if (!text || std::string_view(text) != "ok") problem = text ? text : "no answer";
  } else {
    problem = sqlite3_errmsg(db_);
  }
  sqlite3_finalize(s);
  if (!problem.empty())
    throw Error(fmt::format("database '{}' is damaged (PRAGMA quick_check: {}); restore it from a backup or "
                            "move it aside", path_.string(), problem));
}

Status SqliteEventStore::run(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK) return Status::ok();
  return failed();
}

Status SqliteEventStore::failed() {
  const int code = sqlite3_extended_errcode(db_) & 0xff;
  busy_ = code == SQLITE_BUSY || code == SQLITE_LOCKED;
  return Status::error(fmt::format("database '{}': {}", path_.string(), sqlite3_errmsg(db_)));
}

Status SqliteEventStore::begin() { return run("BEGIN IMMEDIATE"); }
Status SqliteEventStore::commit() { return run("COMMIT"); }
void SqliteEventStore::rollback() {
  if (!sqlite3_get_autocommit(db_)) (void)run("ROLLBACK");
}

Status SqliteEventStore::write(std::span<PendingWrite> batch) {
  Status s = begin();
  for (auto& w : batch) {
    if (!s) break;
    if (w.kind == PendingWrite::Kind::event) s = insert(w.event, w.stored);
    else if (w.kind == PendingWrite::Kind::reject) s = reject(w.topic, w.payload, w.reason);
  }
  if (s) s = commit();
  if (!s) {
    const bool locked = busy_;  // not what the rollback itself may set
    rollback();
    busy_ = locked;
  }
  return s;
}

void SqliteEventStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw Error(fmt::format("database '{}': {}", path_.string(), why));
  }
}

sqlite3_stmt* SqliteEventStore::prepare(const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK)
    throw Error(fmt::format("database '{}': {}", path_.string(), sqlite3_errmsg(db_)));
  return stmt;
}

static void bind_text(sqlite3_stmt* s, int i, std::string_view text) {
  sqlite3_bind_text(s, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

Status SqliteEventStore::insert(const AlarmEvent& e, bool& stored) {
  sqlite3_reset(insert_);
  bind_text(insert_, 1, e.series.station);
  bind_text(insert_, 2, e.series.datapoint);
  bind_text(insert_, 3, e.series.alarm);
  sqlite3_bind_double(insert_, 4, e.index);
  sqlite3_bind_double(insert_, 5, e.event_time);
  sqlite3_bind_double(insert_, 6, e.value);
  sqlite3_bind_double(insert_, 7, e.threshold);
  sqlite3_bind_int(insert_, 8, e.active ? 1 : 0);
  sqlite3_bind_double(insert_, 9, now_seconds());
  if (sqlite3_step(insert_) != SQLITE_DONE) return failed();
  stored = sqlite3_changes(db_) > 0;
  return Status::ok();
}

Status SqliteEventStore::reject(std::string_view topic, std::string_view payload, std::string_view reason) {
  sqlite3_reset(reject_);
  sqlite3_bind_double(reject_, 1, now_seconds());
  bind_text(reject_, 2, topic);
  std::size_t kept = std::min(payload.size(), kMaxRejectBytes);
  sqlite3_bind_blob(reject_, 3, payload.data(), static_cast<int>(kept), SQLITE_TRANSIENT);
  sqlite3_bind_int64(reject_, 4, static_cast<sqlite3_int64>(payload.size()));
  bind_text(reject_, 5, reason);
  if (sqlite3_step(reject_) != SQLITE_DONE) return failed();
  return Status::ok();
}

static std::int64_t count(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  std::int64_t n = 0;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
    n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return n;
}

std::int64_t SqliteEventStore::event_count() { return count(db_, "SELECT count(*) FROM events"); }
std::int64_t SqliteEventStore::reject_count() { return count(db_, "SELECT count(*) FROM rejects"); }

static std::string column_text(sqlite3_stmt* s, int i) {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

std::vector<SeriesId> SqliteEventStore::series() {
  std::vector<SeriesId> out;
  sqlite3_stmt* s = prepare("SELECT DISTINCT station, datapoint, alarm FROM events ORDER BY 1, 2, 3");
  while (sqlite3_step(s) == SQLITE_ROW) out.push_back({column_text(s, 0), column_text(s, 1), column_text(s, 2)});
  sqlite3_finalize(s);
  return out;
}

void SqliteEventStore::for_each(const std::optional<SeriesId>& series, std::int64_t after,
                          const std::function<void(const StoredEvent&)>& visit) {
  sqlite3_stmt* s = prepare(
      "SELECT id, station, datapoint, alarm, idx, event_time, value, value_threshold, is_active FROM events "
      "WHERE id > ?1 AND (?2 IS NULL OR (station = ?2 AND datapoint = ?3 AND alarm = ?4)) ORDER BY id");
  sqlite3_bind_int64(s, 1, after);
  if (series) {
    bind_text(s, 2, series->station);
    bind_text(s, 3, series->datapoint);
    bind_text(s, 4, series->alarm);
  }
  StoredEvent row;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    row.row = sqlite3_column_int64(s, 0);
    row.event.series = {column_text(s, 1), column_text(s, 2), column_text(s, 3)};
    row.event.index = sqlite3_column_double(s, 4);
    row.event.event_time = sqlite3_column_double(s, 5);
    row.event.value = sqlite3_column_double(s, 6);
    row.event.threshold = sqlite3_column_double(s, 7);
    row.event.active = sqlite3_column_int(s, 8) != 0;
    visit(row);
  }
  std::string why = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db_);
  sqlite3_finalize(s);
  if (!why.empty()) throw Error(fmt::format("database '{}': {}", path_.string(), why));
}

}  // namespace edgeml::ingest
