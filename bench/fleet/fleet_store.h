// What bench_fleet reads back from the cloud collectors' store: how many
// events it holds, when the last was written, and each event's lag from its
// sensor (event_time, stamped when sent) to the store (received_at).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace edgeml::bench {

class FleetStore {
 public:
  virtual ~FleetStore() = default;
  // What `edgeml collect --db` takes.
  virtual std::string location() const = 0;
  virtual std::int64_t events() = 0;
  // The largest id given to an event so far, at least events(): a lookup
  // in the key's index, where events() counts every row. Polled while a run
  // goes on, it takes next to no CPU from the collectors and the database.
  virtual std::int64_t last_id() = 0;
  // received_at - event_time of every event, in seconds, sorted; and the latest received_at.
  virtual std::vector<double> lags() = 0;
  virtual double last_received_at() = 0;
};

// Waits until `store` holds `n` events or `until` passes, polling last_id()
// and counting only once it reaches `n`; false when it does not hold them.
bool wait_for_events(FleetStore& store, std::int64_t n, std::chrono::steady_clock::time_point until);

// A fresh SQLite file in `dir`.
std::unique_ptr<FleetStore> sqlite_fleet_store(const std::filesystem::path& dir);

// A private PostgreSQL cluster in `dir` (scripts/postgres-cluster, fsync on,
// as a production server), stopped with the store. Throws Error with the
// script's output when it does not start.
std::unique_ptr<FleetStore> postgres_fleet_store(const std::filesystem::path& dir);

}  // namespace edgeml::bench
