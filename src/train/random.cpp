#include "train/random.h"

#include <utility>

namespace edgeml::train {

std::uint32_t uniform_below(std::mt19937& rng, std::uint32_t n) {
  // Draws landing in the incomplete last block of n values are redrawn.
  const std::uint32_t limit = static_cast<std::uint32_t>(0x100000000ull - 0x100000000ull % n);
  while (true) {
    std::uint64_t draw = rng();
    if (limit == 0 || draw < limit) return static_cast<std::uint32_t>(draw % n);
  }
}

double uniform_between(std::mt19937& rng, double low, double high) {
  double unit = static_cast<double>(rng() >> 8) / static_cast<double>(1u << 24);
  return low + (high - low) * unit;
}

void shuffle(std::mt19937& rng, std::vector<std::size_t>& order) {
  for (std::size_t i = order.size(); i > 1; --i)
    std::swap(order[i - 1], order[uniform_below(rng, static_cast<std::uint32_t>(i))]);
}

}  // namespace edgeml::train
