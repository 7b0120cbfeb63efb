#include "cluster/scaler.h"

#include <algorithm>

namespace edgeml::cluster {

namespace {

enum class Pressure { above, between, below };

Pressure pressure_of(const ScalingRule& rule, const std::vector<ReplicaLoad>& loads) {
  double queue = 0, rate = 0, p99 = 0;
  for (const ReplicaLoad& l : loads) {
    queue += l.queue;
    rate += l.requests_per_s;
    p99 = std::max(p99, l.p99_ms);
  }
  queue /= static_cast<double>(loads.size());
  rate /= static_cast<double>(loads.size());
  struct Figure {
    double value, target;
  };
  const Figure figures[] = {{queue, rule.queue_depth}, {p99, rule.p99_ms}, {rate, rule.requests_per_s}};
  bool all_below = true;
  for (const Figure& f : figures) {
    if (f.target <= 0) continue;
    if (f.value > f.target) return Pressure::above;
    all_below = all_below && f.value < 0.5 * f.target;
  }
  return all_below ? Pressure::below : Pressure::between;
}

bool held_for(std::optional<Scaler::Clock::time_point>& since, Scaler::Clock::time_point now, double seconds) {
  if (!since) since = now;
  if (std::chrono::duration<double>(now - *since).count() < seconds) return false;
  since = now;  // the next step needs a window of its own
  return true;
}

}  // namespace

int Scaler::wanted(const ApplicationSpec& app, int current, const std::vector<ReplicaLoad>& loads, Clock::time_point now) {
  current = std::clamp(current, app.min_replicas, app.max_replicas);
  Timers& t = timers_[app.name];
  if (!app.scaling.any() || loads.empty()) {
    t = {};
    return current;
  }
  switch (pressure_of(app.scaling, loads)) {
    case Pressure::above:
      t.below_since.reset();
      if (current < app.max_replicas && held_for(t.above_since, now, app.scaling.window_s)) return current + 1;
      return current;
    case Pressure::below:
      t.above_since.reset();
      if (current > app.min_replicas && held_for(t.below_since, now, app.scaling.scale_down_window_s)) return current - 1;
      return current;
    case Pressure::between:
      t = {};
      return current;
  }
  return current;
}

}  // namespace edgeml::cluster
