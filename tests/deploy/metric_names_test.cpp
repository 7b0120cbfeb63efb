// Every metric the Grafana dashboard and the Prometheus rules name is one a
// real `edgeml serve` writes on /metrics, one Prometheus makes itself, one
// the rules record, or one announced below. A misspelled name would make a
// panel silently empty and an alert silently never fire.
#include <httplib.h>

#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "../serve/serve_testing.h"
#include "../serve/served_models.h"
#include "deploy_files.h"
#include "promql_names.h"

namespace edgeml::deploy_test {
namespace {

namespace fs = std::filesystem;
using edgeml::test::kWait;

// Service-contract metrics announced for edgeml serve but not written by it
// yet. Remove each name from here once /metrics has it.
const std::set<std::string> kAnnounced = {
    "edgeml_serve_contract_violation",
    "edgeml_serve_contract_violations_total",
    "edgeml_serve_contract_value",
    "edgeml_serve_contract_bound",
};

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

std::string served_metrics() {
  edgeml::test::TempDir models;
  serve::test::write_sample_directory(models.path());
  edgeml::test::TempDir scratch;
  fs::path port_file = scratch / "metrics.port";
  edgeml::test::ServedModels served(models.path(), "deploy-node",
                                    {"--metrics-port", "0", "--metrics-port-file", port_file.string()});
  EXPECT_TRUE(edgeml::test::wait_until([&] { return fs::exists(port_file); }, kWait))
      << edgeml::test::read_file(served.dir() / "serve.log");
  if (!fs::exists(port_file)) return "";
  httplib::Client http("127.0.0.1", std::stoi(edgeml::test::read_file(port_file)));
  http.set_read_timeout(10, 0);
  auto response = http.Get("/metrics");
  EXPECT_TRUE(response && response->status == 200);
  return response ? response->body : "";
}

TEST(DeployMetricNames, EveryNameTheDashboardAndRulesUseExists) {
  std::set<std::string> exposed = exposed_names(served_metrics());
  // What the server writes with monitoring on, as a check of the parse above.
  for (const char* name : {"edgeml_serve_requests_total", "edgeml_serve_request_latency_seconds_count",
                           "edgeml_serve_online_mae", "edgeml_serve_quality_findings_total"})
    ASSERT_TRUE(exposed.count(name)) << name << " not among the served metrics";

  std::set<std::string> recorded =
      read_rule_file(edgeml::test::read_file(deploy_dir() / "prometheus/edgeml-rules.yml")).recorded;
  std::vector<Query> queries = dashboard_queries(read_dashboard());
  std::vector<Query> rules = rule_queries();
  queries.insert(queries.end(), rules.begin(), rules.end());
  ASSERT_GE(queries.size(), 30u);

  std::set<std::string> used;
  for (const Query& q : queries)
    for (const std::string& name : metric_names(q.expr)) {
      used.insert(name);
      EXPECT_TRUE(exposed.count(name) || kMadeByPrometheus.count(name) || recorded.count(name) ||
                  kAnnounced.count(name))
          << q.where << " names " << name << ", which neither edgeml serve nor Prometheus writes:\n"
          << q.expr;
    }
  for (const std::string& name : kAnnounced)
    EXPECT_TRUE(used.count(name)) << "announced " << name << " is in no panel or rule";
}

}  // namespace
}  // namespace edgeml::deploy_test
