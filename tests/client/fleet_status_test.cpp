// What `edgeml status` gathers and draws, from literal messages: the stats of
// node_stats.h, and the partial, mistyped and garbled ones a fleet of mixed
// versions (or anybody with access to the broker) may publish.
#include "client/fleet_status.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace edgeml::client {
namespace {

using namespace std::chrono_literals;
using Clock = FleetStatus::Clock;

// 2026-11-26T17:20:05Z
const Clock::time_point kNow = Clock::from_time_t(1795713605);

const char* kFullStats = R"({"node": "edge-1", "time": "2026-11-26T17:20:03Z", "interval_s": 5, "uptime_s": 3725.4,
  "requests": 1000, "replies": 990, "errors": 10, "overloaded": 0, "reloads": 1, "deployments": 0, "queue": 2,
  "latency_ms": {"count": 1000, "p50": 0.0512, "p90": 0.08, "p99": 0.314, "max": 2.5, "mean": 0.06},
  "models": [{"name": "multi_var_LR", "version": "aef3c99f0437", "load_s": 0.0012,
              "inference_ms": {"count": 1000, "p50": 0.004, "p99": 0.0123}},
             {"name": "single_var_LR", "version": "0c1d2e3f4a5b", "load_s": 0.001}],
  "process": {"cpu_s": 1.2, "resident_bytes": 14680064, "peak_resident_bytes": 15000000},
  "accuracy": {"remembered": 1000, "scored": 980, "models": [
     {"model": "multi_var_LR", "version": "aef3c99f0437", "series": "1160629000/121/308", "scored": 980,
      "mae": 1.41, "window_mae": 1.38, "window": 100, "ewma_mae": 1.36, "test_mae": 1.418, "alert": false}]},
  "quality_dropped": 1,
  "quality": {"records": 1000, "passed": 996, "dropped": 1, "findings": {"gap": 3, "not_finite": 1, "drift": 0}}})";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Runs of spaces as one: rows to compare whatever the column widths.
std::string squeezed(const std::string& text) {
  std::string out;
  for (char c : text)
    if (c != ' ' || out.empty() || out.back() != ' ') out += c;
  return out;
}

FleetStatus fleet_of(std::initializer_list<std::pair<std::string, std::string>> messages, Clock::time_point at = kNow) {
  FleetStatus fleet;
  for (const auto& [topic, payload] : messages) EXPECT_TRUE(fleet.take(topic, payload, at)) << topic;
  return fleet;
}

TEST(FleetStatus, AServersStatsGiveANodeRowAndARowPerModelAndSeries) {
  FleetStatus fleet = fleet_of({{"edgeml/nodes/edge-1/status", "online"}, {"edgeml/nodes/edge-1/stats", kFullStats}});
  EXPECT_EQ(fleet_table(fleet, "broker:1883", kNow),
            "edgeml status of broker:1883 at 2026-11-26 17:20:05 UTC: 1 node(s), 1 online; 0 collector(s)\n"
            "\n"
            "node    status  stats   uptime  requests  errors  p50 ms  p99 ms  queue  rss MiB  dq records  dq passed  "
            "dq findings  dq dropped  violations\n"
            "edge-1  online  2s ago   1h02m      1000      10   0.051    0.31      2     14.0        1000        996  "
            "          4           1           -\n"
            "\n"
            "node    model          version       series              p99 ms  scored  online mae  window mae  test mae  "
            "alert\n"
            "edge-1  multi_var_LR   aef3c99f0437  1160629000/121/308   0.012     980        1.41        1.38      1.42  "
            "   no\n"
            "edge-1  single_var_LR  0c1d2e3f4a5b  -                        -       -           -           -         -  "
            "    -\n");
}

