// The measured runs. Each one sends the same N synthetic events through the
// broker from a publisher process and returns events/s: N over the time from
// the publisher's first publish to the N-th message handled here.
#pragma once

#include "publisher_proc.h"
#include "workload.h"

namespace edgeml::bench {

struct RunResult {
  double events_per_s = 0;
  // CPU time of the receiving thread (bare subscriber or collector) per event.
  double receiver_cpu_us = 0;
  // Collector runs: wall time spent inside Collector::handle (parse, SQLite
  // commit) per event, and as a share of the run. Tells whether the collector's
  // own work or the transport around it sets the pace.
  double handle_us = 0;
  double handle_share = 0;
};

// Baseline: bare Paho publisher -> mosquitto -> bare Paho subscriber that counts.
RunResult bare_relay(const RunSetup& setup, int qos);
// Ours: the same bare publisher -> mosquitto -> edgeml's Collector into a
// fresh SQLite file; the database is checked to hold exactly N events.
RunResult bare_to_collector(const RunSetup& setup, int qos);
// edgeml's publisher of `kind` (QoS 1) -> mosquitto -> Collector.
RunResult publisher_to_collector(const RunSetup& setup, PublisherKind kind);

}  // namespace edgeml::bench
