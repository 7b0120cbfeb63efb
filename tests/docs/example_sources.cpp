#include "example_sources.h"

#include <array>
#include <chrono>
#include <limits>
#include <stdexcept>

#include "../serve/serve_testing.h"
#include "protocol/reply.h"
#include "protocol/request.h"
#include "quality/quality_report.h"
#include "serve/metrics_endpoint.h"
#include "serve/model_set.h"
#include "serve/node_stats.h"
#include "support/test_support.h"

namespace edgeml::docs_test {

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr std::string_view kRequestTopic = "request/1160629000/121/308";

Request parsed_request(std::string_view payload) {
  Request request;
  if (Status s = parse_request(kRequestTopic, payload, request); !s)
    throw std::runtime_error("parse_request rejects it: " + s.reason());
  return request;
}

json request_json(const std::string& example) {
  std::string written;
  append_request_json(written, parsed_request(example));
  return json::parse(written);
}

// One model that answered and one that could not.
json prediction_reply_json(const std::string&) {
  static const Label label;
  std::array<ModelAnswer, 2> answers{};
  answers[0].model = "multi_var_LR";
  answers[0].version = "3f2a9c0b17d4";
  answers[0].label = &label;
  answers[0].output = -54.2815f;
  answers[1].model = "broken_model";
  answers[1].version = "9d1e07a4c3b2";
  answers[1].error = "output is not finite";
  Request request = parsed_request(R"({"index": 100, "value": 231, "valueThreshold": 230, "id": "a1"})");
  return json::parse(prediction_reply(request, answers, "edge-1"));
}

json error_reply_json(const std::string&) {
  return json::parse(error_reply("payload has 2 fields, expected 3 (index,value,valueThreshold)", kRequestTopic,
                                 "100,231", "edge-1"));
}

// A sensor event the collector drops: its value is not a number.
json quality_report_json(const std::string&) {
  QualityRecord record;
  record.series = {"1160629000", "121", "308"};
  record.index = 12;
  record.event_time = 1487441883;
  record.value = std::numeric_limits<double>::quiet_NaN();
  record.threshold = 230;
  QualityFinding finding;
  finding.check = QualityCheck::not_finite;
  finding.feature = RecordFeature::value;
  finding.measured = std::numeric_limits<double>::quiet_NaN();
  finding.reason = "value is nan";
  QualityVerdict verdict;
  verdict.action = QualityAction::drop;
  verdict.findings.push_back(finding);
  return json::parse(edgeml::quality_report_json("collector", "edge-1", record, verdict));
}

LatencySummary::Figures latency(std::uint64_t count) {
  LatencySummary::Figures f;
  f.count = count;
  f.p50 = 50us;
  f.p90 = 80us;
  f.p99 = 200us;
  f.max = 1ms;
  f.mean = 60us;
  return f;
}

serve::ModelAccuracy accuracy(const serve::ModelInfo& model) {
  serve::ModelAccuracy a;
  a.model = model.name;
  a.version = model.version;
  a.series = {"1160629000", "121", "308"};
  a.scored = 980;
  a.mae = 1.41;
  a.window_mae = 1.38;
  a.window_count = 100;
  a.ewma_mae = 1.36;
  a.test_mae = 1.418;
  return a;
}

QualitySnapshot quality() {
  QualityCounts counts;
  counts.records = 1000;
  counts.passed = 990;
  counts.dropped = 2;
  counts.findings[static_cast<std::size_t>(QualityCheck::out_of_range)] = 8;
  QualitySnapshot snapshot;
  snapshot.series["1160629000/121/308"] = counts;
  snapshot.total = counts;
  return snapshot;
}

// A node bound measured and kept, and a model's bound violated now.
serve::ContractSnapshot contracts() {
  serve::ContractState node;
  node.metric = serve::ContractMetric::p99_latency_ms;
  node.bound = 50;
  node.value = 0.2;
  serve::ContractState model;
  model.model = "multi_var_LR";
  model.metric = serve::ContractMetric::online_mae;
  model.bound = 3;
  model.value = 3.2;
  model.detail = "1160629000/121/308";
  model.violated = true;
  model.violations = 1;
  serve::ContractSnapshot snapshot;
  snapshot.name = "edge-sla";
  snapshot.states = {node, model};
  snapshot.violations = 1;
  return snapshot;
}

// A node with every optional part present: monitoring on, a contract, two
// models loaded.
struct SampleNode {
  test::TempDir dir;
  serve::ModelSet models;
  serve::NodeStats stats;

  SampleNode() {
    serve::test::write_sample_directory(dir.path());
    models = serve::ModelSet::load(dir.path());
    stats.node = "edge-1";
    stats.interval_s = 5;
    stats.uptime_s = 12;
    stats.counts.requests = 1000;
    stats.counts.replies = 990;
    stats.counts.errors = 10;
    stats.counts.events = 980;
    stats.latency = stats.latency_interval = latency(1000);
    for (const auto& model : models.models()) stats.inference.emplace_back(model->info().name, latency(1000));
    stats.accuracy = {accuracy(models.models().front()->info())};
    stats.accuracy_counts.remembered = 1000;
    stats.accuracy_counts.scored = 980;
    stats.accuracy_alert_multiple = 2;
    stats.quality = quality();
    stats.contracts = contracts();
  }
};

json node_stats_json(const std::string&) {
  SampleNode node;
  return json::parse(serve::node_stats_json(node.stats, node.models));
}

}  // namespace

const std::map<std::string, ExampleSource>& example_sources() {
  static const std::map<std::string, ExampleSource> sources = {
      {"request", request_json},
      {"prediction-reply", prediction_reply_json},
      {"error-reply", error_reply_json},
      {"node-stats", node_stats_json},
      {"quality-report", quality_report_json},
  };
  return sources;
}

}  // namespace edgeml::docs_test

namespace edgeml::docs_test {

std::string sample_node_metrics() {
  SampleNode node;
  return serve::server_metrics(node.stats, node.models);
}

}  // namespace edgeml::docs_test
