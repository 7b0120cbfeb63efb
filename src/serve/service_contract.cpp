#include "serve/service_contract.h"

#include <array>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_text.h"

namespace edgeml::serve {

namespace {

using nlohmann::json;

constexpr std::array<const char*, 5> kMetricNames = {"p99_latency_ms", "error_rate", "quality_pass_share",
                                                     "freshness_s", "online_mae"};
constexpr std::size_t kMaxContractBytes = 1 << 20;

void read_bounds(const json& section, const std::string& model, const std::string& where,
                 std::vector<ContractBound>& out) {
  if (!section.is_object()) throw Error(fmt::format("{} must be an object of bounds, not {}", where, section.dump()));
  for (const auto& [key, value] : section.items()) {
    std::string at = fmt::format("{}.{}", where, key);
    std::optional<ContractMetric> metric = contract_metric_named(key);
    if (!metric)
      throw Error(fmt::format("{}: unknown metric; one of p99_latency_ms, error_rate, quality_pass_share, "
                              "freshness_s, online_mae",
                              at));
    if (!model.empty() && !contract_metric_is_per_model(*metric))
      throw Error(fmt::format("{}: {} is measured for the node, not per model", at, key));
    if (model.empty() && *metric == ContractMetric::online_mae)
      throw Error(fmt::format("{}: online_mae is per model: put it under \"models\"", at));
    if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0)
      throw Error(fmt::format("{}: the bound must be a finite number >= 0, not {}", at, value.dump()));
    double bound = value.get<double>();
    if (*metric == ContractMetric::quality_pass_share && bound > 1)
      throw Error(fmt::format("{}: a share is at most 1, not {}", at, bound));
    out.push_back({model, *metric, bound});
  }
}

}  // namespace

const char* contract_metric_name(ContractMetric metric) { return kMetricNames[static_cast<std::size_t>(metric)]; }

std::optional<ContractMetric> contract_metric_named(std::string_view name) {
  for (std::size_t i = 0; i < kMetricNames.size(); ++i)
    if (name == kMetricNames[i]) return static_cast<ContractMetric>(i);
  return std::nullopt;
}

bool contract_metric_is_floor(ContractMetric metric) { return metric == ContractMetric::quality_pass_share; }

bool contract_metric_is_per_model(ContractMetric metric) {
  return metric == ContractMetric::p99_latency_ms || metric == ContractMetric::online_mae;
}

bool ServiceContract::violates(ContractMetric metric, double value, double bound) {
  return contract_metric_is_floor(metric) ? value < bound : value > bound;
}

ServiceContract service_contract_from_json(const json& contract, std::string default_name) {
  if (!contract.is_object()) throw Error("a service contract must be a JSON object");
  ServiceContract out;
  out.name = std::move(default_name);
  for (const auto& [key, value] : contract.items()) {
    if (key == "name") {
      if (!value.is_string() || value.get<std::string>().empty())
        throw Error(fmt::format("name must be a non-empty string, not {}", value.dump()));
      out.name = value.get<std::string>();
    } else if (key == "node") {
      read_bounds(value, "", "node", out.bounds);
    } else if (key == "models") {
      if (!value.is_object()) throw Error(fmt::format("models must be an object by model name, not {}", value.dump()));
      for (const auto& [model, bounds] : value.items()) {
        if (model.empty()) throw Error("models: a model name is empty");
        read_bounds(bounds, model, "models." + model, out.bounds);
      }
    } else {
      throw Error(fmt::format("unknown key \"{}\"; a contract has name, node and models", key));
    }
  }
  return out;
}

ServiceContract read_service_contract(const std::filesystem::path& path) {
  json contract = read_json_file(path, kMaxContractBytes);
  try {
    return service_contract_from_json(contract, path.stem().string());
  } catch (const Error& e) {
    throw Error(fmt::format("service contract '{}': {}", path.string(), e.what()));
  }
}

}  // namespace edgeml::serve
