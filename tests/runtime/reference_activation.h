// The activations as plain formulas: what the tests hold the kernels to.
#pragma once

#include <algorithm>
#include <cmath>

#include "runtime/kernels/kernel.h"

namespace edgeml::runtime {

inline float reference_activate(Activation act, float v) {
  switch (act) {
    case Activation::none: return v;
    case Activation::relu: return std::max(v, 0.0f);
    case Activation::relu6: return std::clamp(v, 0.0f, 6.0f);
    case Activation::tanh: return std::tanh(v);
  }
  return v;
}

}  // namespace edgeml::runtime
