#include "quality/data_quality.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "quality/series_quality.h"

namespace edgeml {

namespace {

constexpr std::array<const char*, 4> kFieldNames = {"index", "event_time", "value", "valueThreshold"};

// The feature a field is, if it is one (event_time is not).
std::optional<RecordFeature> field_feature(std::size_t field) {
  static constexpr std::array<std::optional<RecordFeature>, 4> kFeatures = {
      RecordFeature::index, std::nullopt, RecordFeature::value, RecordFeature::threshold};
  return kFeatures[field];
}

std::array<const std::optional<double>*, 4> fields_of(const QualityRecord& r) {
  return {&r.index, &r.event_time, &r.value, &r.threshold};
}

QualityAction action_of(QualityPolicy policy) {
  return policy == QualityPolicy::drop ? QualityAction::drop : QualityAction::flag;
}

}  // namespace

struct DataQualityMonitor::Series {
  SeriesQuality state;
  QualityCounts counts;
  std::list<const SeriesId*>::iterator recency;
};

std::string_view action_name(QualityAction action) {
  static constexpr std::array<std::string_view, 3> kNames = {"keep", "flag", "drop"};
  return kNames[static_cast<std::size_t>(action)];
}

bool QualityVerdict::has(QualityCheck check) const {
  return std::any_of(findings.begin(), findings.end(), [&](const QualityFinding& f) { return f.check == check; });
}

std::string QualityVerdict::reasons() const {
  std::string text;
  for (const QualityFinding& f : findings) {
    if (!text.empty()) text += "; ";
    text += fmt::format("{}: {}", check_name(f.check), f.reason);
  }
  return text;
}

void QualityCounts::add(const QualityCounts& other) {
  records += other.records;
  passed += other.passed;
  dropped += other.dropped;
  for (std::size_t i = 0; i < findings.size(); ++i) findings[i] += other.findings[i];
}

DataQualityMonitor::DataQualityMonitor(QualityConfig config, ReferenceStatistics reference)
    : config_(std::move(config)), reference_(std::move(reference)) {
  config_.validate();
  observed_.reserve(16);
}

DataQualityMonitor::~DataQualityMonitor() = default;

QualityVerdict DataQualityMonitor::inspect(const QualityRecord& record) {
  QualityVerdict verdict;
  inspect(record, verdict);
  return verdict;
}

void DataQualityMonitor::inspect(const QualityRecord& record, QualityVerdict& out) {
  std::lock_guard lock(mutex_);
  out.action = QualityAction::keep;
  out.findings.clear();
  observed_.clear();
  const SeriesId& id = record.series;
  Series* series = id.station.empty() || id.datapoint.empty() || id.alarm.empty() ? nullptr : &track(id);
  if (!record.schema_error.empty()) {
    observed_.push_back({QualityCheck::schema, std::nullopt, 0, 0, record.schema_error});
  } else {
    check_fields(record);
    if (series) series->state.inspect(record, scratch_, observed_);
  }
  conclude(series ? &series->counts : &unattributed_, out);
}

void DataQualityMonitor::check_fields(const QualityRecord& record) {
  auto fields = fields_of(record);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::optional<double>& field = *fields[i];
    bool required = i != 1 || record.source == RecordSource::alarm_event;
    if (!field) {
      if (required)
        observed_.push_back({QualityCheck::missing, field_feature(i), 0, 0, fmt::format("{} is missing", kFieldNames[i])});
    } else if (!std::isfinite(*field)) {
      observed_.push_back({QualityCheck::not_finite, field_feature(i), *field, 0,
                           fmt::format("{} is {}, not a finite number", kFieldNames[i], *field)});
    }
  }
  for (RecordFeature feature : config_.range_features) {
    const auto& stats = reference_[feature];
    auto x = record.feature(feature);
    if (!stats || !x || !std::isfinite(*x)) continue;
    double width = stats->max > stats->min ? stats->max - stats->min
                                           : std::max({std::abs(stats->min), std::abs(stats->max), 1.0});
    double low = stats->min - config_.range_margin * width, high = stats->max + config_.range_margin * width;
    if (*x < low || *x > high)
      observed_.push_back({QualityCheck::out_of_range, feature, *x, *x < low ? low : high,
                           fmt::format("{} {} is {} the training range [{}, {}]{}", feature_name(feature), *x,
                                       *x < low ? "below" : "above", stats->min, stats->max,
                                       config_.range_margin > 0
                                           ? fmt::format(" widened by {} of its width", config_.range_margin)
                                           : "")});
  }
}

void DataQualityMonitor::conclude(QualityCounts* series, QualityVerdict& out) {
  for (QualityFinding& finding : observed_) {
    auto check = static_cast<std::size_t>(finding.check);
    ++series->findings[check];
    ++total_.findings[check];
    QualityPolicy policy = config_.policy(finding.check);
    if (policy == QualityPolicy::pass) continue;
    out.action = std::max(out.action, action_of(policy));
    out.findings.push_back(std::move(finding));
  }
  ++series->records;
  ++total_.records;
  if (out.action == QualityAction::keep) {
    ++series->passed;
    ++total_.passed;
  } else if (out.action == QualityAction::drop) {
    ++series->dropped;
    ++total_.dropped;
  }
}

DataQualityMonitor::Series& DataQualityMonitor::track(const SeriesId& id) {
  if (auto it = series_.find(id); it != series_.end()) {
    recency_.splice(recency_.begin(), recency_, it->second->recency);
    return *it->second;
  }
  if (series_.size() >= config_.max_series) {
    auto oldest = series_.find(*recency_.back());
    evicted_.add(oldest->second->counts);
    recency_.pop_back();
    series_.erase(oldest);
  }
  auto [it, added] =
      series_.emplace(id, std::make_unique<Series>(Series{SeriesQuality(config_, reference_), {}, {}}));
  recency_.push_front(&it->first);
  it->second->recency = recency_.begin();
  return *it->second;
}

void DataQualityMonitor::set_reference(ReferenceStatistics reference) {
  std::lock_guard lock(mutex_);
  reference_ = std::move(reference);
  for (auto& [id, series] : series_) series->state.restart_drift(reference_);
}

QualitySnapshot DataQualityMonitor::counts() const {
  std::lock_guard lock(mutex_);
  QualitySnapshot snapshot;
  for (const auto& [id, series] : series_) snapshot.series.emplace(id.path(), series->counts);
  snapshot.evicted = evicted_;
  snapshot.unattributed = unattributed_;
  snapshot.total = total_;
  return snapshot;
}

std::size_t DataQualityMonitor::series_tracked() const {
  std::lock_guard lock(mutex_);
  return series_.size();
}

}  // namespace edgeml
