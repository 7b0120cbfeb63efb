// A cluster's application file (docs/cluster.md): what `edgeml cluster apply`
// reads, signs and publishes retained on cluster_applications_topic(), and
// what every node of the cluster places from. JSON, comments allowed:
//   {"cluster": NAME, "models_dir": DIR,
//    "applications": [{"name", "models": [{"name", "version"}], "requests",
//      "replicas": {"min", "max"}, "per_replica": {"memory_mib", "cores"},
//      "constraints": {LABEL: VALUE}, "scaling": {"queue_depth", "p99_ms",
//      "requests_per_s", "window_s", "scale_down_window_s"}}]}
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgeml {

inline constexpr std::size_t kMaxApplicationsBytes = std::size_t{256} << 10;
inline constexpr int kMaxApplications = 64, kMaxReplicas = 256;

struct Resources {
  double memory_mib = 0;
  double cores = 0;  // a share of a core is a fraction
};

struct ModelRef {
  std::string name;
  std::string version;  // empty in a file: `edgeml cluster apply` fills in what the models directory holds
};

// When to add a replica: any figure above its target (0: not used), per
// replica, for `window_s` on end. When to take one away: every figure in use
// below half its target for `scale_down_window_s`; the gap between the two
// thresholds is the hysteresis that keeps a steady load from flapping.
struct ScalingRule {
  double queue_depth = 0;     // requests waiting in a replica's queue
  double p99_ms = 0;          // a replica's 99th percentile latency over a stats interval
  double requests_per_s = 0;  // requests a replica answers per second
  double window_s = 10;
  double scale_down_window_s = 30;
  bool any() const { return queue_depth > 0 || p99_ms > 0 || requests_per_s > 0; }
};

struct ApplicationSpec {
  std::string name;
  std::vector<ModelRef> models;
  std::string requests = "request/+/+/+";  // request/ and three levels, each '+' or a name
  int min_replicas = 1, max_replicas = 1;
  Resources per_replica{64, 0.25};
  std::map<std::string, std::string> constraints;  // labels a node must carry, with these values
  ScalingRule scaling;
};

struct ApplicationsDocument {
  std::string cluster;
  std::string models_dir;  // where `edgeml cluster apply` finds the models' packages; relative to the file
  std::vector<ApplicationSpec> applications;  // sorted by name
};

// Throws Error naming the field, e.g. "applications[1].requests: ...". Two
// applications' request filters may nest (request/+/+/+ holds
// request/arm/+/+: a request goes to the application of the narrowest filter
// it matches) but not otherwise overlap, for a request would then be answered
// twice; min may not exceed max.
ApplicationsDocument read_applications(const nlohmann::json& document);
nlohmann::json applications_json(const ApplicationsDocument& document);

// Some topic matches both: "request/+/+/+" and "request/a/+/+" overlap;
// "request/a/+/+" and "request/b/+/+" do not.
bool request_filters_overlap(const std::string& a, const std::string& b);
// Every topic `inner` matches, `outer` matches, and `outer` matches more.
bool request_filter_holds(const std::string& outer, const std::string& inner);
// The request filters of the applications nested inside `application`'s:
// requests its replicas leave to those applications.
std::vector<std::string> nested_request_filters(const ApplicationsDocument& document, const std::string& application);

}  // namespace edgeml
