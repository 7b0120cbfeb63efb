// What a server says about itself every stats interval on its
// node_stats_topic() (protocol/topics.h; retained, so a dashboard that connects later
// sees the last figures at once): one JSON object, its fields and an example
// in docs/node-stats.md (tests/docs checks the example against
// node_stats_json). "accuracy" and "quality" only when monitoring is on,
// "contracts" only with a contract. Latency is from a request's arrival to
// its reply being handed to the MQTT client.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "protocol/topics.h"
#include "quality/data_quality.h"
#include "serve/contract_monitor.h"
#include "core/latency_summary.h"
#include "serve/model_set.h"
#include "serve/online_accuracy.h"
#include "serve/server_counts.h"

namespace edgeml::serve {


// This process's CPU time (getrusage) and memory (/proc/self/status).
struct ProcessUsage {
  double cpu_seconds = 0;          // user + system, all threads
  std::uint64_t resident_bytes = 0;
  std::uint64_t peak_resident_bytes = 0;
};
ProcessUsage read_process_usage();

struct NodeStats {
  std::string node;
  double interval_s = 0;  // how often the stats go out, so a reader can tell stale ones
  double uptime_s = 0;
  ServerCounts counts;
  std::size_t queue = 0;
  LatencySummary::Figures latency, latency_interval;
  // Per model: run time of its inference, request by request.
  std::vector<std::pair<std::string, LatencySummary::Figures>> inference, inference_interval;
  double last_reload_seconds = 0;  // the last reload of the model directory (0: none yet)
  ProcessUsage process;
  std::optional<std::vector<ModelAccuracy>> accuracy;  // none: monitoring is off
  std::optional<QualitySnapshot> quality;               // of the requests; none: monitoring is off
  OnlineAccuracyCounts accuracy_counts;
  double accuracy_alert_multiple = 0;
  std::optional<double> seconds_since_event;  // the last sensor event's arrival; none yet
  std::optional<ContractSnapshot> contracts;  // none: no contract
};

std::string node_stats_json(const NodeStats& stats, const ModelSet& models);

}  // namespace edgeml::serve
