#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/kernels/fixed_point.h"
#include "runtime/kernels/kernel.h"

namespace edgeml::runtime {

void check_kernel_options(const KernelOptions& o) {
  const unsigned bits = o.max_vector_bits;
  if (bits != 0 && bits != 128 && bits != 256 && bits != 512)
    throw Error(fmt::format("the widest SIMD vectors must be 128, 256 or 512 bits (or 0 for the CPU's widest), not {}",
                            bits));
}

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

void check_int8_quantization(const Op& op, const Tensor& t) {
  if (t.type != DataType::int8)
    throw Error(fmt::format("{}: tensor '{}' is {}, not int8", op_name(op.kind), t.name, type_name(t.type)));
  if (!std::isfinite(t.scale) || t.scale <= 0)
    throw Error(fmt::format("{}: int8 tensor '{}' has scale {}, not a positive number", op_name(op.kind), t.name, t.scale));
  if (t.zero_point < -128 || t.zero_point > 127)
    throw Error(fmt::format("{}: int8 tensor '{}' has zero point {}, outside -128..127", op_name(op.kind), t.name,
                            t.zero_point));
}

Int8Range int8_activation_range(const Op& op, const Tensor& out, Activation a) {
  auto zero = static_cast<std::int32_t>(out.zero_point);
  switch (a) {
    case Activation::none: return {};
    case Activation::relu: return {std::max(-128, zero), 127};
    case Activation::relu6:
      return {std::max(-128, zero), std::min<std::int32_t>(127, zero + static_cast<std::int32_t>(std::round(6 / out.scale)))};
    case Activation::tanh: break;
  }
  throw Error(fmt::format("{}: a fused TANH is not supported on int8", op_name(op.kind)));
}

FixedPointMultiplier fixed_point_multiplier(double real_multiplier) {
  if (real_multiplier <= 0) return {};
  int shift = 0;
  double fraction = std::frexp(real_multiplier, &shift);  // in [0.5, 1)
  auto fixed = std::llround(fraction * static_cast<double>(std::int64_t{1} << 31));
  if (fixed == (std::int64_t{1} << 31)) {
    fixed /= 2;
    ++shift;
  }
  if (shift < -31) return {};  // too small to matter: every product rounds to 0
  return {static_cast<std::int32_t>(fixed), shift};
}

void* typed_buffer(const Op& op, const Graph& g, const TensorBuffers& buffers, int tensor, DataType expected) {
  const Tensor& t = g.tensors[static_cast<std::size_t>(tensor)];
  if (t.type != expected)
    throw Error(fmt::format("{}: tensor '{}' is {}, not {}", op_name(op.kind), t.name, type_name(t.type),
                            type_name(expected)));
  return buffers[static_cast<std::size_t>(tensor)];
}

}  // namespace edgeml::runtime
