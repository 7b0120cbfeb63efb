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

// How kernels may compute; every choice gives bitwise the same results.
struct KernelOptions {
  // The widest SIMD vectors a kernel may use: 128, 256 or 512 bits, or 0 for
  // the widest that the CPU has and that pays at the kernel's batch size.
  unsigned max_vector_bits = 0;
};

// Throws Error unless `o` is one of the values above.
void check_kernel_options(const KernelOptions& o);

// `buffers[i]` is tensor i's data, of the tensor's type and size, planned
// before any kernel is made. A factory throws Error saying what does not fit;
// the options are for kernels that have a choice to make.
using TensorBuffers = std::vector<void*>;
using KernelFactory = std::unique_ptr<Kernel> (*)(const Op&, const Graph&, const TensorBuffers& buffers,
                                                  const KernelOptions& options);

std::unique_ptr<Kernel> make_binary_kernel(const Op&, const Graph&, const TensorBuffers&, const KernelOptions&);
std::unique_ptr<Kernel> make_fully_connected_kernel(const Op&, const Graph&, const TensorBuffers&,
                                                    const KernelOptions&);
std::unique_ptr<Kernel> make_unary_kernel(const Op&, const Graph&, const TensorBuffers&, const KernelOptions&);
std::unique_ptr<Kernel> make_copy_kernel(const Op&, const Graph&, const TensorBuffers&, const KernelOptions&);
std::unique_ptr<Kernel> make_matmul_kernel(const Op&, const Graph&, const TensorBuffers&, const KernelOptions&);
std::unique_ptr<Kernel> make_concatenation_kernel(const Op&, const Graph&, const TensorBuffers&, const KernelOptions&);
std::unique_ptr<Kernel> make_quantize_kernel(const Op&, const Graph&, const TensorBuffers&, const KernelOptions&);
// Called by the float factories above for int8 inputs.
std::unique_ptr<Kernel> make_fully_connected_int8_kernel(const Op&, const Graph&, const TensorBuffers&,
                                                         const KernelOptions&);
std::unique_ptr<Kernel> make_add_int8_kernel(const Op&, const Graph&, const TensorBuffers&);
std::unique_ptr<Kernel> make_activation_int8_kernel(const Op&, const Graph&, const TensorBuffers&);

// Applies a fused activation in place.
void apply_activation(Activation a, float* data, std::size_t n);

// Throws Error unless `t` is int8 with a finite positive scale and a zero
// point in int8's range.
void check_int8_quantization(const Op& op, const Tensor& t);

// The int8 values activation `a` lets through, given the output's
// quantization; throws for an activation int8 kernels cannot clamp to.
struct Int8Range {
  std::int32_t min = -128, max = 127;
};
Int8Range int8_activation_range(const Op& op, const Tensor& out, Activation a);

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
