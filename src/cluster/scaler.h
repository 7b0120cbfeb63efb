// Elastic replicas: how many replicas each application should have, from the
// loads its replicas report (protocol/cluster_state.h) against its scaling
// rule (protocol/cluster_applications.h). One replica more once a figure
// stayed above its target for the rule's window; one fewer once every figure
// stayed below half its target for the longer scale-down window; nothing
// in between. The leader keeps the timers; a new leader starts them afresh
// from the replicas the placement it inherits wants.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/cluster_applications.h"
#include "protocol/cluster_state.h"

namespace edgeml::cluster {

class Scaler {
 public:
  using Clock = std::chrono::steady_clock;

  // `current` is clamped to the application's [min, max] first. `loads` are
  // its serving replicas' last figures; with none the count stays.
  int wanted(const ApplicationSpec& app, int current, const std::vector<ReplicaLoad>& loads, Clock::time_point now);

 private:
  struct Timers {
    std::optional<Clock::time_point> above_since, below_since;
  };
  std::map<std::string, Timers> timers_;
};

}  // namespace edgeml::cluster
