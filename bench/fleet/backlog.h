// The cloud collectors' own rate, apart from the fleet that feeds them: a
// $share group's members make their sessions and go away, the cloud broker
// queues a backlog for them (round robin over the members), and then they all
// come back and drain it. The same with bare Paho subscribers is the most the
// broker can hand over.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "fleet_store.h"

namespace edgeml::bench {

struct BacklogRun {
  std::string edgeml;
  std::filesystem::path dir;  // the run's own
  int stations = 16;          // whose topics the backlog is on
  std::int64_t events = 64000;
  int members = 1;
  std::chrono::milliseconds timeout{120000};
  std::string reader = "stream";  // the collectors' --reader
};

using StoreMaker = std::function<std::unique_ptr<FleetStore>(const std::filesystem::path&)>;

struct Drain {
  double rate = 0;   // events per second from the members' start to the last event committed
  double cores = 0;  // the machine's CPUs busy meanwhile, on average (/proc/stat): all of it, broker and database too
};
Drain collectors_drain(const BacklogRun& run, const StoreMaker& make_store);
// Events per second from the members' start to the last event received.
double bare_drain(const BacklogRun& run);

}  // namespace edgeml::bench
