// FULLY_CONNECTED: out[b][o] = act(sum_i in[b][i] * weights[o][i] + bias[o]).
#include <fmt/format.h>

#include "core/error.h"
#include "runtime/kernels/kernel.h"

namespace edgeml::runtime {

namespace {

class FullyConnected : public Kernel {
 public:
  FullyConnected(const float* in, const float* weights, const float* bias, float* out, std::size_t batch,
                 std::size_t in_units, std::size_t out_units, Activation act)
      : in_(in), w_(weights), bias_(bias), out_(out), batch_(batch), in_units_(in_units), out_units_(out_units),
        act_(act) {}

  void run() override {
    for (std::size_t b = 0; b < batch_; ++b) {
      const float* x = in_ + b * in_units_;
      float* y = out_ + b * out_units_;
      for (std::size_t o = 0; o < out_units_; ++o) {
        const float* w = w_ + o * in_units_;
        float sum = bias_ ? bias_[o] : 0.0f;
        for (std::size_t i = 0; i < in_units_; ++i) sum += x[i] * w[i];
        y[o] = sum;
      }
    }
    apply_activation(act_, out_, batch_ * out_units_);
  }

 private:
  const float* in_;
  const float* w_;
  const float* bias_;
  float* out_;
  std::size_t batch_, in_units_, out_units_;
  Activation act_;
};

}  // namespace

std::unique_ptr<Kernel> make_fully_connected_kernel(const Op& op, const Graph& g, const TensorBuffers& buffers) {
  if (op.inputs.size() < 2 || op.inputs.size() > 3 || op.outputs.size() != 1)
    throw Error("FULLY_CONNECTED: expects input, weights, optional bias and 1 output");
  const Tensor& in = g.tensors[static_cast<std::size_t>(op.inputs[0])];
  const Tensor& w = g.tensors[static_cast<std::size_t>(op.inputs[1])];
  const Tensor& out = g.tensors[static_cast<std::size_t>(op.outputs[0])];
  if (w.shape.size() != 2) throw Error(fmt::format("FULLY_CONNECTED: weights '{}' are not 2-D", w.name));
  auto out_units = static_cast<std::size_t>(w.shape[0]);
  auto in_units = static_cast<std::size_t>(w.shape[1]);
  if (in_units == 0 || in.element_count() % in_units != 0)
    throw Error(fmt::format("FULLY_CONNECTED: input '{}' does not divide into rows of {}", in.name, in_units));
  std::size_t batch = in.element_count() / in_units;
  if (out.element_count() != batch * out_units)
    throw Error(fmt::format("FULLY_CONNECTED: output '{}' has {} elements, not {}", out.name, out.element_count(),
                            batch * out_units));
  if (in.type == DataType::int8) return make_fully_connected_int8_kernel(op, g, buffers);
  const float* bias = nullptr;
  if (op.inputs.size() == 3 && op.inputs[2] >= 0) {
    if (g.tensors[static_cast<std::size_t>(op.inputs[2])].element_count() != out_units)
      throw Error("FULLY_CONNECTED: bias size differs from the output units");
    bias = float_buffer(op, g, buffers, op.inputs[2]);
  }
  return std::make_unique<FullyConnected>(float_buffer(op, g, buffers, op.inputs[0]),
                                          float_buffer(op, g, buffers, op.inputs[1]), bias,
                                          float_buffer(op, g, buffers, op.outputs[0]), batch, in_units, out_units,
                                          op.activation);
}

}  // namespace edgeml::runtime
