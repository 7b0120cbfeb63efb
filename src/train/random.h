// Random numbers made from std::mt19937's raw output. The standard
// distributions differ between standard libraries; these do not, so a seed
// trains the same model with any compiler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace edgeml::train {

// Uniform in [0, n), n > 0, without modulo bias.
std::uint32_t uniform_below(std::mt19937& rng, std::uint32_t n);

// Uniform in [low, high), 24 random bits.
double uniform_between(std::mt19937& rng, double low, double high);

// Fisher-Yates shuffle.
void shuffle(std::mt19937& rng, std::vector<std::size_t>& order);

}  // namespace edgeml::train
