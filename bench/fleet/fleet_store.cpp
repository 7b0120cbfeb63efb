#include "fleet_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::bench {

namespace {

class SqliteFleetStore : public FleetStore {
 public:
  explicit SqliteFleetStore(std::filesystem::path path) : path_(std::move(path)) {}

  std::string location() const override { return path_.string(); }
  std::int64_t events() override {
    std::int64_t n = 0;
    query("SELECT count(*) FROM events", [&](sqlite3_stmt* s) { n = sqlite3_column_int64(s, 0); });
    return n;
  }
  std::int64_t last_id() override {
    std::int64_t n = 0;
    query("SELECT max(rowid) FROM events", [&](sqlite3_stmt* s) { n = sqlite3_column_int64(s, 0); });
    return n;
  }
  std::vector<double> lags() override {
    std::vector<double> out;
    query("SELECT received_at - event_time FROM events", [&](sqlite3_stmt* s) { out.push_back(sqlite3_column_double(s, 0)); });
    std::sort(out.begin(), out.end());
    return out;
  }
  double last_received_at() override {
    double t = 0;
    query("SELECT max(received_at) FROM events", [&](sqlite3_stmt* s) { t = sqlite3_column_double(s, 0); });
    return t;
  }

 private:
  // Rows of `sql`; nothing while the collector has not made the table yet.
  template <typename Row>
  void query(const char* sql, Row&& row) {
    if (!std::filesystem::exists(path_)) return;
    sqlite3* db = nullptr;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_busy_timeout(db, 5000);
      if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK)
        while (sqlite3_step(s) == SQLITE_ROW) row(s);
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
  }

  std::filesystem::path path_;
};

}  // namespace

bool wait_for_events(FleetStore& store, std::int64_t n, std::chrono::steady_clock::time_point until) {
  while (true) {
    if (store.last_id() >= n && store.events() >= n) return true;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::unique_ptr<FleetStore> sqlite_fleet_store(const std::filesystem::path& dir) {
  return std::make_unique<SqliteFleetStore>(dir / "cloud.db");
}

}  // namespace edgeml::bench
