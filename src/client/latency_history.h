// The recent latency of each node, for the fleet page's chart: one point per
// stats message, from its "latency_ms_interval" (docs/node-stats.md), kept in
// a bounded ring per node (kPointsPerNode; at the default 5 s interval, the
// last 25 minutes) for at most FleetStatus::kMaxNodes nodes.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "client/fleet_status.h"

namespace edgeml::client {

class LatencyHistory {
 public:
  using Clock = FleetStatus::Clock;
  static constexpr std::size_t kPointsPerNode = 300;

  struct Point {
    Clock::time_point received;
    // The interval's median and 99th percentile; none when it answered no
    // request (or the stats do not say).
    std::optional<double> p50_ms, p99_ms;
    std::optional<double> requests_per_s;  // the interval's requests over its length
  };

  // Called after FleetStatus::take of the same message: when it was a node's
  // stats and `fleet` took them, adds their point.
  void take(std::string_view topic, const FleetStatus& fleet, Clock::time_point received);
  // Adds the point of one stats message of `node`.
  void add(std::string_view node, const nlohmann::json& stats, Clock::time_point received);

  const std::map<std::string, std::deque<Point>, std::less<>>& nodes() const { return nodes_; }

  // {"points_per_node": 300, "nodes": {"edge-1": {"time_ms": [...], "p50_ms": [...],
  //  "p99_ms": [...], "requests_per_s": [...]}}}: columns, oldest first, null
  //  where a point has no figure; times in milliseconds since 1970 (UTC).
  nlohmann::json to_json() const;

 private:
  std::map<std::string, std::deque<Point>, std::less<>> nodes_;
};

}  // namespace edgeml::client
