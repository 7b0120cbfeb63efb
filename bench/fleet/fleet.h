// A simulated fleet for bench_fleet: one cloud Mosquitto and N station
// Mosquittos bridged to it (edgeml broker --bridge's configuration), each
// station with an `edgeml publish` of live synthetic events of its own.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/process.h"
#include "mqtt/broker.h"
#include "support/tcp_proxy.h"

namespace edgeml::bench {

struct FleetOptions {
  std::string edgeml;  // the binary
  std::filesystem::path dir;  // brokers' data and every child's log
  int stations = 4;
  std::chrono::milliseconds timeout{120000};
  // The cloud broker's persistence (edgeml broker's default). Off, it saves
  // nothing to disk, so that a run measures its clients, not its saves.
  bool cloud_persistence = true;
  std::string reader = "stream";  // the cloud collectors' --reader
  // Round trip added to each station's link to the cloud broker, by a proxy
  // that holds every byte half of it each way (this kernel has no netem).
  std::chrono::milliseconds rtt{0};
};

class Fleet {
 public:
  // Starts the cloud broker and the stations' brokers, and waits until every
  // bridge says it is up. Throws Error naming what did not come up.
  explicit Fleet(FleetOptions options);
  ~Fleet();

  const mq::Broker& cloud() const { return *cloud_; }
  // `edgeml ARGS...` with its output in dir/LOG.
  Process edgeml(std::vector<std::string> args, const std::string& log) const;
  // `edgeml collect` on the cloud broker, one of the $share group `group`,
  // into `store`; returns once it has subscribed.
  Process start_collector(const std::string& group, int index, const std::string& store) const;
  // Each station's sensor: `events` live synthetic events of one series whose
  // station is `first_station` + the station's index, at QoS 1, `interval`
  // seconds apart (0: as fast as the station's broker takes them).
  std::vector<Process> start_publishers(std::int64_t events, std::int64_t first_station, double interval = 0) const;

 private:
  void wait_for_bridges();

  FleetOptions o_;
  std::unique_ptr<mq::Broker> cloud_;
  std::vector<std::unique_ptr<test::TcpProxy>> uplinks_;  // with an rtt, each station's way to the cloud
  std::vector<std::unique_ptr<mq::Broker>> stations_;
};

// A child's log as far as it is written; empty while there is none.
std::string log_text(const std::filesystem::path& path);
// Unix seconds now: what the store's received_at and a live event_time are in.
double wall_now();

// Waits for every publisher to finish; throws Error naming a failed one.
void wait_publishers(std::vector<Process>& publishers, const std::filesystem::path& dir, std::chrono::milliseconds timeout);

}  // namespace edgeml::bench
