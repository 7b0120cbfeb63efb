// A server's service contract (service_contract.h) judged on its stats: each
// stats interval, every bound against what the interval measured
// (contract_readings.h); each violation raised or cleared is logged and
// published on the node's contract_violations_topic(). The contract file is read
// again when it changes; a wrong one is logged and the one before stays.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "mqtt/client.h"
#include "serve/contract_monitor.h"
#include "serve/model_set.h"
#include "serve/node_stats.h"

namespace edgeml::serve {

class ContractCheck {
 public:
  // Reads the contract; throws Error when it is wrong, or names a figure
  // only the monitoring measures while `monitoring` is off.
  ContractCheck(std::filesystem::path file, bool monitoring, std::string node, mq::Client& client);

  // Judges `now` against the stats of the interval before, and sets its
  // contracts' state. The stats publisher's thread.
  void judge(NodeStats& now, const ModelSet& served);
  const ContractMonitor& monitor() const { return monitor_; }

 private:
  ServiceContract read() const;
  void read_again_if_changed();
  void publish(const ContractChange& change);

  const std::filesystem::path file_;
  const bool monitoring_;
  const std::string node_;
  mq::Client& client_;
  std::filesystem::file_time_type written_;
  ContractMonitor monitor_;
  NodeStats interval_start_;
};

}  // namespace edgeml::serve
