// RELU and RELU6 on int8 as TensorFlow Lite computes them: the input moved to
// the output's quantization in fixed point, then clamped to the activation's
// range: y = clamp(out_zero + (x - in_zero) * in_scale / out_scale).
#include <algorithm>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/kernels/fixed_point.h"
#include "runtime/kernels/kernel.h"

namespace edgeml::runtime {

namespace {

class ActivationInt8 : public Kernel {
 public:
  ActivationInt8(const std::int8_t* in, std::int8_t* out, std::size_t n, std::int32_t in_zero, std::int32_t out_zero,
                 FixedPointMultiplier rescale, Int8Range range)
      : in_(in), out_(out), n_(n), in_zero_(in_zero), out_zero_(out_zero), rescale_(rescale), range_(range) {}

  void run() override {
    for (std::size_t i = 0; i < n_; ++i) {
      std::int32_t v = out_zero_ + multiply(in_[i] - in_zero_, rescale_);
      out_[i] = static_cast<std::int8_t>(std::clamp(v, range_.min, range_.max));
    }
  }

 private:
  const std::int8_t* in_;
  std::int8_t* out_;
  std::size_t n_;
  std::int32_t in_zero_, out_zero_;
  FixedPointMultiplier rescale_;
  Int8Range range_;
};

}  // namespace

std::unique_ptr<Kernel> make_activation_int8_kernel(const Op& op, const Graph& g, const TensorBuffers& buffers) {
  const Tensor& in = g.tensors[static_cast<std::size_t>(op.inputs[0])];
  const Tensor& out = g.tensors[static_cast<std::size_t>(op.outputs[0])];
  check_int8_quantization(op, in);
  check_int8_quantization(op, out);
  Activation activation = op.kind == OpKind::relu ? Activation::relu : Activation::relu6;
  if (op.kind != OpKind::relu && op.kind != OpKind::relu6)
    throw Error(fmt::format("{} is not supported on int8", op_name(op.kind)));
  return std::make_unique<ActivationInt8>(
      int8_buffer(op, g, buffers, op.inputs[0]), int8_buffer(op, g, buffers, op.outputs[0]), in.element_count(),
      static_cast<std::int32_t>(in.zero_point), static_cast<std::int32_t>(out.zero_point),
      fixed_point_multiplier(static_cast<double>(in.scale) / out.scale), int8_activation_range(op, out, activation));
}

}  // namespace edgeml::runtime
