// Which time series a message is about (docs/wire-protocol.md#series): the
// last three levels of the sensor, request and reply topics.
#pragma once

#include <compare>
#include <optional>
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

// "{station}/{datapoint}/{alarm}", three non-empty levels.
Status parse_series_path(std::string_view path, SeriesId& out);

// A model input that is 1 for a request of one series and 0 for any other:
// "series:STATION/DATAPOINT/ALARM", the series of a model trained on several
// pooled (edgeml train --pooled).
inline constexpr std::string_view kSeriesFeaturePrefix = "series:";
std::optional<SeriesId> parse_series_feature(std::string_view name);

}  // namespace edgeml
