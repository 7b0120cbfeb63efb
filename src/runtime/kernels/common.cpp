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

void* typed_buffer(const Op& op, const Graph& g, const TensorBuffers& buffers, int tensor, DataType expected) {
  const Tensor& t = g.tensors[static_cast<std::size_t>(tensor)];
  if (t.type != expected)
    throw Error(fmt::format("{}: tensor '{}' is {}, not {}", op_name(op.kind), t.name, type_name(t.type),
                            type_name(expected)));
  return buffers[static_cast<std::size_t>(tensor)];
}

}  // namespace edgeml::runtime
