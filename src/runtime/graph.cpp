#include "runtime/graph.h"

#include <utility>

namespace edgeml::runtime {

std::size_t Tensor::element_count() const {
  std::size_t n = 1;
  for (std::int32_t d : shape) n *= static_cast<std::size_t>(d);
  return n;
}

std::size_t Graph::parameter_count() const {
  std::size_t n = 0;
  for (const Tensor& t : tensors)
    if (t.is_constant()) n += t.element_count();
  return n;
}

Tensor float_tensor(std::string name, std::vector<std::int32_t> shape, const std::vector<float>& values) {
  Tensor t;
  t.name = std::move(name);
  t.shape = std::move(shape);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(values.data());
  t.constant.assign(bytes, bytes + values.size() * sizeof(float));
  return t;
}

int add_tensor(Graph& g, Tensor t) {
  g.tensors.push_back(std::move(t));
  return static_cast<int>(g.tensors.size() - 1);
}

int add_op(Graph& g, OpKind kind, std::vector<int> inputs, Tensor output, Activation activation) {
  Op op;
  op.kind = kind;
  op.inputs = std::move(inputs);
  op.activation = activation;
  op.outputs = {add_tensor(g, std::move(output))};
  g.ops.push_back(op);
  return op.outputs[0];
}

void remove_unused_tensors(Graph& graph) {
  std::vector<int> new_index(graph.tensors.size(), -1);
  auto mark = [&](int i) {
    if (i >= 0 && static_cast<std::size_t>(i) < new_index.size()) new_index[static_cast<std::size_t>(i)] = 0;
  };
  for (const Op& op : graph.ops) {
    for (int i : op.inputs) mark(i);
    for (int i : op.outputs) mark(i);
  }
  for (int i : graph.inputs) mark(i);
  for (int i : graph.outputs) mark(i);
  std::vector<Tensor> kept;
  for (std::size_t i = 0; i < graph.tensors.size(); ++i) {
    if (new_index[i] < 0) continue;
    new_index[i] = static_cast<int>(kept.size());
    kept.push_back(std::move(graph.tensors[i]));
  }
  auto renumber = [&](std::vector<int>& indices) {
    for (int& i : indices)
      if (i >= 0 && static_cast<std::size_t>(i) < new_index.size()) i = new_index[static_cast<std::size_t>(i)];
  };
  for (Op& op : graph.ops) {
    renumber(op.inputs);
    renumber(op.outputs);
  }
  renumber(graph.inputs);
  renumber(graph.outputs);
  graph.tensors = std::move(kept);
}

const char* op_name(OpKind kind) {
  switch (kind) {
    case OpKind::add: return "ADD";
    case OpKind::sub: return "SUB";
    case OpKind::mul: return "MUL";
    case OpKind::div: return "DIV";
    case OpKind::fully_connected: return "FULLY_CONNECTED";
    case OpKind::relu: return "RELU";
    case OpKind::relu6: return "RELU6";
    case OpKind::logistic: return "LOGISTIC";
    case OpKind::tanh: return "TANH";
    case OpKind::reshape: return "RESHAPE";
    case OpKind::expand_dims: return "EXPAND_DIMS";
    case OpKind::squeeze: return "SQUEEZE";
    case OpKind::concatenation: return "CONCATENATION";
    case OpKind::quantize: return "QUANTIZE";
    case OpKind::dequantize: return "DEQUANTIZE";
    case OpKind::matmul: return "MATMUL";
    case OpKind::clip: return "CLIP";
  }
  return "?";
}

const char* type_name(DataType type) {
  switch (type) {
    case DataType::float32: return "float32";
    case DataType::int8: return "int8";
    case DataType::int32: return "int32";
    case DataType::int64: return "int64";
  }
  return "?";
}

std::size_t type_size(DataType type) {
  switch (type) {
    case DataType::int8: return 1;
    case DataType::int64: return 8;
    default: return 4;
  }
}

}  // namespace edgeml::runtime
