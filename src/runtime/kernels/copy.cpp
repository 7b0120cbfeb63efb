// RESHAPE, EXPAND_DIMS, SQUEEZE: the same elements under another shape (the
// output shape is the file's; extra inputs such as an axis are not read).
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/kernels/kernel.h"

namespace edgeml::runtime {

namespace {

class Copy : public Kernel {
 public:
  Copy(const void* in, void* out, std::size_t bytes) : in_(in), out_(out), bytes_(bytes) {}
  void run() override { std::memcpy(out_, in_, bytes_); }

 private:
  const void* in_;
  void* out_;
  std::size_t bytes_;
};

}  // namespace

std::unique_ptr<Kernel> make_copy_kernel(const Op& op, const Graph& g, const TensorBuffers& buffers,
                                         const KernelOptions&) {
  if (op.inputs.empty() || op.outputs.size() != 1)
    throw Error(fmt::format("{}: expects an input and 1 output", op_name(op.kind)));
  const Tensor& in = g.tensors[static_cast<std::size_t>(op.inputs[0])];
  const Tensor& out = g.tensors[static_cast<std::size_t>(op.outputs[0])];
  if (in.element_count() != out.element_count())
    throw Error(fmt::format("{}: '{}' has {} elements, '{}' {}", op_name(op.kind), in.name, in.element_count(),
                            out.name, out.element_count()));
  if (in.scale != out.scale || in.zero_point != out.zero_point)
    throw Error(fmt::format("{}: '{}' and '{}' are quantized differently", op_name(op.kind), in.name, out.name));
  return std::make_unique<Copy>(typed_buffer(op, g, buffers, op.inputs[0], in.type),
                                typed_buffer(op, g, buffers, op.outputs[0], in.type), in.element_count() * type_size(in.type));
}

}  // namespace edgeml::runtime
