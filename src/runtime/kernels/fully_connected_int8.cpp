// FULLY_CONNECTED on int8 with TensorFlow Lite's integer semantics:
// acc = bias[o] + sum_i (x[i] - x_zero) * w[o][i] in int32, rescaled by
// in_scale * w_scale / out_scale in fixed point, plus the output zero point,
// clamped to the fused activation's range. Weights are symmetric (zero point 0).
#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/kernels/fixed_point.h"
#include "runtime/kernels/kernel.h"

namespace edgeml::runtime {

namespace {

struct Int8Layer {
  std::size_t batch = 0, in_units = 0, out_units = 0;
  FixedPointMultiplier rescale;
  std::int32_t out_zero_point = 0;
  Int8Range range;
};

class FullyConnectedInt8 : public Kernel {
 public:
  // `row_offsets[o]` = bias[o] - x_zero * sum_i w[o][i]: the input zero
  // point folded in once, so the inner loop is a plain dot product.
  FullyConnectedInt8(const std::int8_t* in, const std::int8_t* weights, std::vector<std::int32_t> row_offsets,
                     std::int8_t* out, Int8Layer layer)
      : in_(in), w_(weights), row_offsets_(std::move(row_offsets)), out_(out), layer_(layer) {}

  void run() override {
    const std::size_t n = layer_.in_units;
    for (std::size_t b = 0; b < layer_.batch; ++b) {
      const std::int8_t* x = in_ + b * n;
      std::int8_t* y = out_ + b * layer_.out_units;
      for (std::size_t o = 0; o < layer_.out_units; ++o) {
        const std::int8_t* w = w_ + o * n;
        std::int32_t acc = 0;
        for (std::size_t i = 0; i < n; ++i) acc += static_cast<std::int32_t>(x[i]) * w[i];
        std::int32_t v = multiply(acc + row_offsets_[o], layer_.rescale) + layer_.out_zero_point;
        y[o] = static_cast<std::int8_t>(std::clamp(v, layer_.range.min, layer_.range.max));
      }
    }
  }

 private:
  const std::int8_t* in_;
  const std::int8_t* w_;
  std::vector<std::int32_t> row_offsets_;
  std::int8_t* out_;
  Int8Layer layer_;
};

}  // namespace

std::unique_ptr<Kernel> make_fully_connected_int8_kernel(const Op& op, const Graph& g, const TensorBuffers& buffers) {
  const Tensor& in = g.tensors[static_cast<std::size_t>(op.inputs[0])];
  const Tensor& w = g.tensors[static_cast<std::size_t>(op.inputs[1])];
  const Tensor& out = g.tensors[static_cast<std::size_t>(op.outputs[0])];
  for (const Tensor* t : {&in, &w, &out}) check_int8_quantization(op, *t);
  if (w.zero_point != 0) throw Error(fmt::format("FULLY_CONNECTED: int8 weights '{}' have a zero point", w.name));
  if (!w.is_constant()) throw Error(fmt::format("FULLY_CONNECTED: int8 weights '{}' are not constant", w.name));
  Int8Layer layer;
  layer.out_units = static_cast<std::size_t>(w.shape[0]);
  layer.in_units = static_cast<std::size_t>(w.shape[1]);
  layer.batch = in.element_count() / layer.in_units;
  layer.rescale = fixed_point_multiplier(static_cast<double>(in.scale) * w.scale / out.scale);
  layer.out_zero_point = static_cast<std::int32_t>(out.zero_point);
  layer.range = int8_activation_range(op, out, op.activation);

  const std::int8_t* weights = int8_buffer(op, g, buffers, op.inputs[1]);
  std::vector<std::int32_t> row_offsets(layer.out_units, 0);
  if (op.inputs.size() == 3 && op.inputs[2] >= 0) {
    const Tensor& bias = g.tensors[static_cast<std::size_t>(op.inputs[2])];
    if (bias.element_count() != layer.out_units)
      throw Error(fmt::format("FULLY_CONNECTED: bias '{}' size differs from the output units", bias.name));
    if (!bias.is_constant()) throw Error(fmt::format("FULLY_CONNECTED: bias '{}' is not constant", bias.name));
    const std::int32_t* values = int32_buffer(op, g, buffers, op.inputs[2]);
    std::copy(values, values + layer.out_units, row_offsets.begin());
  }
  for (std::size_t o = 0; o < layer.out_units; ++o) {
    std::int32_t sum = 0;
    for (std::size_t i = 0; i < layer.in_units; ++i) sum += weights[o * layer.in_units + i];
    row_offsets[o] -= static_cast<std::int32_t>(in.zero_point) * sum;
  }
  return std::make_unique<FullyConnectedInt8>(int8_buffer(op, g, buffers, op.inputs[0]), weights, std::move(row_offsets),
                                              int8_buffer(op, g, buffers, op.outputs[0]), layer);
}

}  // namespace edgeml::runtime
