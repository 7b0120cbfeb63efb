// The tutorial models' reference outputs (../shared/models/seed-tflite/
// reference_outputs.csv) checked against any way of loading those models.
#pragma once

#include <functional>
#include <string>

#include "support/reference_outputs.h"
#include "runtime/graph.h"

namespace edgeml::test {

// Runs every row through a Graph from `load(model name)`, e.g. "multi_var_LR",
// and expects matches_reference. Returns the rows checked.
int expect_reference_outputs(const std::function<runtime::Graph(const std::string& model)>& load);

}  // namespace edgeml::test
