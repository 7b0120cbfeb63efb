// The state DataQualityMonitor keeps for one series and the checks that need
// it: time_backwards, duplicate, gap, burst (over event_time) and drift (over
// each feature's recent values). Every window is allocated once, at its
// configured size, when the series is first seen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "quality/data_quality_config.h"
#include "quality/data_quality_record.h"
#include "quality/reference_statistics.h"

namespace edgeml {

// The last `capacity` values pushed, oldest overwritten first.
template <typename T>
class RecentValues {
 public:
  explicit RecentValues(std::size_t capacity) : slots_(capacity) {}

  // Adds `v`; returns the value it overwrote once full.
  std::optional<T> push(T v) {
    std::optional<T> overwritten;
    if (size_ == slots_.size()) overwritten = slots_[next_];
    else ++size_;
    slots_[next_] = v;
    next_ = (next_ + 1) % slots_.size();
    return overwritten;
  }
  std::size_t size() const { return size_; }
  bool full() const { return size_ == slots_.size(); }
  // The values held, in no particular order.
  const T* begin() const { return slots_.data(); }
  const T* end() const { return slots_.data() + size_; }

 private:
  std::vector<T> slots_;
  std::size_t next_ = 0, size_ = 0;
};

class SeriesQuality {
 public:
  SeriesQuality(const QualityConfig& config, const ReferenceStatistics& reference);

  // Appends to `found` what the series' state says of this record. `scratch`
  // is working space for the median (kept by the caller to avoid allocating).
  void inspect(const QualityRecord& record, std::vector<double>& scratch, std::vector<QualityFinding>& found);
  // Drift windows against a new reference, empty; the time checks keep their state.
  void restart_drift(const ReferenceStatistics& reference);

 private:
  struct EventKey {
    double index = 0, event_time = 0;
  };
  struct DriftWindow {
    RecordFeature feature;
    const FeatureStatistics* reference;
    RecentValues<std::uint16_t> bins;  // reference bin of each recent value
    std::vector<std::size_t> counts;   // values per bin in the window
    std::size_t since_evaluation = 0;
  };

  bool seen_before(const EventKey& key) const;
  void check_time(double event_time, std::vector<double>& scratch, std::vector<QualityFinding>& found);
  void check_drift(DriftWindow& window, double x, std::vector<QualityFinding>& found);

  const QualityConfig& config_;
  RecentValues<EventKey> keys_;
  RecentValues<double> intervals_;
  RecentValues<double> times_;  // the last burst_max_records + 1 event times
  std::optional<double> latest_time_;
  std::vector<DriftWindow> drift_;
};

}  // namespace edgeml
