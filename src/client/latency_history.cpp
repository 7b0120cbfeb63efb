#include "client/latency_history.h"

#include "core/json_fields.h"
#include "protocol/topics.h"

namespace edgeml::client {

namespace {

using nlohmann::json;

json figure(const std::optional<double>& value) { return value ? json(*value) : json(); }

}  // namespace

void LatencyHistory::take(std::string_view topic, const FleetStatus& fleet, Clock::time_point received) {
  std::string_view name, kind;
  if (!split_fleet_topic(topic, kNodesPrefix, name, kind) || kind != "stats") return;
  auto node = fleet.nodes().find(name);
  // Stats that could not be read leave the node's last ones, received earlier.
  if (node == fleet.nodes().end() || node->second.stats_received != received || !node->second.stats.is_object()) return;
  add(name, node->second.stats, received);
}

void LatencyHistory::add(std::string_view node, const json& stats, Clock::time_point received) {
  auto it = nodes_.find(node);
  if (it == nodes_.end()) {
    if (nodes_.size() >= FleetStatus::kMaxNodes) return;
    it = nodes_.emplace(std::string(node), std::deque<Point>{}).first;
  }
  Point point{received, std::nullopt, std::nullopt, std::nullopt};
  const std::optional<double> count = json_number(stats, {"latency_ms_interval", "count"});
  if (count && *count > 0) {
    point.p50_ms = json_number(stats, {"latency_ms_interval", "p50"});
    point.p99_ms = json_number(stats, {"latency_ms_interval", "p99"});
  }
  if (const std::optional<double> interval = json_number(stats, {"interval_s"}); count && interval && *interval > 0)
    point.requests_per_s = *count / *interval;
  std::deque<Point>& points = it->second;
  points.push_back(point);
  if (points.size() > kPointsPerNode) points.pop_front();
}

json LatencyHistory::to_json() const {
  json nodes = json::object();
  for (const auto& [name, points] : nodes_) {
    json time_ms = json::array(), p50 = json::array(), p99 = json::array(), rate = json::array();
    for (const Point& p : points) {
      time_ms.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(p.received.time_since_epoch()).count());
      p50.push_back(figure(p.p50_ms));
      p99.push_back(figure(p.p99_ms));
      rate.push_back(figure(p.requests_per_s));
    }
    nodes[name] = {{"time_ms", std::move(time_ms)}, {"p50_ms", std::move(p50)}, {"p99_ms", std::move(p99)},
                   {"requests_per_s", std::move(rate)}};
  }
  return {{"points_per_node", kPointsPerNode}, {"nodes", std::move(nodes)}};
}

}  // namespace edgeml::client
