// QUANTIZE (float32 -> int8) and DEQUANTIZE (int8 -> float32), per tensor:
// q = clamp(round(x / scale) + zero_point), x = scale * (q - zero_point).
#include <cmath>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/kernels/kernel.h"

namespace edgeml::runtime {

namespace {

class Quantize : public Kernel {
 public:
  Quantize(const float* in, std::int8_t* out, std::size_t n, float scale, std::int32_t zero_point)
      : in_(in), out_(out), n_(n), scale_(scale), zero_point_(static_cast<float>(zero_point)) {}

  void run() override {
    for (std::size_t i = 0; i < n_; ++i) {
      // fmin/fmax rather than clamp: a NaN input ends at 127 instead of an undefined cast.
      float q = std::round(in_[i] / scale_) + zero_point_;
      out_[i] = static_cast<std::int8_t>(std::fmax(-128.0f, std::fmin(127.0f, q)));
    }
  }

 private:
  const float* in_;
  std::int8_t* out_;
  std::size_t n_;
  float scale_, zero_point_;
};

class Dequantize : public Kernel {
 public:
  Dequantize(const std::int8_t* in, float* out, std::size_t n, double scale, std::int32_t zero_point)
      : in_(in), out_(out), n_(n), scale_(scale), zero_point_(zero_point) {}

  void run() override {
    for (std::size_t i = 0; i < n_; ++i) out_[i] = static_cast<float>(scale_ * (in_[i] - zero_point_));
  }

 private:
  const std::int8_t* in_;
  float* out_;
  std::size_t n_;
  double scale_;
  std::int32_t zero_point_;
};

}  // namespace

std::unique_ptr<Kernel> make_quantize_kernel(const Op& op, const Graph& g, const TensorBuffers& buffers,
                                             const KernelOptions&) {
  const char* name = op_name(op.kind);
  if (op.inputs.size() != 1 || op.outputs.size() != 1) throw Error(fmt::format("{}: expects 1 input and 1 output", name));
  const Tensor& in = g.tensors[static_cast<std::size_t>(op.inputs[0])];
  const Tensor& out = g.tensors[static_cast<std::size_t>(op.outputs[0])];
  if (in.element_count() != out.element_count()) throw Error(fmt::format("{}: input and output sizes differ", name));
  const Tensor& quantized = op.kind == OpKind::quantize ? out : in;
  check_int8_quantization(op, quantized);
  auto zero_point = static_cast<std::int32_t>(quantized.zero_point);
  if (op.kind == OpKind::quantize)
    return std::make_unique<Quantize>(float_buffer(op, g, buffers, op.inputs[0]), int8_buffer(op, g, buffers, op.outputs[0]),
                                      in.element_count(), quantized.scale, zero_point);
  return std::make_unique<Dequantize>(int8_buffer(op, g, buffers, op.inputs[0]), float_buffer(op, g, buffers, op.outputs[0]),
                                      in.element_count(), quantized.scale, zero_point);
}

}  // namespace edgeml::runtime
