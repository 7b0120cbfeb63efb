// The PostgreSQL side of fleet_store.h: a server of the run's own, read over libpq.
#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "core/error.h"
#include "core/process.h"
#include "fleet.h"
#include "fleet_store.h"

namespace edgeml::bench {

namespace {

namespace fs = std::filesystem;

// `scripts/postgres-cluster ACTION DIR`; its standard output, trimmed.
std::string cluster_script(const std::string& action, const fs::path& dir) {
  const fs::path log = dir.parent_path() / fmt::format("postgres-{}.log", action);
  Process p({EDGEML_POSTGRES_SCRIPT, action, dir.string()}, log.string());
  auto status = p.wait_for(std::chrono::seconds(120));
  std::string out = log_text(log);
  if (!status || *status != 0)
    throw Error(fmt::format("scripts/postgres-cluster {} {} failed:\n{}", action, dir.string(), out));
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out.substr(out.rfind('\n') + 1);  // the URL is its last line
}

class PostgresFleetStore : public FleetStore {
 public:
  explicit PostgresFleetStore(fs::path dir) : dir_(std::move(dir)), url_(cluster_script("start", dir_)) {}
  ~PostgresFleetStore() override {
    PQfinish(conn_);
    try {
      cluster_script("stop", dir_);
    } catch (const Error&) {
    }
  }

  std::string location() const override { return url_; }
  std::int64_t events() override {
    auto rows = column("SELECT count(*) FROM events");
    return rows.empty() ? 0 : static_cast<std::int64_t>(rows[0]);
  }
  std::int64_t last_id() override {
    auto rows = column("SELECT coalesce(max(id), 0) FROM events");
    return rows.empty() ? 0 : static_cast<std::int64_t>(rows[0]);
  }
  std::vector<double> lags() override {
    auto rows = column("SELECT received_at - event_time FROM events");
    std::sort(rows.begin(), rows.end());
    return rows;
  }
  double last_received_at() override {
    auto rows = column("SELECT max(received_at) FROM events");
    return rows.empty() ? 0 : rows[0];
  }

 private:
  // The first column of `sql`'s rows as numbers; none while the collectors have not made the table.
  // One connection for every poll: a new one each time would start a backend
  // process each time, on the CPUs the run measures.
  std::vector<double> column(const char* sql) {
    std::vector<double> out;
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      PQfinish(conn_);
      conn_ = PQconnectdb(url_.c_str());
      // A count must not start parallel workers beside the collectors' backends.
      if (PQstatus(conn_) == CONNECTION_OK) PQclear(PQexec(conn_, "SET max_parallel_workers_per_gather = 0"));
    }
    PGresult* r = PQstatus(conn_) == CONNECTION_OK ? PQexec(conn_, sql) : nullptr;
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK)
      for (int i = 0; i < PQntuples(r); ++i) out.push_back(std::strtod(PQgetvalue(r, i, 0), nullptr));
    PQclear(r);
    return out;
  }

  fs::path dir_;
  std::string url_;
  PGconn* conn_ = nullptr;
};

}  // namespace

std::unique_ptr<FleetStore> postgres_fleet_store(const fs::path& dir) {
  // Run as root, the server runs as the postgres user, which must get through the run's directory.
  fs::permissions(dir, fs::perms::others_exec, fs::perm_options::add);
  return std::make_unique<PostgresFleetStore>(dir / "postgres");
}

}  // namespace edgeml::bench
