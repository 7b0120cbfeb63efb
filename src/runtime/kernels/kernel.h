// A kernel is bound to its tensors' buffers when a model loads: it checks the
// shapes then, and only computes when run (no allocation, no checks).
#pragma once

#include <memory>
#include <vector>

#include "runtime/graph.h"

namespace edgeml::runtime {

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void run() = 0;
};

// `buffers[i]` is tensor i's float32 data (null for tensors of other types).
// Throws Error saying what does not fit.
using KernelFactory = std::unique_ptr<Kernel> (*)(const Op&, const Graph&, const std::vector<float*>& buffers);

std::unique_ptr<Kernel> make_binary_kernel(const Op&, const Graph&, const std::vector<float*>&);
std::unique_ptr<Kernel> make_fully_connected_kernel(const Op&, const Graph&, const std::vector<float*>&);
std::unique_ptr<Kernel> make_unary_kernel(const Op&, const Graph&, const std::vector<float*>&);
std::unique_ptr<Kernel> make_copy_kernel(const Op&, const Graph&, const std::vector<float*>&);

// Applies a fused activation in place.
void apply_activation(Activation a, float* data, std::size_t n);

// The float32 buffer of operand `tensor` of `op`; throws Error when it has none.
float* float_buffer(const Op& op, const Graph& g, const std::vector<float*>& buffers, int tensor);

}  // namespace edgeml::runtime
