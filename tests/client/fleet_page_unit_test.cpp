// The fleet page's data, from literal stats messages: the latency history's
// ring (one point per stats message, bounded, gaps where an interval answered
// nothing) and the shape of /fleet.json that the page's script reads.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "client/fleet_page.h"
#include "client/latency_history.h"

namespace edgeml::client {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = FleetStatus::Clock;

// 2026-11-26T17:20:05Z
const Clock::time_point kNow = Clock::from_time_t(1795713605);

std::string stats(const std::string& node, int count, double p50, double p99, double interval_s = 0.5) {
  return fmt::format(R"({{"node": "{}", "interval_s": {}, "requests": 10, "queue": 0,
    "latency_ms_interval": {{"count": {}, "p50": {}, "p90": {}, "p99": {}, "max": {}, "mean": {}}},
    "models": [{{"name": "multi_var_LR", "version": "v1"}}]}})",
                     node, interval_s, count, p50, p50, p99, p99, p50);
}

TEST(LatencyHistory, KeepsOnePointPerStatsMessageWithTheIntervalsFigures) {
  FleetStatus fleet;
  LatencyHistory history;
  const std::string topic = "edgeml/nodes/edge-1/stats";
  for (int i = 0; i < 3; ++i) {
    const Clock::time_point at = kNow + i * 500ms;
    ASSERT_TRUE(fleet.take(topic, stats("edge-1", 5 * (i + 1), 0.1 * (i + 1), 0.5 * (i + 1)), at));
    history.take(topic, fleet, at);
  }
  // Neither a status message nor unreadable stats add a point.
  ASSERT_TRUE(fleet.take("edgeml/nodes/edge-1/status", "online", kNow + 2s));
  history.take("edgeml/nodes/edge-1/status", fleet, kNow + 2s);
  ASSERT_TRUE(fleet.take(topic, "not json", kNow + 3s));
  history.take(topic, fleet, kNow + 3s);

  ASSERT_EQ(history.nodes().size(), 1u);
  const auto& points = history.nodes().at("edge-1");
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0].received, kNow);
  EXPECT_DOUBLE_EQ(*points[2].p50_ms, 0.3);
  EXPECT_DOUBLE_EQ(*points[2].p99_ms, 1.5);
  EXPECT_DOUBLE_EQ(*points[2].requests_per_s, 30);  // 15 requests in 0.5 s
}

TEST(LatencyHistory, AnIntervalWithoutRequestsIsAGapAndOldPointsLeaveTheRing) {
  LatencyHistory history;
  history.add("edge-1", json::parse(stats("edge-1", 0, 0, 0)), kNow);
  ASSERT_EQ(history.nodes().at("edge-1").size(), 1u);
  EXPECT_FALSE(history.nodes().at("edge-1")[0].p50_ms);
  EXPECT_FALSE(history.nodes().at("edge-1")[0].p99_ms);
  EXPECT_DOUBLE_EQ(*history.nodes().at("edge-1")[0].requests_per_s, 0);
  history.add("edge-1", json::parse(R"({"node": "edge-1"})"), kNow);  // an older server's stats: no figures
  EXPECT_FALSE(history.nodes().at("edge-1")[1].requests_per_s);

  for (std::size_t i = 0; i < LatencyHistory::kPointsPerNode + 10; ++i)
    history.add("edge-1", json::parse(stats("edge-1", 1, static_cast<double>(i), 2.0 * i)), kNow + i * 1s);
  const auto& points = history.nodes().at("edge-1");
  ASSERT_EQ(points.size(), LatencyHistory::kPointsPerNode);
  EXPECT_DOUBLE_EQ(*points.front().p50_ms, 10);  // the first 12 points left, oldest first
  EXPECT_DOUBLE_EQ(*points.back().p50_ms, LatencyHistory::kPointsPerNode + 9);
}

TEST(LatencyHistory, KeepsAtMostAsManyNodesAsTheFleet) {
  LatencyHistory history;
  for (std::size_t i = 0; i < FleetStatus::kMaxNodes + 5; ++i)
    history.add(fmt::format("node-{}", i), json::parse(stats("x", 1, 1, 1)), kNow);
  EXPECT_EQ(history.nodes().size(), FleetStatus::kMaxNodes);
}

TEST(FleetPageJson, HasTheFleetTheClusterAndTheLatencyColumns) {
  FleetStatus fleet;
  LatencyHistory history;
  const std::string topic = "edgeml/nodes/edge-1/stats";
  ASSERT_TRUE(fleet.take("edgeml/nodes/edge-1/status", "online", kNow));
  ASSERT_TRUE(fleet.take(topic, stats("edge-1", 0, 0, 0), kNow));
  history.take(topic, fleet, kNow);
  ASSERT_TRUE(fleet.take(topic, stats("edge-1", 4, 0.25, 0.75), kNow + 500ms));
  history.take(topic, fleet, kNow + 500ms);

  const json cluster = {{"cluster", "station"}, {"converged", true}, {"applications", json::array()}};
  const json page = fleet_page_json(fleet, history, kNow + 1s, cluster);
  EXPECT_EQ(page["time"], "2026-11-26T17:20:06Z");
  EXPECT_EQ(page["time_ms"], 1795713606000);
  EXPECT_EQ(page["cluster"], cluster);
  ASSERT_EQ(page["nodes"].size(), 1u);
  EXPECT_EQ(page["nodes"][0]["node"], "edge-1");
  EXPECT_EQ(page["nodes"][0]["status"], "online");
  EXPECT_EQ(page["nodes"][0]["stats"]["models"][0]["name"], "multi_var_LR");
  EXPECT_TRUE(page["collectors"].is_array());
  EXPECT_EQ(page["latency_history"]["points_per_node"], LatencyHistory::kPointsPerNode);
  EXPECT_EQ(page["latency_history"]["nodes"]["edge-1"],
            json::parse(R"({"time_ms": [1795713605000, 1795713605500], "p50_ms": [null, 0.25],
                            "p99_ms": [null, 0.75], "requests_per_s": [0.0, 8.0]})"));

  EXPECT_TRUE(fleet_page_json(fleet, history, kNow, json())["cluster"].is_null());
}

TEST(FleetPageHtml, IsOnePageThatFetchesNothingFromElsewhere) {
  const std::string html(fleet_page_html());
  EXPECT_EQ(html.rfind("<!doctype html>", 0), 0u);
  for (const char* id : {R"(id="nodes")", R"(id="applications")", R"(id="latency-chart")", R"(id="models")",
                         R"(id="quality")", R"(id="updated")", R"(fetch("/fleet.json")"})
    EXPECT_NE(html.find(id), std::string::npos) << id;
  // The SVG namespace is a name, not an address the browser fetches.
  std::string addresses = html;
  for (std::size_t at; (at = addresses.find("http://www.w3.org/2000/svg")) != std::string::npos;)
    addresses.erase(at, std::string_view("http://www.w3.org/2000/svg").size());
  for (const char* outside : {"http://", "https://", "//cdn", "<link", "src=", "@import", "url("})
    EXPECT_EQ(addresses.find(outside), std::string::npos) << outside;
  EXPECT_EQ(html.find("innerHTML"), std::string::npos) << "names from the network must go in as text";
}

}  // namespace
}  // namespace edgeml::client
