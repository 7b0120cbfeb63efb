// RELU, RELU6, LOGISTIC, TANH, CLIP, elementwise.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/kernels/kernel.h"

namespace edgeml::runtime {

namespace {

class Unary : public Kernel {
 public:
  Unary(const Op& op, const float* in, float* out, std::size_t n)
      : kind_(op.kind), min_(op.clip_min), max_(op.clip_max), in_(in), out_(out), n_(n) {}

  void run() override {
    if (kind_ == OpKind::logistic) {
      for (std::size_t i = 0; i < n_; ++i) out_[i] = 1.0f / (1.0f + std::exp(-in_[i]));
      return;
    }
    if (kind_ == OpKind::clip) {
      // Like NumPy's clip, a minimum above the maximum gives the maximum.
      for (std::size_t i = 0; i < n_; ++i) out_[i] = std::min(std::max(in_[i], min_), max_);
      return;
    }
    for (std::size_t i = 0; i < n_; ++i) out_[i] = in_[i];
    apply_activation(kind_ == OpKind::relu ? Activation::relu : kind_ == OpKind::relu6 ? Activation::relu6 : Activation::tanh,
                     out_, n_);
  }

 private:
  OpKind kind_;
  float min_, max_;
  const float* in_;
  float* out_;
  std::size_t n_;
};

}  // namespace

std::unique_ptr<Kernel> make_unary_kernel(const Op& op, const Graph& g, const TensorBuffers& buffers,
                                          const KernelOptions&) {
  if (op.inputs.size() != 1 || op.outputs.size() != 1)
    throw Error(fmt::format("{}: expects 1 input and 1 output", op_name(op.kind)));
  const Tensor& in = g.tensors[static_cast<std::size_t>(op.inputs[0])];
  if (in.element_count() != g.tensors[static_cast<std::size_t>(op.outputs[0])].element_count())
    throw Error(fmt::format("{}: input and output sizes differ", op_name(op.kind)));
  if (in.type == DataType::int8) return make_activation_int8_kernel(op, g, buffers);
  return std::make_unique<Unary>(op, float_buffer(op, g, buffers, op.inputs[0]),
                                 float_buffer(op, g, buffers, op.outputs[0]), in.element_count());
}

}  // namespace edgeml::runtime
