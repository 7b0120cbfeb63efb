// Service contracts: reading them, measuring their metrics from the stats,
// and raising and clearing each violation once.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "serve/contract_monitor.h"
#include "serve/contract_readings.h"
#include "serve/node_stats.h"
#include "serve_testing.h"
#include "support/test_support.h"

namespace edgeml::serve {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

ServiceContract contract(const char* text) { return service_contract_from_json(json::parse(text), "file-stem"); }

std::string error_of(const char* text) {
  try {
    contract(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(ServiceContract, ReadsNodeAndModelBounds) {
  ServiceContract c = contract(R"({"name": "sla", "node": {"p99_latency_ms": 5, "error_rate": 0.01,
      "quality_pass_share": 0.9, "freshness_s": 60}, "models": {"*": {"p99_latency_ms": 0.5},
      "linear": {"online_mae": 3}}})");
  EXPECT_EQ(c.name, "sla");
  std::map<std::pair<std::string, std::string>, double> bounds;
  for (const ContractBound& b : c.bounds) bounds[{b.model, contract_metric_name(b.metric)}] = b.bound;
  EXPECT_EQ(bounds, (std::map<std::pair<std::string, std::string>, double>{{{"", "p99_latency_ms"}, 5},
                                                                          {{"", "error_rate"}, 0.01},
                                                                          {{"", "quality_pass_share"}, 0.9},
                                                                          {{"", "freshness_s"}, 60},
                                                                          {{"*", "p99_latency_ms"}, 0.5},
                                                                          {{"linear", "online_mae"}, 3}}));
  EXPECT_EQ(contract("{}").name, "file-stem");
}

TEST(ServiceContract, SaysWhatIsWrong) {
  EXPECT_NE(error_of("[]").find("JSON object"), std::string::npos);
  EXPECT_NE(error_of(R"({"nodes": {}})").find("unknown key \"nodes\""), std::string::npos);
  EXPECT_NE(error_of(R"({"node": {"p95": 1}})").find("node.p95: unknown metric"), std::string::npos);
  EXPECT_NE(error_of(R"({"node": {"error_rate": "low"}})").find("node.error_rate"), std::string::npos);
  EXPECT_NE(error_of(R"({"node": {"error_rate": -1}})").find(">= 0"), std::string::npos);
  EXPECT_NE(error_of(R"({"node": {"quality_pass_share": 1.5}})").find("at most 1"), std::string::npos);
  EXPECT_NE(error_of(R"({"node": {"online_mae": 1}})").find("per model"), std::string::npos);
  EXPECT_NE(error_of(R"({"models": {"m": {"freshness_s": 1}}})").find("models.m.freshness_s"), std::string::npos);
  EXPECT_NE(error_of(R"({"models": []})").find("models must be an object"), std::string::npos);
  EXPECT_NE(error_of(R"({"name": ""})").find("name"), std::string::npos);
}

TEST(ServiceContract, ReadsAFileAndNamesItInErrors) {
  edgeml::test::TempDir dir;
  test::write_file(dir / "edge.json", R"({"node": {"error_rate": 0.5}})");
  EXPECT_EQ(read_service_contract(dir / "edge.json").name, "edge");
  test::write_file(dir / "bad.json", R"({"node": {"error_rate": 0.5})");
  EXPECT_THROW(read_service_contract(dir / "bad.json"), Error);
  test::write_file(dir / "wrong.json", R"({"node": {"error_rate": null}})");
  try {
    read_service_contract(dir / "wrong.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("wrong.json"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_service_contract(dir / "missing.json"), Error);
}

ContractReadings readings(std::vector<std::string> models,
                          std::map<std::pair<std::string, ContractMetric>, double> values) {
  ContractReadings r;
  r.models = std::move(models);
  for (const auto& [key, value] : values) r.values[key] = {value, {}};
  return r;
}

TEST(ContractMonitor, RaisesOnceWhileViolatedAndClearsOnceWhenMet) {
  ContractMonitor monitor(contract(R"({"node": {"p99_latency_ms": 2}})"));
  std::vector<ContractChange> changes;
  const std::pair<std::string, ContractMetric> latency{"", ContractMetric::p99_latency_ms};
  monitor.evaluate(readings({}, {{latency, 1.5}}), changes);
  EXPECT_TRUE(changes.empty());
  monitor.evaluate(readings({}, {{latency, 2.5}}), changes);
  monitor.evaluate(readings({}, {{latency, 3.0}}), changes);
  monitor.evaluate(readings({}, {}), changes);  // nothing measured: still violated, not again
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(changes[0].raised);
  EXPECT_EQ(changes[0].state.value, 2.5);
  EXPECT_EQ(monitor.snapshot().states.at(0).value, 3.0);
  monitor.evaluate(readings({}, {{latency, 2.0}}), changes);  // at the bound is within it
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_FALSE(changes[1].raised);
  EXPECT_EQ(monitor.snapshot().violations, 1u);
}

TEST(ContractMonitor, AShareIsAFloor) {
  ContractMonitor monitor(contract(R"({"node": {"quality_pass_share": 0.9}})"));
  std::vector<ContractChange> changes;
  monitor.evaluate(readings({}, {{{"", ContractMetric::quality_pass_share}, 0.95}}), changes);
  EXPECT_TRUE(changes.empty());
  monitor.evaluate(readings({}, {{{"", ContractMetric::quality_pass_share}, 0.5}}), changes);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(changes[0].raised);
}

TEST(ContractMonitor, TheWildcardCoversEachModelUnlessItHasItsOwnBound) {
  ContractMonitor monitor(contract(R"({"models": {"*": {"p99_latency_ms": 1}, "b": {"p99_latency_ms": 10}}})"));
  std::vector<ContractChange> changes;
  auto p99 = [](const char* model) { return std::pair<std::string, ContractMetric>{model, ContractMetric::p99_latency_ms}; };
  monitor.evaluate(readings({"a", "b"}, {{p99("a"), 5}, {p99("b"), 5}}), changes);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].state.model, "a");
  EXPECT_EQ(changes[0].state.bound, 1);
  ContractSnapshot s = monitor.snapshot();
  ASSERT_EQ(s.states.size(), 2u);
  EXPECT_EQ(s.states[1].bound, 10);
  // "a" undeployed while violated: its violation clears.
  monitor.evaluate(readings({"b"}, {{p99("b"), 5}}), changes);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_FALSE(changes[1].raised);
  EXPECT_EQ(changes[1].state.model, "a");
  EXPECT_EQ(monitor.snapshot().states.size(), 1u);
}

TEST(ContractMonitor, ABoundRaisedAboveTheLastValueClearsItsViolation) {
  ContractMonitor monitor(contract(R"({"models": {"m": {"online_mae": 1}}})"));
  std::vector<ContractChange> changes;
  monitor.evaluate(readings({"m"}, {{{"m", ContractMetric::online_mae}, 1.5}}), changes);
  ASSERT_EQ(changes.size(), 1u);
  monitor.set_contract(contract(R"({"models": {"m": {"online_mae": 2}}})"));
  monitor.evaluate(readings({"m"}, {}), changes);  // judged on the last value measured
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_FALSE(changes[1].raised);
  EXPECT_EQ(changes[1].state.bound, 2);
  EXPECT_EQ(monitor.snapshot().states.at(0).violations, 1u);
}

TEST(ContractReadings, MeasureTheIntervalBetweenTwoStats) {
  edgeml::test::TempDir dir;
  test::write_sample_directory(dir.path());
  ModelSet served = ModelSet::load(dir.path());
  NodeStats before, now;
  before.counts.requests = 100;
  before.counts.replies = 99;
  before.counts.errors = 1;
  now.counts.requests = 200;
  now.counts.replies = 189;
  now.counts.errors = 3;
  now.counts.overloaded = 4;
  now.counts.quality_dropped = 4;
  now.latency_interval.count = 100;
  now.latency_interval.p99 = 1500us;
  QualitySnapshot q;
  q.total.records = 40;
  q.total.passed = 30;
  now.quality = q;
  now.uptime_s = 50;
  const std::string model = served.models().at(0)->info().name;
  now.inference_interval.push_back({model, {10, 20us, 20us, 30us, 30us, 20us}});
  ModelAccuracy worst{model, served.models().at(0)->info().version, {}, 10, 2, 4, 10, 3, std::nullopt, false};
  ModelAccuracy other = worst;
  other.version = "old";
  other.window_mae = 9;
  now.accuracy = {worst, other};

  ContractReadings r = read_contract_metrics(now, before, served);
  EXPECT_EQ(r.models.size(), served.models().size());
  EXPECT_DOUBLE_EQ(r.values.at({"", ContractMetric::p99_latency_ms}).value, 1.5);
  EXPECT_DOUBLE_EQ(r.values.at({"", ContractMetric::error_rate}).value, 0.1);
  EXPECT_DOUBLE_EQ(r.values.at({"", ContractMetric::quality_pass_share}).value, 0.75);
  EXPECT_DOUBLE_EQ(r.values.at({"", ContractMetric::freshness_s}).value, 50);  // no event yet: since the start
  EXPECT_DOUBLE_EQ(r.values.at({model, ContractMetric::p99_latency_ms}).value, 0.03);
  EXPECT_DOUBLE_EQ(r.values.at({model, ContractMetric::online_mae}).value, 4);  // the old version is not judged

  now.seconds_since_event = 2;
  before = now;  // an idle interval measures nothing but freshness
  now.latency_interval = {};
  now.inference_interval.clear();
  r = read_contract_metrics(now, before, served);
  EXPECT_EQ(r.values.count({"", ContractMetric::error_rate}), 0u);
  EXPECT_EQ(r.values.count({"", ContractMetric::p99_latency_ms}), 0u);
  EXPECT_EQ(r.values.count({"", ContractMetric::quality_pass_share}), 0u);
  EXPECT_DOUBLE_EQ(r.values.at({"", ContractMetric::freshness_s}).value, 2);
}

TEST(ContractReadings, AFailureCountsInTheIntervalItIsConcludedIn) {
  edgeml::test::TempDir dir;
  test::write_sample_directory(dir.path());
  ModelSet served = ModelSet::load(dir.path());
  NodeStats before, now;
  now.counts.requests = 6;  // the sixth received before the tick, concluded after it
  now.counts.replies = 5;
  ContractReadings r = read_contract_metrics(now, before, served);
  EXPECT_DOUBLE_EQ(r.values.at({"", ContractMetric::error_rate}).value, 0);

  before = now;
  now.counts.errors = 1;  // no request received in this interval
  r = read_contract_metrics(now, before, served);
  EXPECT_DOUBLE_EQ(r.values.at({"", ContractMetric::error_rate}).value, 1);
}

}  // namespace
}  // namespace edgeml::serve
