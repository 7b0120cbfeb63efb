// Writes fuzz_node_stats's seeds into the directory given: messages as
// servers and collectors publish them (node_stats.h, quality_report.h), in
// the fuzzer's format (a selector byte, the payload, NUL between messages).
#include <string>

#include "fuzz/serve_fuzzing.h"

namespace {

// Selector bytes: kind | node << 2.
constexpr char kStatus = 0, kStats = 1, kAlerts = 2, kQuality = 3;
constexpr char node(int n) { return static_cast<char>(n << 2); }

const char* const kStatsJson = R"({"node": "edge-1", "time": "2026-11-26T17:20:05Z", "interval_s": 5.0, "uptime_s": 12.0,
 "requests": 1000, "replies": 990, "errors": 10, "overloaded": 0, "timed_out": 0, "reloads": 1, "deployments": 0, "queue": 0,
 "latency_ms": {"count": 1000, "p50": 0.05, "p90": 0.08, "p99": 0.2, "max": 1.5, "mean": 0.06},
 "latency_ms_interval": {"count": 100, "p50": 0.05, "p90": 0.08, "p99": 0.2, "max": 0.3, "mean": 0.06},
 "models": [{"name": "multi_var_LR", "version": "aef3c99f0437", "load_s": 0.0012,
             "inference_ms": {"count": 1000, "p50": 0.01, "p90": 0.02, "p99": 0.03, "max": 0.1, "mean": 0.012}}],
 "last_reload_s": 0.004, "process": {"cpu_s": 1.2, "resident_bytes": 14000000, "peak_resident_bytes": 14500000},
 "events": 980, "events_unreadable": 0, "events_dropped": 0, "accuracy_alerts": 0,
 "accuracy": {"remembered": 1000, "scored": 980, "unmatched": 0, "forgotten": 0, "untracked": 0, "superseded": 0,
              "alert_multiple": 2, "models": [{"model": "multi_var_LR", "version": "aef3c99f0437",
              "series": "1160629000/121/308", "scored": 980, "mae": 1.41, "window_mae": 1.38, "window": 100,
              "ewma_mae": 1.36, "test_mae": 1.418, "alert": false}]},
 "quality_dropped": 0, "quality": {"records": 1000, "flagged": 3},
 "contracts": {"name": "edge-sla", "violations": 1,
   "bounds": [{"model": "multi_var_LR", "metric": "online_mae", "bound": 3, "value": 3.2,
               "detail": "1160629000/121/308", "violated": true, "violations": 1}],
   "active": [{"model": "multi_var_LR", "metric": "online_mae", "bound": 3, "value": 3.2,
               "detail": "1160629000/121/308", "violated": true, "violations": 1}]}})";

const char* const kAlertJson = R"({"node": "edge-1", "model": "multi_var_LR", "series": "1160629000/121/308",
 "window_mae": 4.2, "test_mae": 1.418, "multiple": 2, "time": "2026-11-26T17:21:00Z"})";

}  // namespace

int main(int argc, char** argv) {
  auto dir = edgeml::fuzz::seed_dir(argc, argv, "node_stats_seeds");
  auto message = [](char selector, const std::string& payload) { return std::string(1, selector) + payload; };
  const std::string nul(1, '\0');
  edgeml::fuzz::write_file(dir / "one_node",
                           message(kStatus | node(0), "online") + nul + message(kStats | node(0), kStatsJson) + nul +
                               message(kStats | node(0), kStatsJson) + nul + message(kAlerts | node(0), kAlertJson));
  edgeml::fuzz::write_file(dir / "two_nodes_collector",
                           message(kStats | node(1), kStatsJson) + nul + message(kStatus | node(1), "offline") + nul +
                               message(kQuality | node(2), R"({"records": 10, "flagged": 1, "checks": {"range": 1}})") +
                               nul + message(kStats | node(3), "not json"));
  edgeml::fuzz::write_file(dir / "any_topic", message('\x80', "edgeml/nodes/x/stats\n{\"node\": \"y\"}"));
  return 0;
}
