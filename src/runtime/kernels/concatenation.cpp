// CONCATENATION: the inputs joined along one axis (negative counts from the
// end), then a fused activation.
#include <algorithm>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/kernels/kernel.h"

namespace edgeml::runtime {

namespace {

// Each input contributes one contiguous block per index of the dimensions
// before the axis.
struct Block {
  const float* data;
  std::size_t size;
};

class Concatenation : public Kernel {
 public:
  Concatenation(std::vector<Block> blocks, std::size_t outer, float* out, std::size_t n, Activation act)
      : blocks_(std::move(blocks)), outer_(outer), out_(out), n_(n), act_(act) {}

  void run() override {
    float* o = out_;
    for (std::size_t i = 0; i < outer_; ++i)
      for (const Block& b : blocks_) o = std::copy_n(b.data + i * b.size, b.size, o);
    apply_activation(act_, out_, n_);
  }

 private:
  std::vector<Block> blocks_;
  std::size_t outer_;
  float* out_;
  std::size_t n_;
  Activation act_;
};

std::size_t product(const std::vector<std::int32_t>& shape, std::size_t from, std::size_t to) {
  std::size_t n = 1;
  for (std::size_t i = from; i < to; ++i) n *= static_cast<std::size_t>(shape[i]);
  return n;
}

}  // namespace

std::unique_ptr<Kernel> make_concatenation_kernel(const Op& op, const Graph& g, const TensorBuffers& buffers,
                                                  const KernelOptions&) {
  if (op.inputs.empty() || op.outputs.size() != 1) throw Error("CONCATENATION: expects inputs and 1 output");
  const Tensor& out = g.tensors[static_cast<std::size_t>(op.outputs[0])];
  auto rank = static_cast<int>(out.shape.size());
  int axis = op.axis < 0 ? op.axis + rank : op.axis;
  if (axis < 0 || axis >= rank)
    throw Error(fmt::format("CONCATENATION: axis {} is out of range for '{}' of rank {}", op.axis, out.name, rank));
  auto a = static_cast<std::size_t>(axis);
  std::vector<Block> blocks;
  std::size_t joined = 0;
  for (int i : op.inputs) {
    const Tensor& in = g.tensors[static_cast<std::size_t>(i)];
    bool fits = in.shape.size() == out.shape.size();
    for (std::size_t d = 0; fits && d < in.shape.size(); ++d) fits = d == a || in.shape[d] == out.shape[d];
    if (!fits)
      throw Error(fmt::format("CONCATENATION: '{}' does not fit '{}' outside axis {}", in.name, out.name, axis));
    joined += static_cast<std::size_t>(in.shape[a]);
    blocks.push_back({float_buffer(op, g, buffers, i), product(in.shape, a, in.shape.size())});
  }
  if (joined != static_cast<std::size_t>(out.shape[a]))
    throw Error(fmt::format("CONCATENATION: inputs add up to {} along axis {}, '{}' has {}", joined, axis, out.name,
                            out.shape[a]));
  return std::make_unique<Concatenation>(std::move(blocks), product(out.shape, 0, a),
                                         float_buffer(op, g, buffers, op.outputs[0]), out.element_count(),
                                         op.activation);
}

}  // namespace edgeml::runtime
