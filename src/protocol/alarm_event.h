// One BTS alarm event and its wire forms (docs/wire-protocol.md#sensor-events):
// the sensor's raw CSV line and the MQTT payload (its topic: topics.h).
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "protocol/series_id.h"
#include "protocol/topics.h"

namespace edgeml {

struct AlarmEvent {
  SeriesId series;
  double index = 0;
  double event_time = 0;  // Unix seconds
  double value = 0;
  double threshold = 0;
  bool active = false;
};

inline constexpr std::string_view kFinishPayload = "True";
// Payloads longer than this are rejected unread: an event is ~40 bytes.
inline constexpr std::size_t kMaxPayloadBytes = 1024;

// "index,event_time,value,valueThreshold,isActive", e.g. "0.0,1487441883.0,231,230,True".
std::string format_payload(const AlarmEvent& event);
// Parses a payload into the measurement fields of `out` (not its series).
Status parse_payload(std::string_view payload, AlarmEvent& out);

// The sensor's raw line: index,old_idx,station,datapoint,alarm,event_time,value,
// valueThreshold,isActive, (with or without the trailing comma).
Status parse_raw_line(std::string_view line, AlarmEvent& out);
std::string format_raw_line(const AlarmEvent& event, long old_index);

}  // namespace edgeml
