// The tutorial's seed models' reference outputs (../shared
// models/seed-tflite/reference_outputs.csv): an input and the prediction
// independent runtimes computed for it.
#pragma once

#include <string>
#include <vector>

namespace edgeml::test {

inline constexpr const char* kReferenceOutputs = "models/seed-tflite/reference_outputs.csv";

struct ReferenceRow {
  std::string model;         // file name without .tflite
  std::vector<float> input;  // index, or index, value, threshold
  double prediction = 0;
};

// Throws Error on a malformed row.
std::vector<ReferenceRow> read_reference_outputs();

// Whether `got` matches a reference prediction (float32 rounding allowed).
bool matches_reference(double got, double expected);

}  // namespace edgeml::test
