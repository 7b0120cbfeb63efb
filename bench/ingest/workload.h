// What every run publishes: N synthetic events in the tutorial's topics and
// payloads. The publisher (in its own process) and the receiving side make the
// same list from the same parameters.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "protocol/alarm_event.h"
#include "mqtt/connection.h"

namespace edgeml::bench {

struct RunSetup {
  mq::ConnectionOptions broker;  // host and port of the broker under test
  std::filesystem::path work_dir;  // each run makes and removes its own directory here
  std::int64_t events = 50000;
  int series = 4;
  std::size_t window = 1000;  // publishes in flight
  std::uint64_t seed = 1;
  std::chrono::milliseconds timeout{120000};  // bound on every wait of a run
};

// One run's messages, made before the clock starts. The stations carry a tag
// unique to the run and the subscriptions name them, so a run only ever sees
// its own messages, whatever an earlier one left behind.
struct Workload {
  std::string tag;
  std::vector<AlarmEvent> events;
  std::vector<std::string> topics;
  std::vector<std::string> payloads;
  // What the collector and the bare subscriber subscribe to: one filter per
  // station, and alarm/finish (which the collector always adds).
  std::vector<std::string> filters;
};

Workload make_workload(const RunSetup& setup, const std::string& tag);

// A tag no other run of any bench_ingest process uses.
std::string fresh_tag();

// A directory that is removed with everything in it when the object goes.
class ScratchDir {
 public:
  // mkdtemp under `parent`. Throws Error when it cannot.
  ScratchDir(const std::filesystem::path& parent, const std::string& prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace edgeml::bench
