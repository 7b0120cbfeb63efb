#include "deploy_files.h"

#include <regex>

#include "promql_names.h"
#include "support/test_support.h"

namespace edgeml::deploy_test {

using nlohmann::json;

std::filesystem::path deploy_dir() { return EDGEML_DEPLOY_DIR; }

json read_dashboard() { return json::parse(test::read_file(deploy_dir() / "grafana/edgeml-dashboard.json")); }

std::vector<json> dashboard_panels(const json& dashboard) {
  std::vector<json> panels;
  for (const json& panel : dashboard.value("panels", json::array())) {
    panels.push_back(panel);
    for (const json& nested : panel.value("panels", json::array())) panels.push_back(nested);
  }
  return panels;
}

std::vector<Query> dashboard_queries(const json& dashboard) {
  std::vector<Query> queries;
  for (const json& panel : dashboard_panels(dashboard))
    for (const json& target : panel.value("targets", json::array()))
      queries.push_back({"panel " + panel.value("id", json()).dump() + " " + panel.value("title", json()).dump() +
                             " target " + target.value("refId", "?"),
                         target.value("expr", "")});
  for (const json& annotation : dashboard["annotations"].value("list", json::array()))
    if (annotation.contains("expr"))
      queries.push_back({"annotation " + annotation.value("name", "?"), annotation["expr"].get<std::string>()});
  for (const json& variable : dashboard["templating"].value("list", json::array())) {
    if (variable.value("type", "") != "query") continue;
    const json& query = variable["query"];
    queries.push_back({"variable " + variable.value("name", "?"),
                       query.is_object() ? query.value("query", "") : query.get<std::string>()});
  }
  return queries;
}

std::vector<Query> rule_queries() {
  RuleFile rules = read_rule_file(test::read_file(deploy_dir() / "prometheus/edgeml-rules.yml"));
  std::vector<Query> queries;
  for (std::size_t i = 0; i < rules.expressions.size(); ++i)
    queries.push_back({"edgeml-rules.yml rule " + std::to_string(i + 1), rules.expressions[i]});
  return queries;
}

std::string with_variables_filled(const std::string& expr) {
  static const std::regex kDuration(R"(\$__[a-z_]+|\$\{__[a-z_]+\})");
  static const std::regex kOther(R"(\$[A-Za-z_][A-Za-z0-9_]*|\$\{[^}]*\})");
  return std::regex_replace(std::regex_replace(expr, kDuration, "5m"), kOther, ".*");
}

}  // namespace edgeml::deploy_test
