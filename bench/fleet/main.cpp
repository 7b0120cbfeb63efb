// bench_fleet: many stations into one cloud store (issue 22). N simulated
// stations (4, 16, 64), each a Mosquitto bridged to one cloud Mosquitto with
// an `edgeml publish` of live synthetic events, its link to the cloud as near
// as loopback or --rtt ms away (0 and 40), and cloud `edgeml collect`s of
// one $share group writing into PostgreSQL. It prints events per second from
// the first publish to the last commit, the lag from publish to store (p50,
// p99), and beside them, measured in the same run on the same fleet:
//   - the relay: the same messages through the same bridges and cloud broker
//     to a bare Paho subscriber that only counts (the most a store could keep up with);
//   - one collector into SQLite, the embedded default.
// Then how the cloud collectors' own rate grows with 1, 2 and 4 of them
// (backlog.h: each count drains the same backlog from the cloud broker),
// with how many of the machine's CPUs were busy meanwhile (the broker's and
// the database's work is on them too), beside as many bare subscribers
// draining it. --reader picks the cloud collectors' reader (stream, paho).
// Every store's count must equal what was published: a lost or doubled event
// fails the run.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "core/error.h"
#include "core/logging.h"
#include "backlog.h"
#include "fleet.h"
#include "fleet_store.h"
#include "protocol/topics.h"
#include "../ingest/relay.h"
#include "../ingest/workload.h"

namespace edgeml::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Options {
  std::vector<int> stations = {4, 16, 64};
  std::vector<int> rtts = {0, 40};  // ms added to each station's link to the cloud
  std::vector<int> collectors = {1, 2, 4};  // cloud collectors into PostgreSQL, at --scaling-stations
  int scaling_stations = 16;
  // The backlog each collector count drains: at ~70,000 events/s a drain of
  // 64,000 would last less than a second, much of it the collectors' start.
  std::int64_t scaling_events = 256000;
  std::int64_t events = 64000;  // in all, spread over the stations
  double lag_rate = 1000;  // events/s in all while the lag is measured
  bool scaling_only = false;
  std::string edgeml = EDGEML_BINARY;
  std::string reader = "stream";  // the cloud collectors' --reader
  std::string dir;  // keep logs here instead of a temporary directory
  double timeout_s = 300;
};

struct Figures {
  double rate = 0;  // events/s, first publish to last stored (or received)
  double p50 = 0, p99 = 0;  // seconds from publish to store
};

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(q * static_cast<double>(sorted.size())))];
}

class Bench {
 public:
  explicit Bench(Options o) : o_(std::move(o)), timeout_(static_cast<long>(o_.timeout_s * 1000)) {}

  // The same messages through the same fleet to a bare subscriber.
  Figures relay(int stations, std::chrono::milliseconds rtt) {
    ScratchDir dir(parent(), "fleet-relay-");
    Fleet fleet({o_.edgeml, dir.path(), stations, timeout_, true, o_.reader, rtt});
    const std::int64_t total = per_station(stations) * stations;
    ArrivalClock clock(total);
    BareSubscriber subscriber(fmt::format("tcp://127.0.0.1:{}", fleet.cloud().port()), "bench-fleet-relay",
                              {std::string(kStationsAlarmFilter)}, 1, clock, timeout_);
    const auto start = Clock::now();
    auto publishers = fleet.start_publishers(per_station(stations), 100000);
    wait_publishers(publishers, dir.path(), timeout_);
    if (!clock.wait_until(Clock::now() + timeout_))
      throw Error(fmt::format("the relay delivered {} of {} messages", clock.count(), total));
    return {static_cast<double>(total) / std::chrono::duration<double>(clock.last() - start).count(), 0, 0};
  }

  // `collectors` cloud collectors into the store `make_store` makes.
  // With `paced`, the sensors send --lag-rate events/s in all, for a lag
  // without the queueing of a saturated pipeline.
  Figures collect(int stations, std::chrono::milliseconds rtt, int collectors,
                  const std::function<std::unique_ptr<FleetStore>(const fs::path&)>& make_store, bool paced = false) {
    ScratchDir dir(parent(), "fleet-collect-");
    Fleet fleet({o_.edgeml, dir.path(), stations, timeout_, true, o_.reader, rtt});
    std::unique_ptr<FleetStore> store = make_store(dir.path());
    std::vector<Process> running;
    for (int i = 1; i <= collectors; ++i) running.push_back(fleet.start_collector("cloud", i, store->location()));
    const std::int64_t total = (paced ? paced_per_station(stations) : per_station(stations)) * stations;
    const double start = wall_now();
    const std::int64_t events = paced ? paced_per_station(stations) : per_station(stations);
    auto publishers = fleet.start_publishers(events, 100000, paced ? stations / o_.lag_rate : 0);
    wait_publishers(publishers, dir.path(), timeout_);
    const auto until = Clock::now() + timeout_;
    wait_for_events(*store, total, until);
    for (auto& p : running) p.stop(SIGTERM, 30s);
    const std::int64_t held = store->events();
    if (held != total)
      throw Error(fmt::format("the store holds {} events of the {} published; logs in {}", held, total,
                              dir.path().string()));
    std::vector<double> lags = store->lags();
    return {static_cast<double>(total) / (store->last_received_at() - start), percentile(lags, 0.5),
            percentile(lags, 0.99)};
  }

