// Helpers for runtime tests: hand-made tensors, and the tutorial models'
// reference outputs (../shared/models/seed-tflite/reference_outputs.csv)
// checked against any way of loading those models.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "runtime/graph.h"

namespace edgeml::test {

inline constexpr const char* kReferenceOutputs = "models/seed-tflite/reference_outputs.csv";

// Runs every row through a Graph from `load(model name)`, e.g. "multi_var_LR",
// and expects |got - want| <= 1e-4 * max(1, |want|). Returns the rows checked.
int expect_reference_outputs(const std::function<runtime::Graph(const std::string& model)>& load);

// A float32 tensor; a constant when `values` are given.
runtime::Tensor float_tensor(std::string name, std::vector<std::int32_t> shape, const std::vector<float>& values = {});

}  // namespace edgeml::test
