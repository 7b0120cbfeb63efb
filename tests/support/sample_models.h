// Two small float models built in code with fixed weights, shared by tests,
// cross-checks and benchmarks so they all run the same computation. Each takes
// one [1, 3] input (the tutorial's index, value, threshold) and gives [1, 1].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/graph.h"

namespace edgeml::test {

// y = x . w + b: one FULLY_CONNECTED.
runtime::Graph sample_linear_model();

// 3 -> 64 -> 64 -> 1: two FULLY_CONNECTED layers with a fused ReLU and a
// linear one; weights drawn from a seeded generator, the same on every run.
runtime::Graph sample_relu_network();

// 3 -> width -> width -> 1, the same shape at any width: a model slow enough
// (about width^2 multiply-adds) to keep a server busy.
runtime::Graph sample_wide_network(int width);
// sample_relu_network() quantized to int8 (float input and output) with
// sample_inputs(256) as calibration data.
runtime::Graph sample_relu_network_int8();

// convert::tutorial_like_inputs(count).
std::vector<std::vector<float>> sample_inputs(std::size_t count);

}  // namespace edgeml::test
