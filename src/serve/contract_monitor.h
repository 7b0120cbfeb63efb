// Watches a service contract (service_contract.h): reads its metrics from
// the server's stats each interval and tells which bounds became violated
// and which recovered. Thread-safe: the server evaluates, /metrics reads.
//
// What the metrics measure, each over the last stats interval:
//   p99_latency_ms      node: a request's arrival to its reply; model: its inference
//   error_rate          requests answered with an error (unreadable, overload,
//                       past the deadline, refused by a data-quality check)
//                       / requests received
//   quality_pass_share  requests with no flag or drop finding / requests inspected
//   freshness_s         seconds since the last sensor event arrived (since the
//                       start while none has)
//   online_mae          the model's worst rolling online MAE (last N scored)
//                       among the series its current version is scored on
// An interval with nothing to measure (no requests) keeps the last value
// measured, so a violation neither clears nor repeats for want of traffic.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "serve/service_contract.h"

namespace edgeml::serve {

struct ContractReading {
  double value = 0;
  std::string detail;  // what it was measured on, when it says more (the worst series)
};

// The readings of one interval (contract_readings.h reads them off the stats).
struct ContractReadings {
  std::vector<std::string> models;  // served now: what "*" stands for
  // By (model, or empty for the node; metric).
  std::map<std::pair<std::string, ContractMetric>, ContractReading> values;
};

struct ContractState {
  std::string model;  // empty: the node
  ContractMetric metric = ContractMetric::p99_latency_ms;
  double bound = 0;
  std::optional<double> value;  // the last measured; none yet
  std::string detail;
  bool violated = false;
  std::uint64_t violations = 0;  // times raised
};

struct ContractChange {
  ContractState state;  // as it is after the change
  bool raised = false;  // false: cleared
};

struct ContractSnapshot {
  std::string name;
  std::vector<ContractState> states;  // by model then metric; node bounds first
  std::uint64_t violations = 0;       // raised in all
};

class ContractMonitor {
 public:
  explicit ContractMonitor(ServiceContract contract);

  // A changed contract: bounds on the same model and metric keep their
  // state and last value, and are judged again at the next evaluate().
  void set_contract(ServiceContract contract);
  // Judges every bound; appends each one raised or cleared to `changes`. A
  // bound that is gone (its model undeployed, the contract changed) while
  // violated is cleared.
  void evaluate(const ContractReadings& readings, std::vector<ContractChange>& changes);
  ContractSnapshot snapshot() const;
  std::string name() const;

 private:
  using Key = std::pair<std::string, ContractMetric>;
  std::map<Key, double> bounds_for(const std::vector<std::string>& models) const;

  mutable std::mutex mutex_;
  ServiceContract contract_;
  std::map<Key, ContractState> states_;
  std::uint64_t violations_ = 0;
};

}  // namespace edgeml::serve
