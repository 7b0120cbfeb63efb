// Inputs shaped like the tutorial's requests, for measuring a model rather
// than asking it anything: quantization calibration and checking that a
// written model computes what its source did.
#pragma once

#include <cstddef>
#include <vector>

namespace edgeml::convert {

// `count` inputs [index 0..3000, value 200..260, threshold 230], the same on
// every run.
std::vector<std::vector<float>> tutorial_like_inputs(std::size_t count);

}  // namespace edgeml::convert
