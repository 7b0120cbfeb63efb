// An exponential moving average of a network's weights and biases, updated
// after every optimiser step:
//   average = momentum * average + (1 - momentum) * weights,
// starting from the weights it is made with. Keras' optimizers keep the same
// average when asked (use_ema, momentum 0.99 by default).
//
// Why: at the linear models' learning rate of 0.1, Adam's steps move the
// weights by about as much as the error they correct, so the weights after
// any one step are a noisy draw; their average over the last hundred or so
// steps predicts better and varies far less from seed to seed.
#pragma once

#include "train/mlp.h"

namespace edgeml::train {

class WeightAverage {
 public:
  // Throws Error unless 0 < momentum < 1.
  WeightAverage(const Mlp<float>& network, float momentum);

  void update(const Mlp<float>& network);
  // A network with the averaged weights, for evaluating or keeping.
  const Mlp<float>& network() const { return average_; }

 private:
  Mlp<float> average_;
  float momentum_;
};

}  // namespace edgeml::train
