#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/kernels/kernel.h"

namespace edgeml::runtime {

void apply_activation(Activation a, float* data, std::size_t n) {
  switch (a) {
    case Activation::none: return;
    case Activation::relu:
      for (std::size_t i = 0; i < n; ++i) data[i] = std::max(data[i], 0.0f);
      return;
    case Activation::relu6:
      for (std::size_t i = 0; i < n; ++i) data[i] = std::clamp(data[i], 0.0f, 6.0f);
      return;
    case Activation::tanh:
      for (std::size_t i = 0; i < n; ++i) data[i] = std::tanh(data[i]);
      return;
  }
}

float* float_buffer(const Op& op, const Graph& g, const std::vector<float*>& buffers, int tensor) {
  const Tensor& t = g.tensors[static_cast<std::size_t>(tensor)];
  float* p = buffers[static_cast<std::size_t>(tensor)];
  if (!p || t.type != DataType::float32)
    throw Error(fmt::format("{}: tensor '{}' is {}; only float32 runs so far", op_name(op.kind), t.name,
                            type_name(t.type)));
  return p;
}

}  // namespace edgeml::runtime
