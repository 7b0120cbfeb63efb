#include "workload.h"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "core/error.h"
#include "core/temp_dir.h"
#include "ingest/synthetic.h"

namespace edgeml::bench {

namespace fs = std::filesystem;

Workload make_workload(const RunSetup& setup, const std::string& tag) {
  Workload w;
  w.tag = tag;
  ingest::SyntheticSource source(setup.events, setup.series, setup.seed);
  AlarmEvent e;
  while (source.next(e)) {
    e.series.station = tag + "s" + e.series.station;
    w.topics.push_back(alarm_topic(e.series));
    w.payloads.push_back(format_payload(e));
    w.events.push_back(e);
  }
  for (const AlarmEvent& event : w.events) {
    std::string filter = station_alarm_filter(event.series.station);
    if (std::find(w.filters.begin(), w.filters.end(), filter) != w.filters.end()) break;  // round-robin: all seen
    w.filters.push_back(filter);
  }
  w.filters.emplace_back(kFinishTopic);
  return w;
}

std::string fresh_tag() {
  static int runs = 0;
  return fmt::format("bench{}r{}", getpid(), ++runs);
}

ScratchDir::ScratchDir(const fs::path& parent, const std::string& prefix)
    : path_(make_unique_dir(parent, prefix)) {}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace edgeml::bench
