// One record as data quality sees it (an alarm event, or a prediction
// request), and what a check finds wrong with it: what DataQualityMonitor
// (core/data_quality.h) and each series' state (core/series_quality.h) share.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/alarm_event.h"
#include "quality/data_quality_config.h"

namespace edgeml {

// What a record must carry: alarm events need all four numbers; prediction
// requests have no event_time (one given anyway is used by the time checks).
enum class RecordSource { alarm_event, prediction_request };

struct QualityRecord {
  RecordSource source = RecordSource::alarm_event;
  SeriesId series;           // all empty when the topic could not be read
  std::string schema_error;  // why the payload could not be read; the fields are then ignored
  // Absent (or empty in the payload) fields are nullopt; NaN and infinity are kept as read.
  std::optional<double> index, event_time, value, threshold;

  static QualityRecord from_event(const AlarmEvent& event);
  std::optional<double> feature(RecordFeature f) const;
};

// Reads an MQTT alarm message as the monitor sees it: an unreadable topic,
// wrong field count, non-number or bad isActive is a schema_error; an empty
// field is absent; "nan" and "inf" are kept. Never throws.
QualityRecord read_alarm_record(std::string_view topic, std::string_view payload);

struct QualityFinding {
  QualityCheck check = QualityCheck::schema;
  std::optional<RecordFeature> feature;  // for missing, not_finite, out_of_range, drift
  // What broke which bound: the value and the range's limit, the interval and
  // the gap limit, the PSI and its threshold, the record count and the burst
  // limit, the event time and the series' latest; for a duplicate its index
  // and event_time.
  double measured = 0;
  double bound = 0;
  std::string reason;  // e.g. "value 400 is above the training maximum 331"
};

}  // namespace edgeml
