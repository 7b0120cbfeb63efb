#include "train/weight_average.h"

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::train {

WeightAverage::WeightAverage(const Mlp<float>& network, float momentum) : average_(network), momentum_(momentum) {
  if (!(momentum > 0 && momentum < 1))
    throw Error(fmt::format("the weight average's momentum must be between 0 and 1, not {}", momentum));
}

void WeightAverage::update(const Mlp<float>& network) {
  const float keep = momentum_, take = 1 - momentum_;
  auto& averaged = average_.layers();
  const auto& current = network.layers();
  for (std::size_t l = 0; l < averaged.size(); ++l) {
    averaged[l].weights = keep * averaged[l].weights + take * current[l].weights;
    averaged[l].bias = keep * averaged[l].bias + take * current[l].bias;
  }
}

}  // namespace edgeml::train
