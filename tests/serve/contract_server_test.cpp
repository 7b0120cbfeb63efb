// edgeml serve judging a service contract, through a real mosquitto: a bound
// set just below the measured latency or online MAE raises exactly one
// violation on edgeml/contracts/{node}/violations, and raising the bound
// clears it; a contract that cannot be read is refused at start and ignored
// when it changes to one.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "serve/node_stats.h"
#include "serve_testing.h"
#include "served_models.h"
#include "stats_conversation.h"

namespace edgeml::serve {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using edgeml::test::kWait;

const char* kNode = "contract-node";

// A contract on the node's p99 latency and on model linear's online MAE.
std::string contract(double latency_ms, double linear_mae) {
  return json{{"name", "test-sla"},
              {"node", {{"p99_latency_ms", latency_ms}}},
              {"models", {{"linear", {{"online_mae", linear_mae}}}}}}
      .dump();
}

// The bound on `metric` in a stats message's contract.
json bound_in(const json& stats, const std::string& metric) {
  for (const json& b : stats["contracts"]["bounds"])
    if (b["metric"] == metric) return b;
  return {};
}

class ServeContract : public ::testing::Test {
 protected:
  ServeContract() {
    test::write_sample_directory(models_.path());
    fs::create_directory(config_ / "staging");
    edgeml::test::install_file(config_.path(), "contract.json", contract(1e6, 1e6), config_ / "staging");
    served_ = std::make_unique<edgeml::test::ServedModels>(
        models_.path(), kNode, std::vector<std::string>{"--contract", (config_ / "contract.json").string()});
    stats_watcher_ = edgeml::test::receiving_client(served_->client("stats-watcher"), stats_,
                                                    node_stats_topic(kNode));
    violation_watcher_ = edgeml::test::receiving_client(served_->client("violation-watcher"), violations_,
                                                        contract_violations_topic(kNode));
  }

  void set_contract(double latency_ms, double linear_mae) {
    edgeml::test::install_file(config_.path(), "contract.json", contract(latency_ms, linear_mae), config_ / "staging");
  }

  // Waits for the n-th violation message, then a few more stats intervals
  // to be sure no other follows.
  std::vector<json> violations_after(std::size_t n) {
    EXPECT_TRUE(violations_.wait_for(n, kWait)) << violations_.size() << " violation message(s)";
    std::size_t seen = stats_.size();
    EXPECT_TRUE(edgeml::test::wait_until([&] { return stats_.size() >= seen + 5; }, kWait));
    std::vector<json> out;
    for (const auto& m : violations_.messages()) out.push_back(json::parse(m.payload));
    return out;
  }

