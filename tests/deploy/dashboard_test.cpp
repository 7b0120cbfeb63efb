// deploy/grafana/edgeml-dashboard.json is a dashboard Grafana can load and an
// operator can use: unique panel ids, panels on the grid without overlap,
// each with the templated Prometheus datasource, queries that parse and that
// follow the node selector. The metric names are checked against a real
// server in metric_names_test.cpp.
#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "core/process.h"
#include "deploy_files.h"
#include "promql_names.h"
#include "support/test_support.h"

namespace edgeml::deploy_test {
namespace {

using nlohmann::json;
using Names = std::set<std::string>;

TEST(DeployPromqlNames, FindsMetricsButNotFunctionsLabelsOrVariables) {
  EXPECT_EQ(metric_names(R"(sum by (instance, check) (rate(a_total{instance=~"$node", x="y{z"}[$__rate_interval])))"),
            Names{"a_total"});
  EXPECT_EQ(metric_names("a / on(instance) group_left(model) b > bool 0.5 and c offset 1h unless d @ start()"),
            (Names{"a", "b", "c", "d"}));
  EXPECT_EQ(metric_names("histogram_quantile(0.99, sum without (le) (rate(x_bucket[5m:1m])))"), (Names{"x_bucket"}));
  EXPECT_EQ(metric_names(R"q(label_replace(m, "dst", "$1", "src", "(.*)") * 64 * 1e6 + inf)q"), (Names{"m"}));
  EXPECT_EQ(metric_names("instance:requests:rate5m > 0"), (Names{"instance:requests:rate5m"}));
  EXPECT_EQ(metric_names("label_values(edgeml_serve_uptime_seconds{job=\"j\"}, instance)"),
            Names{"edgeml_serve_uptime_seconds"});
  EXPECT_EQ(metric_names("label_values(instance)"), (Names{}));
}

TEST(DeployPromqlNames, FindsTheLabelsEachSelectorMatchesOn) {
  EXPECT_EQ(metric_selectors(R"(a{x="1", y!~"a,b}"} / on(z) b{} + SUM(c{w=""}) * a{x="2"} * NaN)"),
            (Selectors{{"a", {{"x", {"1", "2"}}, {"y", {}}}}, {"b", {}}, {"c", {{"w", {""}}}}}));
  // A line of Prometheus' text format is a selector too.
  EXPECT_EQ(metric_selectors(R"(m_count{model="l\"x",quantile="0.5"} 12 1700000000)"),
            (Selectors{{"m_count", {{"model", {R"(l\"x)"}}, {"quantile", {"0.5"}}}}}));
  EXPECT_THROW(metric_selectors("a{x 1}"), std::invalid_argument);
}

TEST(DeployPromqlNames, RejectsUnbalancedQueries) {
  EXPECT_THROW(metric_names("rate(a{x=\"y\"[5m])"), std::invalid_argument);
  EXPECT_THROW(metric_names("a{x=\"y}"), std::invalid_argument);
}

TEST(DeployRuleFile, ReadsOneLineAndBlockExpressions) {
  RuleFile rules = read_rule_file(
      "groups:\n  - name: g\n    rules:\n      - record: r:x:rate5m\n        expr: |\n          sum(rate(x[5m]))\n"
      "            / 2\n        labels:\n          a: b\n      - alert: X\n        expr: 'r:x:rate5m > 1'\n");
  EXPECT_EQ(rules.expressions, (std::vector<std::string>{"sum(rate(x[5m]))\n/ 2\n", "r:x:rate5m > 1"}));
  EXPECT_EQ(rules.recorded, (Names{"r:x:rate5m"}));
  EXPECT_EQ(rules.alerts, (Names{"X"}));
}

TEST(DeployRuleFile, EveryRuleOfTheEdgemlRulesHasAnExpression) {
  RuleFile rules = read_rule_file(test::read_file(deploy_dir() / "prometheus/edgeml-rules.yml"));
  EXPECT_EQ(rules.expressions.size(), rules.alerts.size() + rules.recorded.size());
  for (const char* alert : {"EdgemlNodeDown", "EdgemlOnlineAccuracyAlert", "EdgemlContractViolated",
                            "EdgemlRequestErrorRatioHigh", "EdgemlOverloaded", "EdgemlLatencyP99High",
                            "EdgemlQualityDropShareHigh", "EdgemlResidentMemoryGrowing"})
    EXPECT_TRUE(rules.alerts.count(alert)) << alert;
}

TEST(DeployDashboard, HasTheTemplatedDatasourceAndNodeVariables) {
  json dashboard = read_dashboard();
  EXPECT_GE(dashboard.value("schemaVersion", 0), 36);
  EXPECT_FALSE(dashboard.value("uid", "").empty());
  std::map<std::string, json> variables;
  for (const json& v : dashboard["templating"]["list"]) variables[v.value("name", "")] = v;
  ASSERT_TRUE(variables.count("datasource"));
  EXPECT_EQ(variables["datasource"]["type"], "datasource");
  EXPECT_EQ(variables["datasource"]["query"], "prometheus");
  ASSERT_TRUE(variables.count("node"));
  EXPECT_EQ(variables["node"]["type"], "query");
  EXPECT_EQ(variables["node"]["definition"], "label_values(edgeml_serve_uptime_seconds, instance)");
}

// x, y, w, h of a panel, checked to lie on Grafana's 24-column grid.
void expect_on_grid(const json& panel, std::map<std::pair<int, int>, int>& taken) {
  const json& g = panel.value("gridPos", json());
  int id = panel.value("id", -1);
  ASSERT_TRUE(g.is_object()) << "panel " << id << " has no gridPos";
  int x = g.value("x", -1), y = g.value("y", -1), w = g.value("w", 0), h = g.value("h", 0);
  ASSERT_TRUE(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 24) << "panel " << id << " gridPos " << g.dump();
  for (int row = y; row < y + h; ++row)
    for (int column = x; column < x + w; ++column) {
      auto [at, fresh] = taken.emplace(std::pair{row, column}, id);
      EXPECT_TRUE(fresh) << "panel " << id << " overlaps panel " << at->second << " at x=" << column << " y=" << row;
    }
}

TEST(DeployDashboard, PanelsHaveUniqueIdsAndLieOnTheGridWithoutOverlap) {
  std::set<int> ids;
  std::map<std::pair<int, int>, int> taken;
  std::vector<json> panels = dashboard_panels(read_dashboard());
  EXPECT_GE(panels.size(), 12u);
  for (const json& panel : panels) {
    ASSERT_TRUE(panel.contains("id") && panel["id"].is_number_integer()) << panel.value("title", "?");
    EXPECT_TRUE(ids.insert(panel["id"].get<int>()).second) << "panel id " << panel["id"] << " is used twice";
    expect_on_grid(panel, taken);
  }
}

TEST(DeployDashboard, EveryPanelQueriesTheTemplatedPrometheusForTheChosenNodes) {
  const json datasource = {{"type", "prometheus"}, {"uid", "${datasource}"}};
  for (const json& panel : dashboard_panels(read_dashboard())) {
    if (panel.value("type", "") == "row") continue;
    std::string title = panel.value("title", "?");
    EXPECT_EQ(panel.value("datasource", json()), datasource) << title;
    ASSERT_FALSE(panel.value("targets", json::array()).empty()) << title << " has no targets";
    std::set<std::string> refs;
    for (const json& target : panel["targets"]) {
      EXPECT_TRUE(refs.insert(target.value("refId", "")).second) << title << ": refId repeated or missing";
      EXPECT_EQ(target.value("datasource", json()), datasource) << title;
      EXPECT_NE(target.value("expr", "").find(R"(instance=~"$node")"), std::string::npos)
          << title << ": " << target.value("expr", "") << " ignores the node variable";
    }
  }
}

TEST(DeployDashboard, EveryQueryParsesInPromtool) {
  // promtool parses PromQL when it checks rules; each query becomes one.
  test::TempDir dir;
  std::ofstream rules(dir / "dashboard-queries.yml");
  rules << "groups:\n  - name: dashboard\n    rules:\n";
  int n = 0;
  for (const Query& q : dashboard_queries(read_dashboard())) {
    if (q.where.rfind("variable", 0) == 0) continue;  // label_values() is Grafana's, not PromQL
    rules << "      - record: dashboard_query_" << ++n << "\n        expr: "
          << json(with_variables_filled(q.expr)).dump() << "  # " << q.where << "\n";
  }
  rules.close();
  Process promtool({"promtool", "check", "rules", (dir / "dashboard-queries.yml").string()},
                   (dir / "promtool.log").string());
  EXPECT_EQ(promtool.wait_for(std::chrono::seconds(30)), 0)
      << test::read_file(dir / "promtool.log") << test::read_file(dir / "dashboard-queries.yml");
}

}  // namespace
}  // namespace edgeml::deploy_test
