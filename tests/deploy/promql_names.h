// The metric names a PromQL expression reads, and the expressions of a
// Prometheus rule file: enough to check that a dashboard or an alert names
// only metrics that exist, since a misspelled name silently selects nothing.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace edgeml::deploy_test {

// Metric names in `promql`: every bare identifier that is not a function,
// aggregation, keyword, label (in {...} or a by/without/on/ignoring/group_*
// list), duration, number, string or Grafana variable ($node, ${x}, $__range).
// A Grafana query label_values(expr, label) reads the metrics of expr.
// Throws std::invalid_argument on an unbalanced bracket or unclosed string.
std::set<std::string> metric_names(std::string_view promql);
// Each of those names with the labels its selectors match on and the values
// of "=" matchers (escapes kept): a{x="1", y=~"2"} and b give
// {"a": {"x": {"1"}, "y": {}}, "b": {}}.
using LabelValues = std::map<std::string, std::set<std::string>>;
using Selectors = std::map<std::string, LabelValues>;
Selectors metric_selectors(std::string_view promql);

// A Prometheus rule file's rules, read line by line: the file must write
// "expr:" on one line or as a block scalar (| or >), which edgeml-rules.yml does.
struct RuleFile {
  std::vector<std::string> expressions;  // of every alert and recording rule
  std::set<std::string> recorded;        // names of recording rules
  std::set<std::string> alerts;          // names of alerting rules
};
RuleFile read_rule_file(std::string_view yaml);

}  // namespace edgeml::deploy_test
