#include "runtime/interpreter.h"

#include <cstring>

#include <fmt/format.h>

#include "core/error.h"

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
    case OpKind::tanh: return make_unary_kernel;
    case OpKind::reshape:
    case OpKind::expand_dims:
    case OpKind::squeeze: return make_copy_kernel;
    default: return nullptr;
  }
}

}  // namespace

Interpreter::Interpreter(Graph graph) : graph_(std::move(graph)) {
  // One arena for all float32 tensors; int32 tensors (shapes, axes) are never read.
  std::vector<std::size_t> offsets(graph_.tensors.size(), 0);
  std::size_t total = 0;
  for (std::size_t i = 0; i < graph_.tensors.size(); ++i) {
    offsets[i] = total;
    if (graph_.tensors[i].type == DataType::float32) total += graph_.tensors[i].element_count();
  }
  arena_.assign(total, 0.0f);
  buffers_.assign(graph_.tensors.size(), nullptr);
  for (std::size_t i = 0; i < graph_.tensors.size(); ++i) {
    const Tensor& t = graph_.tensors[i];
    if (t.type != DataType::float32) continue;
    buffers_[i] = arena_.data() + offsets[i];
    if (t.is_constant()) std::memcpy(buffers_[i], t.constant.data(), t.constant.size());
  }
  for (int i : graph_.inputs)
    if (!buffers_[static_cast<std::size_t>(i)])
      throw Error(fmt::format("input '{}' is {}; only float32 runs so far", graph_.tensors[static_cast<std::size_t>(i)].name,
                              type_name(graph_.tensors[static_cast<std::size_t>(i)].type)));
  for (const Op& op : graph_.ops) {
    KernelFactory make = factory_for(op.kind);
    if (!make) throw Error(fmt::format("{} is not implemented by the runtime yet", op_name(op.kind)));
    kernels_.push_back(make(op, graph_, buffers_));
  }
}

std::span<float> Interpreter::tensor_span(int index) const {
  auto i = static_cast<std::size_t>(index);
  return {buffers_[i], graph_.tensors[i].element_count()};
}

std::span<float> Interpreter::input(std::size_t i) { return tensor_span(graph_.inputs.at(i)); }

std::span<const float> Interpreter::output(std::size_t i) const {
  const float* p = buffers_[static_cast<std::size_t>(graph_.outputs.at(i))];
  if (!p) throw Error("the output is not float32");
  return tensor_span(graph_.outputs.at(i));
}

void Interpreter::invoke() {
  for (auto& kernel : kernels_) kernel->run();
}

}  // namespace edgeml::runtime
