// RESHAPE, EXPAND_DIMS, SQUEEZE: the same elements under another shape (the
// output shape is the file's; extra inputs such as an axis are not read).
#include <algorithm>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/kernels/kernel.h"

namespace edgeml::runtime {

namespace {

class Copy : public Kernel {
 public:
  Copy(const float* in, float* out, std::size_t n) : in_(in), out_(out), n_(n) {}
  void run() override { std::copy(in_, in_ + n_, out_); }

 private:
  const float* in_;
  float* out_;
  std::size_t n_;
};

}  // namespace

std::unique_ptr<Kernel> make_copy_kernel(const Op& op, const Graph& g, const TensorBuffers& buffers) {
  if (op.inputs.empty() || op.outputs.size() != 1)
    throw Error(fmt::format("{}: expects an input and 1 output", op_name(op.kind)));
  const Tensor& in = g.tensors[static_cast<std::size_t>(op.inputs[0])];
  const Tensor& out = g.tensors[static_cast<std::size_t>(op.outputs[0])];
  if (in.element_count() != out.element_count())
    throw Error(fmt::format("{}: '{}' has {} elements, '{}' {}", op_name(op.kind), in.name, in.element_count(),
                            out.name, out.element_count()));
  return std::make_unique<Copy>(float_buffer(op, g, buffers, op.inputs[0]), float_buffer(op, g, buffers, op.outputs[0]),
                                in.element_count());
}

}  // namespace edgeml::runtime
