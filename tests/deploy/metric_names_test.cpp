// Every metric the Grafana dashboard and the Prometheus rules name is one a
// real `edgeml serve` writes on /metrics, one Prometheus makes itself, one
// the rules record, or one announced below; and every label and "=" value
// they select the server's metrics by is one it writes. A misspelled name or
// label would make a panel silently empty and an alert silently never fire.
#include <httplib.h>

#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "../serve/serve_testing.h"
#include "../serve/served_models.h"
#include "deploy_files.h"
#include "promql_names.h"
#include "support/message_inbox.h"

namespace edgeml::deploy_test {
namespace {

namespace fs = std::filesystem;
using edgeml::test::kWait;

// Series Prometheus adds to every scrape, and alerts' own series.
const std::set<std::string> kMadeByPrometheus = {
    "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
    "scrape_series_added", "ALERTS", "ALERTS_FOR_STATE",
};

// Names of every series a /metrics text can hold: each family's name from
// its "# TYPE" line (written even with no samples), with the _sum and _count
// of a summary and the _bucket of a histogram.
std::set<std::string> exposed_names(const std::string& text) {
  std::set<std::string> names;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string hash, keyword, name, type;
    if (!(words >> hash >> keyword >> name >> type) || hash != "#" || keyword != "TYPE") continue;
    names.insert(name);
    if (type == "summary" || type == "histogram") {
      names.insert(name + "_sum");
      names.insert(name + "_count");
    }
    if (type == "histogram") names.insert(name + "_bucket");
  }
  return names;
}

// The labels of each series in a /metrics text: each sample line is a selector.
Selectors sample_labels(const std::string& text) {
  Selectors labels;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] != '#')
      for (auto& [name, values] : metric_selectors(line))
        for (auto& [label, value] : values) labels[name][label].insert(value.begin(), value.end());
  return labels;
}

// /metrics of `edgeml serve` on the sample models after it answered requests
// and scored them against their sensor events, so that the per-model and
// per-series families have samples whose labels can be checked.
std::string served_metrics() {
  edgeml::test::TempDir models;
  serve::test::write_sample_directory(models.path());
  edgeml::test::TempDir scratch;
  fs::path port_file = scratch / "metrics.port";
  // A contract with node and model bounds, so that its families have samples.
  serve::test::write_file(scratch / "contract.json",
                           R"({"node": {"error_rate": 0.5}, "models": {"*": {"p99_latency_ms": 1000}}})");
  edgeml::test::ServedModels served(models.path(), "deploy-node",
                                    {"--metrics-port", "0", "--metrics-port-file", port_file.string(), "--contract",
                                     (scratch / "contract.json").string()});
  EXPECT_TRUE(edgeml::test::wait_until([&] { return fs::exists(port_file); }, kWait))
      << edgeml::test::read_file(served.dir() / "serve.log");
  if (!fs::exists(port_file)) return "";
  httplib::Client http("127.0.0.1", std::stoi(edgeml::test::read_file(port_file)));
  http.set_read_timeout(10, 0);

  edgeml::test::MessageInbox replies;
  auto listener = edgeml::test::receiving_client(served.client("listener"), replies, "predict/#");
  mq::Client requester(served.client("requester"));
  requester.connect();
  for (int i = 0; i < 3; ++i) requester.publish("request/1/2/3", std::to_string(i) + ",231,230", 1);
  EXPECT_TRUE(replies.wait_for(3, kWait));
  for (int i = 0; i < 3; ++i) requester.publish("alarm/1/2/3", std::to_string(i) + ".0,1487508915.0,231,230,True", 1);
  std::string text;
  EXPECT_TRUE(edgeml::test::wait_until(
      [&] {
        auto response = http.Get("/metrics");
        text = response && response->status == 200 ? response->body : "";
        return text.find("edgeml_serve_online_scored_requests_total 3\n") != std::string::npos &&
               text.find("edgeml_serve_contract_value{") != std::string::npos;
      },
      kWait))
      << text;
  return text;
}

class DeployMetricNames : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { metrics_ = new std::string(served_metrics()); }
  static void TearDownTestSuite() { delete metrics_; }

  // Every query of the dashboard and the rules.
  static std::vector<Query> queries() {
    std::vector<Query> all = dashboard_queries(read_dashboard());
    std::vector<Query> rules = rule_queries();
    all.insert(all.end(), rules.begin(), rules.end());
    return all;
  }
  static std::string* metrics_;
};
std::string* DeployMetricNames::metrics_ = nullptr;

TEST_F(DeployMetricNames, EveryNameTheDashboardAndRulesUseExists) {
  std::set<std::string> exposed = exposed_names(*metrics_);
  // What the server writes with monitoring on, as a check of the parse above.
  for (const char* name : {"edgeml_serve_requests_total", "edgeml_serve_request_latency_seconds_count",
                           "edgeml_serve_online_mae", "edgeml_serve_quality_findings_total"})
    ASSERT_TRUE(exposed.count(name)) << name << " not among the served metrics";

  std::set<std::string> recorded =
      read_rule_file(edgeml::test::read_file(deploy_dir() / "prometheus/edgeml-rules.yml")).recorded;
  std::vector<Query> all = queries();
  ASSERT_GE(all.size(), 30u);
  for (const Query& q : all)
    for (const std::string& name : metric_names(q.expr)) {
      EXPECT_TRUE(exposed.count(name) || kMadeByPrometheus.count(name) || recorded.count(name))
          << q.where << " names " << name << ", which neither edgeml serve nor Prometheus writes:\n"
          << q.expr;
    }
}

// A label the server does not write, or a value it never gives it (quantile
// "0.95", window "lastN"), selects nothing as silently as a misspelled name.
TEST_F(DeployMetricNames, EveryLabelAndValueASelectorMatchesIsOneTheServerWrites) {
  std::set<std::string> exposed = exposed_names(*metrics_);
  Selectors served = sample_labels(*metrics_);
  ASSERT_TRUE(served.count("edgeml_serve_online_mae")) << "no online MAE was scored:\n" << *metrics_;
  // Prometheus adds these to every series it scrapes.
  const std::set<std::string> kTargetLabels = {"instance", "job"};
  for (const Query& q : queries())
    for (const auto& [name, labels] : metric_selectors(q.expr)) {
      if (!exposed.count(name)) continue;  // not the server's: checked above
      for (const auto& [label, values] : labels) {
        if (kTargetLabels.count(label)) continue;
        ASSERT_TRUE(served.count(name)) << q.where << " selects " << name << " by " << label
                                        << ", but the server wrote no sample of it to check that against";
        ASSERT_TRUE(served[name].count(label))
            << q.where << " selects " << name << " by " << label << ", a label the server does not write:\n"
            << q.expr;
        for (const std::string& value : values)
          EXPECT_TRUE(served[name][label].count(value))
              << q.where << " selects " << name << " by " << label << "=\"" << value
              << "\", a value the server does not write:\n"
              << q.expr;
      }
    }
}

}  // namespace
}  // namespace edgeml::deploy_test
