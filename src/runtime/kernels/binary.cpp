// ADD, SUB, MUL, DIV with NumPy broadcasting (up to 4 dimensions) and a fused activation.
#include <array>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/kernels/kernel.h"

namespace edgeml::runtime {

namespace {

constexpr std::size_t kMaxRank = 4;
using Dims = std::array<std::size_t, kMaxRank>;

// Right-aligns `shape` to 4 dimensions and gives each its stride in the
// operand (0 where the operand is broadcast). Throws when it cannot broadcast.
Dims broadcast_strides(const Tensor& in, const Dims& out_dims, const std::string& op) {
  Dims dims{1, 1, 1, 1}, strides{};
  std::size_t offset = kMaxRank - in.shape.size();
  for (std::size_t i = 0; i < in.shape.size(); ++i) dims[offset + i] = static_cast<std::size_t>(in.shape[i]);
  std::size_t stride = 1;
  for (std::size_t i = kMaxRank; i-- > 0;) {
    if (dims[i] != out_dims[i] && dims[i] != 1)
      throw Error(fmt::format("{}: '{}' cannot broadcast to the output's shape", op, in.name));
    strides[i] = dims[i] == 1 ? 0 : stride;
    stride *= dims[i];
  }
  return strides;
}

template <typename F>
class BinaryKernel : public Kernel {
 public:
  BinaryKernel(const float* a, const float* b, float* out, Dims dims, Dims sa, Dims sb, Activation act)
      : a_(a), b_(b), out_(out), dims_(dims), sa_(sa), sb_(sb), act_(act) {}

  void run() override {
    float* o = out_;
    for (std::size_t i0 = 0; i0 < dims_[0]; ++i0)
      for (std::size_t i1 = 0; i1 < dims_[1]; ++i1)
        for (std::size_t i2 = 0; i2 < dims_[2]; ++i2) {
          const float* a = a_ + i0 * sa_[0] + i1 * sa_[1] + i2 * sa_[2];
          const float* b = b_ + i0 * sb_[0] + i1 * sb_[1] + i2 * sb_[2];
          for (std::size_t i3 = 0; i3 < dims_[3]; ++i3) *o++ = F{}(a[i3 * sa_[3]], b[i3 * sb_[3]]);
        }
    apply_activation(act_, out_, static_cast<std::size_t>(o - out_));
  }

 private:
  const float* a_;
  const float* b_;
  float* out_;
  Dims dims_, sa_, sb_;
  Activation act_;
};

struct Add { float operator()(float a, float b) const { return a + b; } };
struct Sub { float operator()(float a, float b) const { return a - b; } };
struct Mul { float operator()(float a, float b) const { return a * b; } };
struct Div { float operator()(float a, float b) const { return a / b; } };

}  // namespace

std::unique_ptr<Kernel> make_binary_kernel(const Op& op, const Graph& g, const TensorBuffers& buffers,
                                           const KernelOptions&) {
  std::string name = op_name(op.kind);
  if (op.inputs.size() != 2 || op.outputs.size() != 1) throw Error(name + ": expects 2 inputs and 1 output");
  if (g.tensors[static_cast<std::size_t>(op.inputs[0])].type == DataType::int8)
    return make_add_int8_kernel(op, g, buffers);
  const Tensor& out = g.tensors[static_cast<std::size_t>(op.outputs[0])];
  for (int i : op.inputs)
    if (g.tensors[static_cast<std::size_t>(i)].shape.size() > kMaxRank)
      throw Error(fmt::format("{}: more than {} dimensions", name, kMaxRank));
  if (out.shape.size() > kMaxRank) throw Error(fmt::format("{}: more than {} dimensions", name, kMaxRank));
  Dims dims{1, 1, 1, 1};
  std::size_t offset = kMaxRank - out.shape.size();
  for (std::size_t i = 0; i < out.shape.size(); ++i) dims[offset + i] = static_cast<std::size_t>(out.shape[i]);
  Dims sa = broadcast_strides(g.tensors[static_cast<std::size_t>(op.inputs[0])], dims, name);
  Dims sb = broadcast_strides(g.tensors[static_cast<std::size_t>(op.inputs[1])], dims, name);
  // An empty output's other dimensions may be large: run() must not loop over them.
  if (out.element_count() == 0) dims = {0, 0, 0, 0};
  const float* a = float_buffer(op, g, buffers, op.inputs[0]);
  const float* b = float_buffer(op, g, buffers, op.inputs[1]);
  float* o = float_buffer(op, g, buffers, op.outputs[0]);
  switch (op.kind) {
    case OpKind::add: return std::make_unique<BinaryKernel<Add>>(a, b, o, dims, sa, sb, op.activation);
    case OpKind::sub: return std::make_unique<BinaryKernel<Sub>>(a, b, o, dims, sa, sb, op.activation);
    case OpKind::mul: return std::make_unique<BinaryKernel<Mul>>(a, b, o, dims, sa, sb, op.activation);
    case OpKind::div: return std::make_unique<BinaryKernel<Div>>(a, b, o, dims, sa, sb, op.activation);
    default: throw Error(name + " is not a binary operator");
  }
}

}  // namespace edgeml::runtime
