// The data-quality checks, what to do when one fires, and their settings.
// Names are stable snake_case: they label metrics, MQTT topics and rejects.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "quality/reference_statistics.h"

namespace edgeml {

enum class QualityCheck {
  schema,          // the payload or topic could not be read
  missing,         // a required field is absent or empty
  not_finite,      // NaN or infinity in a numeric field
  out_of_range,    // a feature outside the training range (plus margin)
  time_backwards,  // event_time below the latest one of the series
  duplicate,       // the same (series, index, event_time) seen recently
  gap,             // a silence much longer than the series' median interval
  burst,           // too many records of one series within a short time
  drift,           // a feature's recent distribution moved away from training (PSI)
};
inline constexpr std::size_t kQualityCheckCount = 9;

std::string_view check_name(QualityCheck check);
std::optional<QualityCheck> check_from_name(std::string_view name);

// pass: only counted; flag: counted and reported; drop: counted, reported, and
// the caller must not use the record (it goes to the rejects with the reason).
enum class QualityPolicy { pass, flag, drop };
std::string_view policy_name(QualityPolicy policy);

struct QualityConfig {
  // Unreadable, incomplete and non-finite records are dropped; the rest flagged.
  std::array<QualityPolicy, kQualityCheckCount> policies = {
      QualityPolicy::drop, QualityPolicy::drop, QualityPolicy::drop, QualityPolicy::flag, QualityPolicy::flag,
      QualityPolicy::flag, QualityPolicy::flag, QualityPolicy::flag, QualityPolicy::flag};

  // out_of_range: allowed is [min - margin * width, max + margin * width],
  // width = max - min, or max(|min|, |max|, 1) for a constant feature, for
  // each listed feature. index is a counter: once a series runs past the
  // training rows every record is out of range (the model extrapolates);
  // leave it out where that is expected.
  std::vector<RecordFeature> range_features = {RecordFeature::index, RecordFeature::value, RecordFeature::threshold};
  double range_margin = 0;
  // time_backwards, duplicate, gap and burst judge event_time: a record
  // without one (a prediction request) skips them.
  // duplicate: (index, event_time) keys remembered per series.
  std::size_t duplicate_memory = 64;
  // gap: an interval above gap_factor times the gap_quantile (the median by
  // default) of the last gap_window intervals, once gap_min_intervals have
  // been seen. Alarm streams are bursty: on the tutorial's series the median
  // interval is 36 s against a 90th percentile of 350 s, and the median
  // times 5 flags a quarter of the events, where the 90th percentile times
  // 3 flags about 1%. A high quantile wants a larger gap_min_intervals.
  double gap_factor = 5;
  double gap_quantile = 0.5;
  std::size_t gap_min_intervals = 10;
  std::size_t gap_window = 100;
  // burst: more than burst_max_records records whose event times all lie
  // within burst_window_seconds (checked over the last burst_max_records + 1).
  std::size_t burst_max_records = 20;
  double burst_window_seconds = 1;
  // drift: PSI of each listed feature over the series' last drift_window
  // records, evaluated every drift_every records once the window is full.
  // index is left out by default: it is a counter, so any recent window covers
  // a narrow band of the training range and would always look shifted.
  std::vector<RecordFeature> drift_features = {RecordFeature::value, RecordFeature::threshold};
  std::size_t drift_window = 200;
  std::size_t drift_every = 50;
  double drift_threshold = 0.25;
  double drift_epsilon = 1e-4;
  // Series tracked at once; beyond it the least recently seen is forgotten
  // (its counts move to the "evicted" total).
  std::size_t max_series = 10000;

  QualityPolicy policy(QualityCheck check) const { return policies[static_cast<std::size_t>(check)]; }
  QualityPolicy& policy(QualityCheck check) { return policies[static_cast<std::size_t>(check)]; }

  // Throws Error when a setting is out of its range.
  void validate() const;

  // Defaults overridden by e.g.
  // {"max_series": 5000, "gap": {"policy": "pass", "factor": 8},
  //  "drift": {"features": ["value"], "threshold": 0.2}, "schema": {"policy": "drop"}}.
  // Every check takes "policy" plus its own settings: out_of_range "margin",
  // "features"; duplicate "memory"; gap "factor", "quantile", "min_intervals", "window"; burst
  // "max_records", "window_seconds"; drift "features", "window", "every",
  // "threshold", "epsilon". Throws Error naming an unknown key or a bad value.
  static QualityConfig from_json(const nlohmann::json& config);
};

// QualityConfig::from_json of a JSON file; errors name the file.
QualityConfig read_quality_config(const std::filesystem::path& path);

}  // namespace edgeml
