// `edgeml status` run as a user would, against a real mosquitto and a real
// `edgeml serve` that has answered requests and scored them against the
// sensor stream: the node and model rows come with figures; no node, an
// unreachable broker and Ctrl-C each end it cleanly and quickly.
#include <signal.h>

#include <regex>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mqtt/net.h"
#include "serve/node_stats.h"
#include "serve_testing.h"
#include "served_models.h"
#include "stats_conversation.h"

namespace edgeml::test {
namespace {

using nlohmann::json;

// Runs `edgeml status args...` against `broker` to its end, within `bound`.
int run_status(const mq::Broker& broker, std::vector<std::string> args, const fs::path& log,
               std::chrono::milliseconds bound = 20s) {
  args.insert(args.begin(), {"status", "--host", broker.address(), "--port", std::to_string(broker.port())});
  Process p = run_edgeml(args, log);
  auto status = p.wait_for(bound);
  if (status) return *status;
  p.stop(SIGKILL, 1s);
  ADD_FAILURE() << "edgeml status still ran after " << bound.count() << " ms:\n" << read_file(log);
  return -1;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Runs of spaces as one: rows to match whatever the column widths.
std::string squeezed(const std::string& text) { return std::regex_replace(text, std::regex(" +"), " "); }

TEST(StatusCommand, OnceShowsTheNodeAndItsModelsWithOnlineAccuracy) {
  TempDir models;
  serve::test::write_sample_directory(models.path());  // "linear" and "relu", test MAEs 1.25 and 0.5
  TempDir config;  // a contract linear breaks: its online MAE will be 1
  serve::test::write_file(config / "contract.json", R"({"name": "status-sla", "models": {"linear": {"online_mae": 0.5}}})");
  ServedModels served(models.path(), "status-node", {"--contract", (config / "contract.json").string()});
  MessageInbox stats, quality;
  auto watcher = receiving_client(served.client("stats-watcher"), stats, node_stats_topic("status-node"));
  auto quality_watcher = receiving_client(served.client("quality-watcher"), quality, "edgeml/collectors/+/quality");
  Process collector = run_edgeml({"collect", "--port", std::to_string(served.broker().port()), "--db",
                                  (served.dir() / "events.db").string(), "--client-id", "status-collector"},
                                 served.dir() / "collect.log");
  Conversation conversation(served);
  conversation.ask_then_tell(0, 5, "linear", 1);  // linear: off by one label unit
  ASSERT_TRUE(quality.wait_for(1, kWait)) << read_file(served.dir() / "collect.log");
  stats_when(stats, [](const json& s) {
    return s["accuracy"]["scored"] == 5 && s["contracts"]["active"].is_array() && s["contracts"]["active"].size() == 1;
  });

  const fs::path log = served.dir() / "status.log";
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(run_status(served.broker(), {"--once", "--wait", "1"}, log), 0) << read_file(log);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  const std::string out = read_file(log);
  EXPECT_TRUE(has(out, "1 node(s), 1 online; 1 collector(s)")) << out;
  // The node row: online, fresh, 5 requests, no errors, latencies, 5
  // requests inspected, the contract violated once.
  EXPECT_TRUE(std::regex_search(squeezed(out), std::regex(R"(\nstatus-node online \d+s ago \d+s 5 0 [\d.]+ [\d.]+ 0 [\d.]+ 5 5 0 0 1\n)")))
      << out;
  EXPECT_TRUE(has(out, "status-node: contract status-sla violated: model linear online_mae 1 on " + kSeries +
                       " against a bound of 0.5"))
      << out;
  EXPECT_FALSE(has(out, "STALE")) << out;
  EXPECT_TRUE(std::regex_search(squeezed(out), std::regex(R"(\nstatus-collector \S+( ago)? \d+ 0 )"))) << out;
  // Each model scored on the series; linear is off by exactly one label unit.
  EXPECT_TRUE(has(out, "status-node  linear  v1       " + kSeries)) << out;
  EXPECT_TRUE(has(out, "status-node  relu    v1       " + kSeries)) << out;
  EXPECT_TRUE(has(out, "5           1           1      1.25     no")) << out;

  const fs::path json_log = served.dir() / "status-json.log";
  ASSERT_EQ(run_status(served.broker(), {"--once", "--wait", "0.5", "--json"}, json_log), 0) << read_file(json_log);
  const std::string json_out = read_file(json_log);
  const std::size_t at = json_out.find("{\"");
  ASSERT_NE(at, std::string::npos) << json_out;
  json gathered = json::parse(json_out.substr(at), nullptr, false);
  ASSERT_TRUE(gathered.is_object()) << json_out;
  ASSERT_EQ(gathered["nodes"].size(), 1u) << gathered.dump();
  EXPECT_EQ(gathered["nodes"][0]["status"], "online");
  EXPECT_EQ(gathered["nodes"][0]["stats"]["requests"], 5);
}

TEST(StatusCommand, OnceWithNoNodeSaysSoAndSucceeds) {
  ServedModels broker_only({});
  const fs::path log = broker_only.dir() / "status.log";
  EXPECT_EQ(run_status(broker_only.broker(), {"--once", "--wait", "0.3"}, log), 0) << read_file(log);
  EXPECT_TRUE(has(read_file(log), fmt::format("no edgeml nodes seen on {}:{} within 0.3 s", broker_only.broker().address(),
                                              broker_only.broker().port())))
      << read_file(log);
}

TEST(StatusCommand, AnUnreachableBrokerFailsWithinTheConnectTimeout) {
  TempDir dir;
  const fs::path log = dir / "status.log";
  auto start = std::chrono::steady_clock::now();
  Process p = run_edgeml({"status", "--once", "--port", std::to_string(mq::pick_free_port("127.0.0.1")),
                          "--connect-timeout", "1"},
                         log);
  auto status = p.wait_for(15s);
  ASSERT_TRUE(status) << read_file(log);
  EXPECT_EQ(*status, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_TRUE(has(read_file(log), "cannot reach the MQTT broker")) << read_file(log);
}

TEST(StatusCommand, LiveTablesFollowEachOtherUntilInterrupted) {
  TempDir models;
  serve::test::write_sample_directory(models.path());
  ServedModels served(models.path(), "live-node");
  const fs::path log = served.dir() / "status.log";
  Process p = run_edgeml({"status", "--port", std::to_string(served.broker().port()), "--interval", "0.2"}, log);
  auto tables = [&] {
    std::string out = read_file(log);
    std::size_t n = 0;
    for (std::size_t at = out.find("edgeml status of"); at != std::string::npos; at = out.find("edgeml status of", at + 1))
      ++n;
    return n;
  };
  EXPECT_TRUE(wait_until([&] { return tables() >= 3 && has(read_file(log), "live-node  online"); }, kWait))
      << read_file(log);
  EXPECT_EQ(p.stop(SIGINT, 5s), 0) << read_file(log);
  EXPECT_FALSE(has(read_file(log), "\x1b[2J")) << "a log file is not a terminal";
  EXPECT_TRUE(has(read_file(log), "\n\nedgeml status of")) << read_file(log);
}

}  // namespace
}  // namespace edgeml::test
