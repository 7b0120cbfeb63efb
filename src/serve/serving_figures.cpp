#include "serve/serving_figures.h"

namespace edgeml::serve {

namespace {

LatencySummary::Figures since_start(const LatencySummary& before, const LatencySummary& interval) {
  LatencySummary all = before;
  all.merge(interval);
  return all.figures();
}

}  // namespace

void ServingFigures::record(const std::shared_ptr<const ModelSet>& set, LatencySummary::Duration latency,
                            std::span<const LatencySummary::Duration> inference) {
  std::lock_guard lock(mutex_);
  latency_.interval.record(latency);
  if (inference.empty()) return;
  if (set != timed_set_) point_at(set);
  for (std::size_t m = 0; m < inference.size() && m < times_.size(); ++m)
    if (inference[m].count() >= 0) times_[m]->interval.record(inference[m]);  // not another series' model
}

void ServingFigures::point_at(const std::shared_ptr<const ModelSet>& set) {
  times_.clear();
  for (const auto& model : set->models()) {
    auto it = inference_.find(model->info().name);
    if (it == inference_.end()) it = inference_.emplace(model->info().name, Times{}).first;
    times_.push_back(&it->second);
  }
  timed_set_ = set;
}

void ServingFigures::set_last_reload(double seconds) {
  std::lock_guard lock(mutex_);
  last_reload_seconds_ = seconds;
}

void ServingFigures::fill(NodeStats& stats) const {
  std::lock_guard lock(mutex_);
  stats.latency = since_start(latency_.all, latency_.interval);
  stats.latency_interval = latency_.interval.figures();
  for (const auto& [model, times] : inference_) {
    stats.inference.emplace_back(model, since_start(times.all, times.interval));
    stats.inference_interval.emplace_back(model, times.interval.figures());
  }
  stats.last_reload_seconds = last_reload_seconds_;
}

void ServingFigures::start_interval() {
  std::lock_guard lock(mutex_);
  latency_.all.merge(latency_.interval);
  latency_.interval.reset();
  for (auto& [model, times] : inference_) {
    times.all.merge(times.interval);
    times.interval.reset();
  }
}

}  // namespace edgeml::serve
