#include "serve/accuracy_tracker.h"

#include <algorithm>

namespace edgeml::serve {

double AccuracyTracker::window_mean() const {
  double total = 0;
  for (std::size_t i = 0; i < window_count; ++i) total += window[i];
  return window_count ? total / static_cast<double>(window_count) : 0.0;
}

void AccuracyTracker::restart(std::string_view new_version) {
  version.assign(new_version);
  window_next = window_count = 0;
  scored = 0;
  sum = ewma = 0;
  alert = false;
}

std::uint32_t AccuracyTracker::serial_of(const ModelAnswer& a) {
  const VersionFacts& last = versions[newest % kVersionsKept];
  if (newest != 0 && last.version == a.version && last.offset == a.label->offset && last.scale == a.label->scale &&
      last.test_mae == a.test_mae)
    return newest;
  VersionFacts& next = versions[++newest % kVersionsKept];
  next.version.assign(a.version);
  next.offset = a.label->offset;
  next.scale = a.label->scale;
  next.test_mae = a.test_mae;
  next.serial = newest;
  return newest;
}

const VersionFacts* AccuracyTracker::facts(std::uint32_t serial) const {
  const VersionFacts& f = versions[serial % kVersionsKept];
  return f.serial == serial ? &f : nullptr;
}

void AccuracyTracker::add(double error, double ewma_weight) {
  window[window_next] = error;
  window_next = (window_next + 1) % window.size();
  window_count = std::min(window_count + 1, window.size());
  ewma = scored == 0 ? error : ewma + ewma_weight * (error - ewma);
  sum += error;
  ++scored;
}

ModelAccuracy accuracy_figures(const AccuracyTracker& t) {
  return {t.model,
          t.version,
          t.series,
          t.scored,
          t.scored ? t.sum / static_cast<double>(t.scored) : 0.0,
          t.window_mean(),
          t.window_count,
          t.ewma,
          t.test_mae,
          t.alert};
}

}  // namespace edgeml::serve
