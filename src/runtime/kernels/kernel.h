// A kernel is bound to its tensors' buffers when a model loads: it checks the
// shapes then, and only computes when run (no allocation, no checks).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/graph.h"

namespace edgeml::runtime {

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void run() = 0;
};

// `buffers[i]` is tensor i's data, of the tensor's type and size, planned
// before any kernel is made. A factory throws Error saying what does not fit.
using TensorBuffers = std::vector<void*>;
using KernelFactory = std::unique_ptr<Kernel> (*)(const Op&, const Graph&, const TensorBuffers& buffers);

std::unique_ptr<Kernel> make_binary_kernel(const Op&, const Graph&, const TensorBuffers&);
std::unique_ptr<Kernel> make_fully_connected_kernel(const Op&, const Graph&, const TensorBuffers&);
std::unique_ptr<Kernel> make_unary_kernel(const Op&, const Graph&, const TensorBuffers&);
std::unique_ptr<Kernel> make_copy_kernel(const Op&, const Graph&, const TensorBuffers&);
std::unique_ptr<Kernel> make_matmul_kernel(const Op&, const Graph&, const TensorBuffers&);
std::unique_ptr<Kernel> make_concatenation_kernel(const Op&, const Graph&, const TensorBuffers&);

// Applies a fused activation in place.
void apply_activation(Activation a, float* data, std::size_t n);

// The data of operand `tensor` of `op` as T; throws Error when the tensor is
// not of type `expected`.
void* typed_buffer(const Op& op, const Graph& g, const TensorBuffers& buffers, int tensor, DataType expected);

inline float* float_buffer(const Op& op, const Graph& g, const TensorBuffers& buffers, int tensor) {
  return static_cast<float*>(typed_buffer(op, g, buffers, tensor, DataType::float32));
}
inline std::int8_t* int8_buffer(const Op& op, const Graph& g, const TensorBuffers& buffers, int tensor) {
  return static_cast<std::int8_t*>(typed_buffer(op, g, buffers, tensor, DataType::int8));
}
inline std::int32_t* int32_buffer(const Op& op, const Graph& g, const TensorBuffers& buffers, int tensor) {
  return static_cast<std::int32_t*>(typed_buffer(op, g, buffers, tensor, DataType::int32));
}

}  // namespace edgeml::runtime
