// One model's online accuracy on one series, as the stats and /metrics give it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "protocol/alarm_event.h"

namespace edgeml::serve {

struct ModelAccuracy {
  std::string model, version;
  SeriesId series;
  std::uint64_t scored = 0;  // since this version first scored here
  double mae = 0;            // over those
  double window_mae = 0;     // over the last `window` of them
  std::size_t window_count = 0;
  double ewma_mae = 0;
  std::optional<double> test_mae;
  bool alert = false;
};

}  // namespace edgeml::serve
