#include "runtime/interpreter.h"

#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/dense_layers.h"

namespace edgeml::runtime {

namespace {

KernelFactory factory_for(OpKind kind) {
  switch (kind) {
    case OpKind::add:
    case OpKind::sub:
    case OpKind::mul:
    case OpKind::div: return make_binary_kernel;
    case OpKind::fully_connected: return make_fully_connected_kernel;
    case OpKind::relu:
    case OpKind::relu6:
    case OpKind::logistic:
    case OpKind::tanh:
    case OpKind::clip: return make_unary_kernel;
    case OpKind::reshape:
    case OpKind::expand_dims:
    case OpKind::squeeze: return make_copy_kernel;
    case OpKind::quantize:
    case OpKind::dequantize: return make_quantize_kernel;
    case OpKind::matmul: return make_matmul_kernel;
    case OpKind::concatenation: return make_concatenation_kernel;
    default: return nullptr;
  }
}

constexpr std::size_t kAlignment = 64;  // a cache line, and enough for any SIMD load

// Each tensor's offset in the arena, each aligned; `total` becomes the arena's size.
std::vector<std::size_t> plan_offsets(const Graph& graph, std::size_t& total) {
  std::vector<std::size_t> offsets(graph.tensors.size(), 0);
  total = 0;
  for (std::size_t i = 0; i < graph.tensors.size(); ++i) {
    offsets[i] = total;
    const Tensor& t = graph.tensors[i];
    std::size_t bytes = t.element_count() * type_size(t.type);
    total += (bytes + kAlignment - 1) / kAlignment * kAlignment;
    if (total > kMaxArenaBytes)
      throw Error(fmt::format("the model's tensors need more than {} bytes (at tensor {} '{}')", kMaxArenaBytes, i,
                              t.name));
  }
  return offsets;
}

}  // namespace

// A dense MATMUL (ONNX's Gemm) runs on FULLY_CONNECTED's packed kernel.
Interpreter::Interpreter(Graph graph, KernelOptions options, const PlanBudget& budget)
    : graph_(matmuls_as_fully_connected(std::move(graph))) {
  check_kernel_options(options);
  std::size_t total = 0;
  std::vector<std::size_t> offsets = plan_offsets(graph_, total);
  cost_.arena_bytes = total;
  for (const Op& op : graph_.ops) cost_.multiply_adds = saturating_add(cost_.multiply_adds, multiply_adds(op, graph_));
  check_plan_cost(cost_, budget);
  arena_.assign(total + kAlignment, std::byte{0});
  auto misalignment = reinterpret_cast<std::uintptr_t>(arena_.data()) % kAlignment;
  std::byte* base = arena_.data() + (misalignment ? kAlignment - misalignment : 0);
  buffers_.assign(graph_.tensors.size(), nullptr);
  for (std::size_t i = 0; i < graph_.tensors.size(); ++i) {
    const Tensor& t = graph_.tensors[i];
    buffers_[i] = base + offsets[i];
    if (t.is_constant()) std::memcpy(buffers_[i], t.constant.data(), t.constant.size());
  }
  for (const Op& op : graph_.ops) {
    KernelFactory make = factory_for(op.kind);
    if (!make) throw Error(fmt::format("{} is not implemented by the runtime yet", op_name(op.kind)));
    kernels_.push_back(make(op, graph_, buffers_, options));
  }
}

template <typename T>
std::span<T> Interpreter::typed_span(int index, DataType type) const {
  auto i = static_cast<std::size_t>(index);
  const Tensor& t = graph_.tensors[i];
  if (t.type != type) throw Error(fmt::format("tensor '{}' is {}, not {}", t.name, type_name(t.type), type_name(type)));
  return {static_cast<T*>(buffers_[i]), t.element_count()};
}

std::span<float> Interpreter::input(std::size_t i) { return typed_span<float>(graph_.inputs.at(i), DataType::float32); }

std::span<const float> Interpreter::output(std::size_t i) const {
  return typed_span<float>(graph_.outputs.at(i), DataType::float32);
}

std::span<std::int8_t> Interpreter::int8_input(std::size_t i) {
  return typed_span<std::int8_t>(graph_.inputs.at(i), DataType::int8);
}

std::span<const std::int8_t> Interpreter::int8_output(std::size_t i) const {
  return typed_span<std::int8_t>(graph_.outputs.at(i), DataType::int8);
}

void Interpreter::invoke() {
  for (auto& kernel : kernels_) kernel->run();
}

}  // namespace edgeml::runtime
