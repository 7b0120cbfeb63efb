// What a model's output means: the predicted event time as
// (event_time - offset) / scale, the tutorial's label (wire-protocol.md),
// unless a manifest says otherwise.
#pragma once

#include <string>

namespace edgeml {

struct Label {
  double offset = 1487508915;
  double scale = 1000;
  std::string unit = "1000 s after Unix time 1487508915";

  // The predicted event time in Unix seconds.
  double event_time(double output) const { return offset + scale * output; }
};

}  // namespace edgeml