TEST(FleetStatus, UnreadableMessagesBecomeNotesAndNeverReachTheTerminalRaw) {
  FleetStatus fleet = fleet_of({{"edgeml/nodes/a/stats", "not json"},
                                {"edgeml/nodes/b/stats", "[1, 2]"},
                                {"edgeml/nodes/c/stats", R"({"requests": "many", "latency_ms": 5, "models": "x",
                                   "accuracy": {"models": [1, {"model": "m", "mae": "low", "alert": 1}]},
                                   "quality": [], "contracts": 3, "time": "yesterday"})"},
                                {"edgeml/nodes/d/status", "\x1b[31mred\x1b[0m"},
                                {"edgeml/nodes/h/stats", R"({"models": [{"name": "\u009b31m\u001b[2Jé", "version": "v"}]})"},
                                {"edgeml/nodes/d/alerts", "{"},
                                {"edgeml/nodes/e/stats", R"({"node": "somebody-else"})"},
                                {"edgeml/collectors/f/quality", "\xff\xfe"},
                                {"edgeml/nodes/g/stats", R"({"uptime_s": 1e300, "requests": -1e300, "errors": 1e20})"}});
  std::string table;
  ASSERT_NO_THROW(table = fleet_table(fleet, "b", kNow));
  EXPECT_FALSE(has(table, "\x1b")) << table;
  EXPECT_FALSE(has(table, "\xc2\x9b")) << table;
  EXPECT_TRUE(has(table, "a: last stats unreadable, not JSON: 'not json'")) << table;
  EXPECT_TRUE(has(table, "b: last stats unreadable, not a JSON object: '[1, 2]'")) << table;
  EXPECT_TRUE(has(table, "c: contracts unreadable")) << table;
  EXPECT_TRUE(has(table, "d: status is '?[31mred?[0m', neither online nor offline")) << table;
  EXPECT_TRUE(has(table, "d: last alert unreadable, not JSON: '{'")) << table;
  EXPECT_TRUE(has(table, "e: its stats name another node, 'somebody-else'")) << table;
  EXPECT_TRUE(has(table, "collector f: last quality counts unreadable, not JSON: '?" "?'")) << table;
  // c's figures are all of the wrong type: dashes, its violations unknown.
  EXPECT_TRUE(has(squeezed(table), "\nc unknown 0s ago - - - - - - - - - - - ?\n")) << table;
  EXPECT_TRUE(has(squeezed(table), "alert\nc m - - - - - - - -\nh ?31m?[2Jé v - - - - - - -\n\n")) << table;
  EXPECT_TRUE(has(table, "c: models unreadable (not a list)")) << table;
  EXPECT_TRUE(has(table, "c: 1 model entries unreadable (no name)")) << table;
  EXPECT_TRUE(has(squeezed(table), "\ng unknown 0s ago 1e+300s -1e+300 1e+20 - - - - - - - - -\n")) << table;
  EXPECT_NO_THROW(fleet.to_json(kNow).dump());
}

TEST(FleetStatus, DeeplyNestedMessagesAreNotesNotCrashes) {
  std::string deep_object;
  for (int i = 0; i < 20000; ++i) deep_object += R"({"models":)";
  deep_object += "1" + std::string(20000, '}');
  FleetStatus fleet = fleet_of({{"edgeml/nodes/a/stats", std::string(60000, '[')},
                                {"edgeml/nodes/b/stats", deep_object},
                                {"edgeml/collectors/c/quality", deep_object}});
  std::string table;
  ASSERT_NO_THROW(table = fleet_table(fleet, "b", kNow));
  EXPECT_TRUE(has(table, "a: last stats unreadable, not JSON: '[[[")) << table;
  EXPECT_TRUE(has(table, "b: last stats unreadable, not JSON: '{\"models\":")) << table;
  EXPECT_NO_THROW(fleet.to_json(kNow).dump());
}

// Found by fuzz_node_stats: a "time" with a year far from now overflowed the
// clock's nanoseconds (undefined behaviour); such a time is not taken, and the
// age is from the message's arrival.
TEST(FleetStatus, AStatsTimeFarFromNowIsNotTaken) {
  for (const char* time : {"-999-11-26T17:20:05Z", "0001-01-01T00:00:00Z", "9999-11-26T17:20:05Z"}) {
    FleetStatus fleet = fleet_of({{"edgeml/nodes/n/stats", fmt::format(R"({{"time": "{}", "interval_s": 5}})", time)}});
    FleetStatus::Freshness f = FleetStatus::freshness(fleet.nodes().at("n"), kNow + 2s);
    ASSERT_TRUE(f.age_s) << time;
    EXPECT_DOUBLE_EQ(*f.age_s, 2) << time;
  }
}

