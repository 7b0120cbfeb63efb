// The files under deploy/ as the tests read them: the Grafana dashboard's
// panels and every PromQL query of the dashboard and the Prometheus rules,
// each with where it came from.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgeml::deploy_test {

std::filesystem::path deploy_dir();
nlohmann::json read_dashboard();  // deploy/grafana/edgeml-dashboard.json

// Every panel, rows' nested panels included.
std::vector<nlohmann::json> dashboard_panels(const nlohmann::json& dashboard);

struct Query {
  std::string where;  // e.g. panel 3 "Queue depth" target A
  std::string expr;
};
// Panels' targets, Prometheus annotations and query variables.
std::vector<Query> dashboard_queries(const nlohmann::json& dashboard);
// The alerting and recording rules of deploy/prometheus/edgeml-rules.yml.
std::vector<Query> rule_queries();

// `expr` with Grafana's variables replaced by values Prometheus accepts:
// $__rate_interval and the other $__ durations by 5m, $node or ${node} by .*.
std::string with_variables_filled(const std::string& expr);

}  // namespace edgeml::deploy_test
