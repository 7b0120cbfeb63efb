#include "serve/contract_monitor.h"

namespace edgeml::serve {

ContractMonitor::ContractMonitor(ServiceContract contract) : contract_(std::move(contract)) {}

void ContractMonitor::set_contract(ServiceContract contract) {
  std::lock_guard lock(mutex_);
  contract_ = std::move(contract);
}

// Each bound as it applies to the models served: a model's own bound for a
// metric wins over the one under "*".
std::map<ContractMonitor::Key, double> ContractMonitor::bounds_for(const std::vector<std::string>& models) const {
  std::map<Key, double> bounds;
  for (const ContractBound& b : contract_.bounds)
    if (b.model != "*") bounds[{b.model, b.metric}] = b.bound;
  for (const ContractBound& b : contract_.bounds)
    if (b.model == "*")
      for (const std::string& model : models) bounds.try_emplace({model, b.metric}, b.bound);
  return bounds;
}

void ContractMonitor::evaluate(const ContractReadings& readings, std::vector<ContractChange>& changes) {
  std::lock_guard lock(mutex_);
  std::map<Key, double> bounds = bounds_for(readings.models);
  for (auto it = states_.begin(); it != states_.end();) {
    if (bounds.contains(it->first)) {
      ++it;
      continue;
    }
    if (it->second.violated) {
      it->second.violated = false;
      changes.push_back({it->second, false});
    }
    it = states_.erase(it);
  }
  for (const auto& [key, bound] : bounds) {
    ContractState& state = states_[key];
    state.model = key.first;
    state.metric = key.second;
    state.bound = bound;
    if (auto reading = readings.values.find(key); reading != readings.values.end()) {
      state.value = reading->second.value;
      state.detail = reading->second.detail;
    }
    if (!state.value) continue;
    bool violated = ServiceContract::violates(state.metric, *state.value, bound);
    if (violated == state.violated) continue;
    state.violated = violated;
    if (violated) {
      ++state.violations;
      ++violations_;
    }
    changes.push_back({state, violated});
  }
}

ContractSnapshot ContractMonitor::snapshot() const {
  std::lock_guard lock(mutex_);
  ContractSnapshot snapshot{contract_.name, {}, violations_};
  for (const auto& [key, state] : states_) snapshot.states.push_back(state);
  return snapshot;
}

std::string ContractMonitor::name() const {
  std::lock_guard lock(mutex_);
  return contract_.name;
}

}  // namespace edgeml::serve
