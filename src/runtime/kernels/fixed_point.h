// Integer rescaling as TensorFlow Lite's quantized kernels do it, so int8
// results match theirs bit for bit: a real multiplier becomes a 32-bit
// fixed-point value and a power-of-two shift, chosen when a model loads.
#pragma once

#include <cstdint>

namespace edgeml::runtime {

struct FixedPointMultiplier {
  std::int32_t multiplier = 0;  // in [2^30, 2^31), or 0 for a zero multiplier
  int shift = 0;                // value = multiplier * 2^(shift - 31)
};

FixedPointMultiplier fixed_point_multiplier(double real_multiplier);

// round(x * a * 2^-31), saturating the one case that overflows (both INT32_MIN).
inline std::int32_t saturating_rounding_doubling_high_mul(std::int32_t a, std::int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  std::int64_t product = static_cast<std::int64_t>(a) * b;
  std::int64_t nudge = product >= 0 ? (1 << 30) : (1 - (1 << 30));
  return static_cast<std::int32_t>((product + nudge) / (std::int64_t{1} << 31));
}

// x / 2^exponent rounded to nearest, ties away from zero.
inline std::int32_t rounding_divide_by_power_of_two(std::int32_t x, int exponent) {
  const std::int32_t mask = static_cast<std::int32_t>((std::int64_t{1} << exponent) - 1);
  const std::int32_t remainder = x & mask;
  const std::int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

inline std::int32_t multiply(std::int32_t x, FixedPointMultiplier m) {
  const int left = m.shift > 0 ? m.shift : 0;
  const int right = m.shift > 0 ? 0 : -m.shift;
  return rounding_divide_by_power_of_two(
      saturating_rounding_doubling_high_mul(static_cast<std::int32_t>(x * (std::int64_t{1} << left)), m.multiplier),
      right);
}

}  // namespace edgeml::runtime
