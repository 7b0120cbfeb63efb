// One BTS alarm event and its wire forms (../shared/spec/wire-protocol.md):
// the sensor's raw CSV line, the MQTT topic and the MQTT payload.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "core/error.h"

namespace edgeml {

// A time series is one station's datapoint/alarm combination.
struct SeriesId {
  std::string station;
  std::string datapoint;
  std::string alarm;

  // "station/datapoint/alarm", the tail of the series' topics.
  std::string path() const;
  auto operator<=>(const SeriesId&) const = default;
};

struct AlarmEvent {
  SeriesId series;
  double index = 0;
  double event_time = 0;  // Unix seconds
  double value = 0;
  double threshold = 0;
  bool active = false;
};

inline constexpr std::string_view kAlarmPrefix = "alarm";
inline constexpr std::string_view kFinishTopic = "alarm/finish";
inline constexpr std::string_view kFinishPayload = "True";
// Payloads longer than this are rejected unread: an event is ~40 bytes.
inline constexpr std::size_t kMaxPayloadBytes = 1024;

// "alarm/{station}/{datapoint}/{alarm}"
std::string alarm_topic(const SeriesId& series);

// "{station}/{datapoint}/{alarm}", three non-empty levels.
Status parse_series_path(std::string_view path, SeriesId& out);
// Reads the series from the last three levels of a topic such as
// alarm/1160629000/121/308; a prefix of one or more levels must come first.
Status parse_series_topic(std::string_view topic, SeriesId& out);

// "index,event_time,value,valueThreshold,isActive", e.g. "0.0,1487441883.0,231,230,True".
std::string format_payload(const AlarmEvent& event);
// Parses a payload into the measurement fields of `out` (not its series).
Status parse_payload(std::string_view payload, AlarmEvent& out);

// The sensor's raw line: index,old_idx,station,datapoint,alarm,event_time,value,
// valueThreshold,isActive, (with or without the trailing comma).
Status parse_raw_line(std::string_view line, AlarmEvent& out);
std::string format_raw_line(const AlarmEvent& event, long old_index);

}  // namespace edgeml
