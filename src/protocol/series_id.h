// Which time series a message is about (docs/wire-protocol.md#series): the
// last three levels of the sensor, request and reply topics.
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

// "{station}/{datapoint}/{alarm}", three non-empty levels.
Status parse_series_path(std::string_view path, SeriesId& out);

}  // namespace edgeml
