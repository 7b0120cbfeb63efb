// What a server says about itself every few seconds on
// edgeml/nodes/{node}/stats (retained, so a dashboard that connects later
// sees the last figures at once). One JSON object:
//   {"node": "edge-1", "time": "2026-11-26T17:20:05Z", "interval_s": 5.0, "uptime_s": 12.0,
//    "requests": 1000, "replies": 990, "errors": 10, "overloaded": 0, "timed_out": 0,
//    "replies_refused": 0, "reloads": 1, "deployments": 0, "queue": 0,
//    "latency_ms": {"count": 1000, "p50": 0.05, "p90": ..., "p99": ..., "max": ..., "mean": ...},
//    "latency_ms_interval": {...the same over the last interval only...},
//    "models": [{"name": "multi_var_LR", "version": "aef3c99f0437", "load_s": 0.0012,
//                "inference_ms": {...as latency_ms, per request...}}, ...],
//    "last_reload_s": 0.004,
//    "process": {"cpu_s": 1.2, "resident_bytes": 14000000, "peak_resident_bytes": 14500000},
//    "events": 980, "events_unreadable": 0, "events_dropped": 0, "accuracy_alerts": 0,
//    "accuracy": {"remembered": 1000, "scored": 980, "unmatched": 0, "forgotten": 0,
//                 "untracked": 0, "superseded": 0, "alert_multiple": 2,
//                 "models": [{"model": "multi_var_LR", "version": "...",
//                             "series": "1160629000/121/308", "scored": 980,
//                             "mae": 1.41, "window_mae": 1.38, "window": 100,
//                             "ewma_mae": 1.36, "test_mae": 1.418, "alert": false}, ...]}}
//    "quality_dropped": 0,
//    "quality": {...the requests' data quality, core/quality_report.h's counts...},
//    "contracts": {"name": "edge-sla", "violations": 1,
//                  "bounds": [{"model": "multi_var_LR", "metric": "online_mae", "bound": 3,
//                              "value": 3.2, "detail": "1160629000/121/308", "violated": true,
//                              "violations": 1}, ...],
//                  "active": [...those violated now, the same fields...]}}
// ("accuracy" and "quality" only when monitoring is on, "contracts" with a
// contract (contract_monitor.h); MAEs in the model's label unit; "model"
// absent from a node bound, "value" until measured.)
// Latency is from a request's arrival to its reply being handed to the
// MQTT client.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "quality/data_quality.h"
#include "serve/contract_monitor.h"
#include "core/latency_summary.h"
#include "serve/model_set.h"
#include "serve/online_accuracy.h"
#include "serve/server_counts.h"

namespace edgeml::serve {

std::string node_stats_topic(const std::string& node);
// Where a server keeps its status ("online", "offline"), sends its accuracy
// alerts, and its contract violations.
std::string node_status_topic(const std::string& node);
std::string node_alerts_topic(const std::string& node);
std::string contract_violations_topic(const std::string& node);

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
