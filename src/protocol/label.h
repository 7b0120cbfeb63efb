// What a model's output means (docs/wire-protocol.md#label): the predicted
// event time as (event_time - offset) / scale, the tutorial's label, unless
// a manifest says otherwise.
#pragma once

#include <string>

namespace edgeml {

// The tutorial's label: thousands of seconds after Unix time 1487508915.
inline constexpr double kLabelOffset = 1487508915;
inline constexpr double kLabelScale = 1000;

// "{scale} s after Unix time {offset}", e.g. "1000 s after Unix time 1487508915".
std::string label_unit(double scale, double offset);

struct Label {
  double offset = kLabelOffset;
  double scale = kLabelScale;
  std::string unit = label_unit(kLabelScale, kLabelOffset);

  // The predicted event time in Unix seconds.
  double event_time(double output) const { return offset + scale * output; }
};

}  // namespace edgeml
