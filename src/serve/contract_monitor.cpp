#include "serve/contract_monitor.h"

#include <chrono>

#include "serve/model_set.h"
#include "serve/node_stats.h"

namespace edgeml::serve {

namespace {

double milliseconds(LatencySummary::Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void read_node_metrics(const NodeStats& now, const NodeStats& before, ContractReadings& out) {
  auto set = [&](ContractMetric metric, double value) { out.values[{std::string(), metric}] = {value, {}}; };
  if (now.latency_interval.count > 0) set(ContractMetric::p99_latency_ms, milliseconds(now.latency_interval.p99));
  const ServerCounts& a = before.counts;
  const ServerCounts& b = now.counts;
  if (b.requests > a.requests) {
    std::uint64_t failed = (b.errors - a.errors) + (b.overloaded - a.overloaded) +
                           (b.quality_dropped - a.quality_dropped) + (b.timed_out - a.timed_out);
    set(ContractMetric::error_rate, static_cast<double>(failed) / static_cast<double>(b.requests - a.requests));
  }
  const QualityCounts qa = before.quality ? before.quality->total : QualityCounts{};
  if (now.quality && now.quality->total.records > qa.records) {
    const QualityCounts& qb = now.quality->total;
    set(ContractMetric::quality_pass_share,
        static_cast<double>(qb.passed - qa.passed) / static_cast<double>(qb.records - qa.records));
  }
  set(ContractMetric::freshness_s, now.seconds_since_event.value_or(now.uptime_s));
}

void read_model_metrics(const NodeStats& now, const ModelSet& served, ContractReadings& out) {
  for (const auto& model : served.models()) {
    const ModelInfo& info = model->info();
    out.models.push_back(info.name);
    for (const auto& [name, figures] : now.inference_interval)
      if (name == info.name && figures.count > 0)
        out.values[{info.name, ContractMetric::p99_latency_ms}] = {milliseconds(figures.p99), {}};
    if (!now.accuracy) continue;
    const ModelAccuracy* worst = nullptr;
    for (const ModelAccuracy& a : *now.accuracy)
      if (a.model == info.name && a.version == info.version && a.window_count > 0 &&
          (!worst || a.window_mae > worst->window_mae))
        worst = &a;
    if (worst) out.values[{info.name, ContractMetric::online_mae}] = {worst->window_mae, worst->series.path()};
  }
}

}  // namespace

ContractReadings read_contract_metrics(const NodeStats& now, const NodeStats& before, const ModelSet& served) {
  ContractReadings readings;
  read_node_metrics(now, before, readings);
  read_model_metrics(now, served, readings);
  return readings;
}

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