TEST(FleetStatus, AnOfflineNodeKeepsItsLastFigures) {
  FleetStatus fleet = fleet_of({{"edgeml/nodes/edge-1/stats", kFullStats}, {"edgeml/nodes/edge-1/status", "offline"}});
  std::string table = fleet_table(fleet, "b", kNow + 2min);
  EXPECT_TRUE(has(table, "1 node(s), 0 online")) << table;
  EXPECT_TRUE(has(table, "edge-1  offline  STALE 2m02s ago   1h02m      1000")) << table;
  EXPECT_EQ(fleet.to_json(kNow).at("nodes").at(0).at("status"), "offline");
}

TEST(FleetStatus, StatsOlderThanThreeIntervalsAreStale) {
  Clock::time_point made = Clock::from_time_t(1795713603);  // kFullStats' time, interval_s 5
  FleetStatus fleet = fleet_of({{"edgeml/nodes/edge-1/stats", kFullStats}});
  const FleetStatus::Node& node = fleet.nodes().at("edge-1");
  EXPECT_FALSE(FleetStatus::freshness(node, made + 16s).stale);  // 3 x 5 s and the time's whole second
  FleetStatus::Freshness late = FleetStatus::freshness(node, made + 17s);
  EXPECT_TRUE(late.stale);
  EXPECT_DOUBLE_EQ(*late.age_s, 17);
  EXPECT_DOUBLE_EQ(late.interval_s, 5);

  // Without interval_s and time: the arrivals after the first (maybe
  // retained) one measure the interval, the last one gives the age.
  FleetStatus measured;
  for (int i = 0; i < 3; ++i) measured.take("edgeml/nodes/n/stats", R"({"requests": 1})", kNow + i * 200ms);
  const FleetStatus::Node& n = measured.nodes().at("n");
  EXPECT_NEAR(FleetStatus::freshness(n, kNow).interval_s, 0.2, 1e-9);
  EXPECT_FALSE(FleetStatus::freshness(n, kNow + 1s).stale);
  EXPECT_TRUE(FleetStatus::freshness(n, kNow + 1s + 1ms).stale);

  // One message and nothing else to go by: a server's default interval.
  FleetStatus single = fleet_of({{"edgeml/nodes/n/stats", R"({"requests": 1})"}});
  EXPECT_FALSE(FleetStatus::freshness(single.nodes().at("n"), kNow + 15s).stale);
  EXPECT_TRUE(has(fleet_table(single, "b", kNow + 16s), "n     unknown  STALE 16s ago")) << fleet_table(single, "b", kNow + 16s);
}

