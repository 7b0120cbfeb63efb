// A service contract: the bounds an edge node promises to stay within, for
// the node as a whole and per model, in the spirit of quality-of-analytics
// contracts. Read from JSON:
//
//   {"name": "edge-sla",
//    "node":   {"p99_latency_ms": 5, "error_rate": 0.01, "quality_pass_share": 0.95, "freshness_s": 60},
//    "models": {"*":            {"p99_latency_ms": 0.5},
//               "multi_var_LR": {"online_mae": 3}}}
//
// Every bound is optional. "*" applies to each model served; a model's own
// entry overrides it metric by metric. What each metric measures is in
// contract_monitor.h.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace edgeml::serve {

enum class ContractMetric { p99_latency_ms, error_rate, quality_pass_share, freshness_s, online_mae };

// Its name in contracts, violations and metric labels.
const char* contract_metric_name(ContractMetric metric);
std::optional<ContractMetric> contract_metric_named(std::string_view name);
// quality_pass_share is a floor; every other metric a ceiling.
bool contract_metric_is_floor(ContractMetric metric);
// Whether it can be bound per model (latency, online MAE) or only per node.
bool contract_metric_is_per_model(ContractMetric metric);

struct ContractBound {
  std::string model;  // empty: the node; "*": every model
  ContractMetric metric = ContractMetric::p99_latency_ms;
  double bound = 0;
};

struct ServiceContract {
  std::string name;
  std::vector<ContractBound> bounds;

  // `value` is beyond `bound` in the metric's direction.
  static bool violates(ContractMetric metric, double value, double bound);
};

// Throws Error saying which key is wrong: an unknown section or metric, a
// bound that is not a finite number >= 0 (a share above 1), a node-only
// metric under a model.
ServiceContract service_contract_from_json(const nlohmann::json& contract, std::string default_name);
// The same from a file; a contract without "name" is named after the file.
ServiceContract read_service_contract(const std::filesystem::path& path);

}  // namespace edgeml::serve
