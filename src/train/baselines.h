// The naive forecasts a model of a series' past has to beat, made for the
// test rows from the same past the derived features read: the next event
// comes one last gap after the last one ("last gap"), or one median gap of
// the training rows after it ("median gap").
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "train/trainer.h"

namespace edgeml::train {

struct Forecast {
  std::string name;         // "last gap", "median gap"
  std::string description;  // how it forecasts, for the report
  std::size_t test_rows = 0;
  double test_mae = 0;  // label units
};

// Both forecasts over the test rows with at least two past events; none
// when no test row has them or the training rows hold no gap.
std::vector<Forecast> naive_forecasts(const TrainingData& data);

}  // namespace edgeml::train