TEST(FleetStatus, ANodeWithoutMonitoringShowsItsModelsWithoutAccuracy) {
  FleetStatus fleet = fleet_of({{"edgeml/nodes/old/stats", R"({"node": "old", "uptime_s": 5, "requests": 3,
      "models": [{"name": "m", "version": "v1", "inference_ms": {"p99": 0.5}},
                 {"name": "quick", "version": "v1", "inference_ms": {"p99": 6.6e-5}}]})"}});
  std::string table = fleet_table(fleet, "b", kNow);
  EXPECT_TRUE(has(squeezed(table), "\nold quick v1 - 0.000066 - - - - -\n")) << table;
  EXPECT_TRUE(has(squeezed(table), "\nold m v1 - 0.5 - - - - -\n")) << table;
  EXPECT_TRUE(has(table, "old   unknown  0s ago      5s         3       -")) << table;
  EXPECT_FALSE(has(table, "notes:")) << table;
}

TEST(FleetStatus, ContractViolationsAreCountedAndListed) {
  // As contract_monitor.h gives them; "model" absent for a node bound, "value" until measured.
  FleetStatus fleet = fleet_of({{"edgeml/nodes/n/stats", R"({"contracts": {"name": "edge-sla", "violations": 4,
      "bounds": [], "active": [
        {"model": "m", "metric": "online_mae", "bound": 3, "value": 3.2, "detail": "1/2/3", "violated": true},
        {"metric": "p99_latency_ms", "bound": 1.0, "value": 1.2, "violated": true},
        {"metric": "freshness_s", "bound": 60, "violated": true}]}})"}});
  std::string table = fleet_table(fleet, "b", kNow);
  EXPECT_TRUE(has(table, "           3\n")) << table;
  EXPECT_TRUE(has(table, "n: contract edge-sla violated: model m online_mae 3.2 on 1/2/3 against a bound of 3\n")) << table;
  EXPECT_TRUE(has(table, "n: contract edge-sla violated: the node p99_latency_ms 1.2 against a bound of 1\n")) << table;
  EXPECT_TRUE(has(table, "n: contract edge-sla violated: the node freshness_s - against a bound of 60\n")) << table;
}

TEST(FleetStatus, AlertsAndCollectorsAreShown) {
  FleetStatus fleet = fleet_of(
      {{"edgeml/nodes/n/alerts", R"({"node": "n", "kind": "online_accuracy", "state": "raised", "model": "m",
          "version": "v", "series": "1/2/3", "online_mae": 10, "bound": 2.5})"},
       {"edgeml/collectors/c1/quality", R"({"records": 50, "passed": 45, "dropped": 2, "findings": {"gap": 3, "schema": 2, "drift": 0}})"},
       {"edgeml/collectors/c2/quality", R"({"records": 7, "dropped": 0, "findings": {"gap": 0}})"}});
  fleet.take("edgeml/collectors/c2/quality", R"({"records": 8, "dropped": 0, "findings": {"gap": 0}})", kNow + 1s);
  std::string table = fleet_table(fleet, "b", kNow + 3s);
  EXPECT_TRUE(has(table, "n: accuracy alert raised: model m version v on 1/2/3: online MAE 10 against a bound of 2.5"))
      << table;
  // c1's counts may be a retained copy of any age; c2 was heard since.
  EXPECT_TRUE(has(table, "collector  heard     records  passed  dropped  findings\n"
                         "c1         retained       50      45        2  gap 3, schema 2\n"
                         "c2         2s ago          8       -        0  none\n"))
      << table;
}

TEST(FleetStatus, OtherTopicsAreRefusedAndMemoryIsBounded) {
  FleetStatus fleet;
  EXPECT_FALSE(fleet.take("edgeml/nodes/n/deployments", "{}", kNow));
  EXPECT_FALSE(fleet.take("edgeml/nodes//stats", "{}", kNow));
  EXPECT_FALSE(fleet.take("alarm/1/2/3", "1,2,3,4,True", kNow));
  EXPECT_TRUE(fleet.empty());
  for (std::size_t i = 0; i < FleetStatus::kMaxNodes + 5; ++i)
    fleet.take("edgeml/nodes/n" + std::to_string(i) + "/status", "online", kNow);
  EXPECT_EQ(fleet.nodes().size(), FleetStatus::kMaxNodes);
  EXPECT_EQ(fleet.ignored(), 5u);
  EXPECT_TRUE(has(fleet_table(fleet, "b", kNow), "5 messages ignored: more than 1000 nodes or collectors"));
  for (int i = 0; i < 20; ++i) fleet.take("edgeml/nodes/n0/alerts", R"({"state": "raised"})", kNow);
  EXPECT_EQ(fleet.nodes().at("n0").alerts.size(), FleetStatus::kAlertsKept);
  fleet.take("edgeml/nodes/n0/stats", std::string(FleetStatus::kMaxPayload + 1, ' '), kNow);
  EXPECT_TRUE(fleet.nodes().at("n0").stats.is_null());
  EXPECT_TRUE(has(fleet.nodes().at("n0").notes.at("stats"), "more than the")) << fleet.nodes().at("n0").notes.at("stats");
}

TEST(FleetStatus, JsonGivesWhatWasGathered) {
  FleetStatus fleet = fleet_of({{"edgeml/nodes/edge-1/status", "online"}, {"edgeml/nodes/edge-1/stats", kFullStats}});
  nlohmann::json out = fleet.to_json(kNow + 30s);
  const nlohmann::json& node = out.at("nodes").at(0);
  EXPECT_EQ(node.at("node"), "edge-1");
  EXPECT_EQ(node.at("status"), "online");
  EXPECT_EQ(node.at("stale"), true);
  EXPECT_DOUBLE_EQ(node.at("stats_age_s").get<double>(), 32);
  EXPECT_EQ(node.at("stats").at("requests"), 1000);
  EXPECT_TRUE(out.at("collectors").empty());
}

}  // namespace
}  // namespace edgeml::client