  edgeml::test::TempDir models_, config_;
  std::unique_ptr<edgeml::test::ServedModels> served_;
  edgeml::test::MessageInbox stats_, violations_;
  std::unique_ptr<mq::Client> stats_watcher_, violation_watcher_;
};

TEST_F(ServeContract, ABoundJustBelowTheMeasuredValueRaisesOneViolationAndRaisingItClearsIt) {
  edgeml::test::Conversation conversation(*served_);
  conversation.ask_then_tell(0, 20, "linear", 10);  // linear's online MAE: 10
  // Measured once traffic has stopped, so the last value stays put.
  json last = edgeml::test::stats_when(stats_, [](const json& s) {
    return s.contains("contracts") && s["accuracy"]["scored"] == 20 && bound_in(s, "online_mae").contains("value");
  });
  std::size_t seen = stats_.size();
  ASSERT_TRUE(edgeml::test::wait_until([&] { return stats_.size() >= seen + 3; }, kWait));
  last = json::parse(stats_.messages().back().payload);
  const double latency = bound_in(last, "p99_latency_ms")["value"].get<double>();
  const double mae = bound_in(last, "online_mae")["value"].get<double>();
  EXPECT_GT(latency, 0);
  EXPECT_NEAR(mae, 10, 1e-3);
  EXPECT_TRUE(violations_.messages().empty());

  set_contract(latency * 0.999, 1e6);
  std::vector<json> seen_violations = violations_after(1);
  ASSERT_EQ(seen_violations.size(), 1u);
  EXPECT_EQ(seen_violations[0]["state"], "raised");
  EXPECT_EQ(seen_violations[0]["node"], kNode);
  EXPECT_EQ(seen_violations[0]["contract"], "test-sla");
  EXPECT_EQ(seen_violations[0]["metric"], "p99_latency_ms");
  EXPECT_FALSE(seen_violations[0].contains("model"));
  EXPECT_DOUBLE_EQ(seen_violations[0]["value"].get<double>(), latency);
  EXPECT_DOUBLE_EQ(seen_violations[0]["bound"].get<double>(), latency * 0.999);
  json now = json::parse(stats_.messages().back().payload);
  EXPECT_EQ(now["contracts"]["active"].size(), 1u);
  EXPECT_EQ(now["contracts"]["violations"], 1);

  set_contract(latency * 1.001, mae * 0.999);  // the latency recovers as the MAE breaks its bound
  seen_violations = violations_after(3);
  ASSERT_EQ(seen_violations.size(), 3u);
  std::map<std::string, std::string> states;
  for (std::size_t i = 1; i < 3; ++i) states[seen_violations[i]["metric"]] = seen_violations[i]["state"];
  EXPECT_EQ(states, (std::map<std::string, std::string>{{"p99_latency_ms", "cleared"}, {"online_mae", "raised"}}));
  for (std::size_t i = 1; i < 3; ++i)
    if (seen_violations[i]["metric"] == "online_mae") {
      EXPECT_EQ(seen_violations[i]["model"], "linear");
      EXPECT_EQ(seen_violations[i]["detail"], edgeml::test::kSeries);
      EXPECT_DOUBLE_EQ(seen_violations[i]["value"].get<double>(), mae);
    }

  set_contract(1e6, mae * 1.001);
  seen_violations = violations_after(4);
  ASSERT_EQ(seen_violations.size(), 4u);
  EXPECT_EQ(seen_violations[3]["metric"], "online_mae");
  EXPECT_EQ(seen_violations[3]["state"], "cleared");
  now = json::parse(stats_.messages().back().payload);
  EXPECT_EQ(now["contracts"]["active"].size(), 0u);
  EXPECT_EQ(now["contracts"]["violations"], 2);
}

TEST_F(ServeContract, AContractChangedToNonsenseIsIgnoredAndTheOneBeforeHolds) {
  edgeml::test::install_file(config_.path(), "contract.json", R"({"node": {"p99_latency_ms": "fast"}})",
                             config_ / "staging");
  edgeml::test::Conversation conversation(*served_);
  conversation.ask({"1,2,3"});
  json last = edgeml::test::stats_when(
      stats_, [](const json& s) { return s.contains("contracts") && bound_in(s, "p99_latency_ms").contains("value"); });
  EXPECT_EQ(last["contracts"]["name"], "test-sla");
  EXPECT_EQ(bound_in(last, "p99_latency_ms")["bound"], 1e6);
  EXPECT_TRUE(edgeml::test::wait_until(
      [&] { return edgeml::test::read_file(served_->dir() / "serve.log").find("p99_latency_ms") != std::string::npos; },
      kWait));
}

TEST(ServeContractStart, AContractThatCannotBeReadStopsTheServerWithTheReason) {
  edgeml::test::TempDir models;
  test::write_sample_directory(models.path());
  test::write_file(models / "contract.json", R"({"node": {"online_mae": 1}})");
  edgeml::test::ServedModels served({});
  Process server = served.start(models.path(), "bad-contract", {"--contract", (models / "contract.json").string()});
  EXPECT_NE(server.wait_for(kWait), 0);
  std::string log = edgeml::test::read_file(served.dir() / "serve.log");
  EXPECT_NE(log.find("online_mae is per model"), std::string::npos) << log;

  test::write_file(models / "contract.json", R"({"node": {"freshness_s": 10}})");
  Process quiet = served.start(models.path(), "quiet", {"--no-monitoring", "--contract", (models / "contract.json").string()});
  EXPECT_NE(quiet.wait_for(kWait), 0);
  log = edgeml::test::read_file(served.dir() / "serve.log");
  EXPECT_NE(log.find("freshness_s is measured by the monitoring, which is off"), std::string::npos) << log;
}

}  // namespace
}  // namespace edgeml::serve