  std::int64_t per_station(int stations) const { return std::max<std::int64_t>(1, o_.events / stations); }
  // Five seconds of the paced load.
  std::int64_t paced_per_station(int stations) const {
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(o_.lag_rate * 5) / stations);
  }

 private:
  fs::path parent() const { return o_.dir.empty() ? fs::temp_directory_path() : fs::path(o_.dir); }

  Options o_;
  std::chrono::milliseconds timeout_;
};

// Per round trip and station count: the relay, one collector into
// PostgreSQL and one into SQLite at full speed, and the lag into PostgreSQL
// at the paced load.
void station_rows(Bench& bench, const Options& o) {
  const StoreMaker postgres = [](const fs::path& dir) { return postgres_fleet_store(dir); };
  const StoreMaker sqlite = [](const fs::path& dir) { return sqlite_fleet_store(dir); };
  fmt::print("| station RTT ms | stations | events | relay ev/s | PostgreSQL, 1 collector ev/s | SQLite, 1 collector ev/s | "
             "lag p50 ms | lag p99 ms |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (int ms : o.rtts)
    for (int n : o.stations) {
      const std::chrono::milliseconds rtt(ms);
      const Figures relay = bench.relay(n, rtt), pg = bench.collect(n, rtt, 1, postgres);
      const Figures lite = bench.collect(n, rtt, 1, sqlite), lag = bench.collect(n, rtt, 1, postgres, true);
      fmt::print("| {} | {} | {} | {:.0f} | {:.0f} ({:.2f}x relay) | {:.0f} ({:.2f}x relay) | {:.1f} | {:.1f} |\n", ms, n,
                 bench.per_station(n) * n, relay.rate, pg.rate, pg.rate / relay.rate, lite.rate,
                 lite.rate / relay.rate, lag.p50 * 1000, lag.p99 * 1000);
      std::fflush(stdout);
    }
}

// The cloud collectors' scaling into PostgreSQL at --scaling-stations: each
// count drains the same backlog, beside as many bare subscribers draining it.
void scaling_rows(const Options& o) {
  const StoreMaker postgres = [](const fs::path& dir) { return postgres_fleet_store(dir); };
  fmt::print("\n| collectors (--reader {}; {} stations' backlog of {}) | PostgreSQL ev/s | x one collector | "
             "CPUs busy (of {}) | bare subscribers ev/s |\n| ---: | ---: | ---: | ---: | ---: |\n",
             o.reader, o.scaling_stations, o.scaling_events, std::thread::hardware_concurrency());
  double one = 0;
  for (int c : o.collectors) {
    const fs::path parent = o.dir.empty() ? fs::temp_directory_path() : fs::path(o.dir);
    BacklogRun run{o.edgeml, {}, o.scaling_stations, o.scaling_events, c,
                   std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000)), o.reader};
    ScratchDir pg_dir(parent, "fleet-drain-");
    run.dir = pg_dir.path();
    const Drain pg = collectors_drain(run, postgres);
    ScratchDir bare_dir(parent, "fleet-bare-");
    run.dir = bare_dir.path();
    const double bare = bare_drain(run);
    if (one == 0) one = pg.rate;
    fmt::print("| {} | {:.0f} | {:.2f} | {:.2f} | {:.0f} |\n", c, pg.rate, pg.rate / one, pg.cores, bare);
    std::fflush(stdout);
  }
}

int run(const Options& o) {
  Bench bench(o);
  if (!o.scaling_only) station_rows(bench, o);
  scaling_rows(o);
  return 0;
}

}  // namespace
}  // namespace edgeml::bench

int main(int argc, char** argv) {
  using namespace edgeml::bench;
  Options o;
  CLI::App app("bench_fleet: many bridged stations into one cloud store, beside the cloud broker's relay");
  app.add_option("--stations", o.stations, "station counts to run")->capture_default_str();
  app.add_option("--rtt", o.rtts, "round trips in ms added to the stations' links to the cloud, one set of runs each")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  app.add_option("--collectors", o.collectors, "cloud collector counts at --scaling-stations")->capture_default_str();
  app.add_option("--scaling-stations", o.scaling_stations, "stations of the collector-scaling runs")->capture_default_str();
  app.add_option("--events", o.events, "events in all per run, spread over the stations")->capture_default_str();
  app.add_option("--scaling-events", o.scaling_events, "the backlog of each collector-scaling run")->capture_default_str();
  app.add_flag("--scaling-only", o.scaling_only, "only the collectors' scaling, not the fleet's runs");
  app.add_option("--lag-rate", o.lag_rate, "events/s in all while the lag is measured")->capture_default_str();
  app.add_option("--edgeml", o.edgeml, "the edgeml binary")->capture_default_str();
  app.add_option("--reader", o.reader, "the cloud collectors' --reader: stream or paho")
      ->check(CLI::IsMember({"stream", "paho"}))
      ->capture_default_str();
  app.add_option("--dir", o.dir, "where runs keep their brokers and logs (default: the temp dir)");
  app.add_option("--timeout", o.timeout_s, "bound in seconds on every wait of a run")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  edgeml::setup_logging("warn");
  try {
    return run(o);
  } catch (const edgeml::Error& e) {
    fmt::print(stderr, "bench_fleet: {}\n", e.what());
    return 1;
  }
}
