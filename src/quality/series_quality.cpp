#include "quality/series_quality.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace edgeml {

namespace {

// Interpolated between the two nearest order statistics, so that 0.5 is the
// median of an even count too.
double quantile(const RecentValues<double>& values, double q, std::vector<double>& scratch) {
  scratch.assign(values.begin(), values.end());
  const double position = q * static_cast<double>(scratch.size() - 1);
  auto lower = scratch.begin() + static_cast<std::ptrdiff_t>(position);
  std::nth_element(scratch.begin(), lower, scratch.end());
  const double fraction = position - std::floor(position);
  if (fraction == 0) return *lower;
  double upper = *std::min_element(lower + 1, scratch.end());
  return *lower + fraction * (upper - *lower);
}

std::string quantile_name(double q) { return q == 0.5 ? "median" : fmt::format("{:g}th percentile", q * 100); }

}  // namespace

SeriesQuality::SeriesQuality(const QualityConfig& config, const ReferenceStatistics& reference)
    : config_(config),
      keys_(config.duplicate_memory),
      intervals_(config.gap_window),
      times_(config.burst_max_records + 1) {
  restart_drift(reference);
}

void SeriesQuality::restart_drift(const ReferenceStatistics& reference) {
  drift_.clear();
  for (RecordFeature feature : config_.drift_features) {
    const auto& stats = reference[feature];
    if (!stats) continue;
    drift_.push_back({feature, &*stats, RecentValues<std::uint16_t>(config_.drift_window),
                      std::vector<std::size_t>(stats->bin_count(), 0), 0});
  }
}

void SeriesQuality::inspect(const QualityRecord& record, std::vector<double>& scratch,
                            std::vector<QualityFinding>& found) {
  bool timed = record.event_time && std::isfinite(*record.event_time);
  if (timed && record.index && std::isfinite(*record.index)) {
    EventKey key{*record.index, *record.event_time};
    if (seen_before(key)) {
      // A repeat is not new data: it leaves the intervals, bursts and drift windows alone.
      found.push_back({QualityCheck::duplicate, std::nullopt, key.index, key.event_time,
                       fmt::format("index {} at event_time {} was seen before", key.index, key.event_time)});
      return;
    }
    keys_.push(key);
  }
  if (timed) check_time(*record.event_time, scratch, found);
  for (DriftWindow& window : drift_) {
    auto x = record.feature(window.feature);
    if (x && std::isfinite(*x)) check_drift(window, *x, found);
  }
}

bool SeriesQuality::seen_before(const EventKey& key) const {
  return std::any_of(keys_.begin(), keys_.end(),
                     [&](const EventKey& k) { return k.index == key.index && k.event_time == key.event_time; });
}

void SeriesQuality::check_time(double t, std::vector<double>& scratch, std::vector<QualityFinding>& found) {
  times_.push(t);
  if (times_.full()) {
    auto [first, last] = std::minmax_element(times_.begin(), times_.end());
    double span = *last - *first;
    if (span < config_.burst_window_seconds)
      found.push_back({QualityCheck::burst, std::nullopt, static_cast<double>(times_.size()),
                       static_cast<double>(config_.burst_max_records),
                       fmt::format("{} records within {:.3g} s, more than {} within {} s", times_.size(), span,
                                   config_.burst_max_records, config_.burst_window_seconds)});
  }
  if (!latest_time_) {
    latest_time_ = t;
    return;
  }
  if (t < *latest_time_) {
    // Later events are still compared with the latest time, not this one.
    found.push_back({QualityCheck::time_backwards, std::nullopt, t, *latest_time_,
                     fmt::format("event_time {} is before the series' latest {}", t, *latest_time_)});
    return;
  }
  double interval = t - *latest_time_;
  if (intervals_.size() >= config_.gap_min_intervals) {
    double limit = config_.gap_factor * quantile(intervals_, config_.gap_quantile, scratch);
    if (limit > 0 && interval > limit)
      found.push_back({QualityCheck::gap, std::nullopt, interval, limit,
                       fmt::format("{:.6g} s since the previous event, more than {} times the {} interval {:.4g} s",
                                   interval, config_.gap_factor, quantile_name(config_.gap_quantile),
                                   limit / config_.gap_factor)});
  }
  intervals_.push(interval);
  latest_time_ = t;
}

void SeriesQuality::check_drift(DriftWindow& window, double x, std::vector<QualityFinding>& found) {
  auto bin = static_cast<std::uint16_t>(window.reference->bin_of(x));
  ++window.counts[bin];
  if (auto old = window.bins.push(bin)) --window.counts[*old];
  ++window.since_evaluation;
  if (!window.bins.full() || window.since_evaluation < config_.drift_every) return;
  window.since_evaluation = 0;
  double psi = population_stability_index(window.reference->proportions, window.counts, config_.drift_epsilon);
  if (psi > config_.drift_threshold)
    found.push_back({QualityCheck::drift, window.feature, psi, config_.drift_threshold,
                     fmt::format("{} PSI {:.3f} over the last {} records, above {}", feature_name(window.feature), psi,
                                 window.bins.size(), config_.drift_threshold)});
}

}  // namespace edgeml
