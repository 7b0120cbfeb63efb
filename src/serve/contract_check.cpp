#include "serve/contract_check.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "serve/contract_readings.h"

namespace edgeml::serve {

ContractCheck::ContractCheck(std::filesystem::path file, bool monitoring, std::string node, mq::Client& client)
    : file_(std::move(file)),
      monitoring_(monitoring),
      node_(std::move(node)),
      client_(client),
      written_(std::filesystem::last_write_time(file_)),
      monitor_(read()) {}

ServiceContract ContractCheck::read() const {
  ServiceContract contract = read_service_contract(file_);
  for (const ContractBound& b : contract.bounds)
    if (!monitoring_ && b.metric != ContractMetric::p99_latency_ms && b.metric != ContractMetric::error_rate)
      throw Error(fmt::format("service contract '{}': {} is measured by the monitoring, which is off", file_.string(),
                              contract_metric_name(b.metric)));
  return contract;
}

void ContractCheck::read_again_if_changed() {
  std::error_code ec;
  auto written = std::filesystem::last_write_time(file_, ec);
  if (ec || written == written_) return;
  written_ = written;
  try {
    monitor_.set_contract(read());
    spdlog::info("service contract {} read again", file_.string());
  } catch (const Error& e) {
    spdlog::error("{}; the contract read before still holds", e.what());
  }
}

void ContractCheck::judge(NodeStats& now, const ModelSet& served) {
  read_again_if_changed();
  std::vector<ContractChange> changes;
  monitor_.evaluate(read_contract_metrics(now, interval_start_, served), changes);
  interval_start_ = now;
  for (const ContractChange& change : changes) publish(change);
  now.contracts = monitor_.snapshot();
}

void ContractCheck::publish(const ContractChange& change) {
  const ContractState& s = change.state;
  const char* metric = contract_metric_name(s.metric);
  const std::string subject = s.model.empty() ? "the node" : "model " + s.model;
  const double value = s.value.value_or(0);
  const std::string contract = monitor_.name();
  if (change.raised)
    spdlog::warn("contract {} violated: {} of {} is {:.4g}, beyond its bound {:.4g}{}", contract, metric, subject, value,
                 s.bound, s.detail.empty() ? "" : " (" + s.detail + ")");
  else
    spdlog::info("contract {} met again: {} of {} is {:.4g}, bound {:.4g}", contract, metric, subject, value, s.bound);
  nlohmann::json message = {{"node", node_},   {"contract", contract}, {"state", change.raised ? "raised" : "cleared"},
                            {"metric", metric}, {"value", value},       {"bound", s.bound},
                            {"violations", s.violations}};
  if (!s.model.empty()) message["model"] = s.model;
  if (!s.detail.empty()) message["detail"] = s.detail;
  try {
    client_.publish(contract_violations_topic(node_), message.dump(), 1);
  } catch (const Error& e) {
    spdlog::warn("contract violation not sent: {}", e.what());
  }
}

}  // namespace edgeml::serve
