#include "convert/probe_inputs.h"

#include <random>

namespace edgeml::convert {

std::vector<std::vector<float>> tutorial_like_inputs(std::size_t count) {
  std::mt19937 rng(797);
  std::vector<std::vector<float>> inputs;
  inputs.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto index = static_cast<float>(rng() % 3001);
    auto value = static_cast<float>(200 + rng() % 61);
    inputs.push_back({index, value, 230.0f});
  }
  return inputs;
}

}  // namespace edgeml::convert
