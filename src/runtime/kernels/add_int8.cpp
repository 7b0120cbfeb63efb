// ADD on int8 as TensorFlow Lite computes it: both inputs, less their zero
// points, are shifted left 20 bits and rescaled in fixed point to a common
// scale (twice the larger input scale), summed, rescaled to the output, and
// clamped to the fused activation's range. Both inputs have the output's
// element count (no broadcasting on int8 yet).
#include <algorithm>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/kernels/fixed_point.h"
#include "runtime/kernels/kernel.h"

namespace edgeml::runtime {

namespace {

// Headroom for the rescaled inputs: 20 bits keeps 8-bit values exact and sums in int32.
constexpr int kLeftShift = 20;

struct Operand {
  const std::int8_t* data = nullptr;
  std::int32_t zero_point = 0;
  FixedPointMultiplier rescale;
};

class AddInt8 : public Kernel {
 public:
  AddInt8(Operand a, Operand b, std::int8_t* out, std::size_t n, std::int32_t out_zero, FixedPointMultiplier out_rescale,
          Int8Range range)
      : a_(a), b_(b), out_(out), n_(n), out_zero_(out_zero), out_rescale_(out_rescale), range_(range) {}

  void run() override {
    for (std::size_t i = 0; i < n_; ++i) {
      std::int32_t sum = scaled(a_, i) + scaled(b_, i);
      std::int32_t v = out_zero_ + multiply(sum, out_rescale_);
      out_[i] = static_cast<std::int8_t>(std::clamp(v, range_.min, range_.max));
    }
  }

 private:
  static std::int32_t scaled(const Operand& x, std::size_t i) {
    return multiply((x.data[i] - x.zero_point) * (1 << kLeftShift), x.rescale);
  }

  Operand a_, b_;
  std::int8_t* out_;
  std::size_t n_;
  std::int32_t out_zero_;
  FixedPointMultiplier out_rescale_;
  Int8Range range_;
};

}  // namespace

std::unique_ptr<Kernel> make_add_int8_kernel(const Op& op, const Graph& g, const TensorBuffers& buffers) {
  if (op.kind != OpKind::add) throw Error(fmt::format("{} is not supported on int8", op_name(op.kind)));
  const Tensor& a = g.tensors[static_cast<std::size_t>(op.inputs[0])];
  const Tensor& b = g.tensors[static_cast<std::size_t>(op.inputs[1])];
  const Tensor& out = g.tensors[static_cast<std::size_t>(op.outputs[0])];
  for (const Tensor* t : {&a, &b, &out}) {
    check_int8_quantization(op, *t);
    if (t->element_count() != out.element_count())
      throw Error(fmt::format("ADD: int8 '{}' has {} elements, not the output's {} (no broadcasting on int8)", t->name,
                              t->element_count(), out.element_count()));
  }
  const double common_scale = 2.0 * std::max(a.scale, b.scale);
  auto operand = [&](const Tensor& t, int index) {
    return Operand{int8_buffer(op, g, buffers, index), static_cast<std::int32_t>(t.zero_point),
                   fixed_point_multiplier(t.scale / common_scale)};
  };
  return std::make_unique<AddInt8>(operand(a, op.inputs[0]), operand(b, op.inputs[1]),
                                   int8_buffer(op, g, buffers, op.outputs[0]), out.element_count(),
                                   static_cast<std::int32_t>(out.zero_point),
                                   fixed_point_multiplier(common_scale / ((1 << kLeftShift) * static_cast<double>(out.scale))),
                                   int8_activation_range(op, out, op.activation));
}

}  // namespace edgeml::runtime
