#include "convert/onnx_writer.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/onnx_tensor.h"

namespace edgeml::convert {

using namespace runtime;

namespace {

constexpr std::int64_t kIrVersion = 7;
constexpr std::int64_t kOpset = 13;
// Opset 14 is written only for a Reshape to a shape with a 0 dimension: in
// opset 13 a 0 copies the input's dimension, and only 14's allowzero says 0.
constexpr std::int64_t kOpsetWithAllowZero = 14;
constexpr int kFloat = 1;  // TensorProto.DataType FLOAT

using Shape = std::vector<std::int32_t>;

class Writer {
 public:
  explicit Writer(const Graph& g);
  onnx::ModelProto write();

 private:
  const Tensor& tensor(int i) const { return g_.tensors[static_cast<std::size_t>(i)]; }
  const std::string& name(int i) const { return names_[static_cast<std::size_t>(i)]; }
  std::string fresh(const std::string& base);
  std::string data(int i);
  std::string int64_constant(const std::vector<std::int64_t>& values, const std::string& base);
  std::string float_constant(float value, const std::string& base);
  onnx::NodeProto& node(const char* type, const std::vector<std::string>& inputs, const std::string& output);
  void reshape(const std::string& in, const Shape& shape, const std::string& out);
  void activation(Activation a, const std::string& in, const std::string& out);
  std::string core_output(const Op& op, const Shape& core_shape);
  void tail(const Op& op, const std::string& core, const Shape& core_shape);
  void write_op(const Op& op);
  void write_fully_connected(const Op& op);
  void write_matmul(const Op& op);
  void declare(const Tensor& t, const std::string& name, onnx::ValueInfoProto& v);

  const Graph& g_;
  std::vector<std::string> names_;
  std::set<std::string> used_;
  std::set<int> initialized_;
  bool allows_zero_ = false;
  onnx::GraphProto* graph_ = nullptr;
};

Writer::Writer(const Graph& g) : g_(g) {
  for (std::size_t i = 0; i < g.tensors.size(); ++i)
    names_.push_back(fresh(g.tensors[i].name.empty() ? "tensor" : g.tensors[i].name));
}

// `base`, or `base_N` when that is taken: ONNX names each value once.
std::string Writer::fresh(const std::string& base) {
  std::string name = base;
  for (int n = 1; used_.count(name); ++n) name = fmt::format("{}_{}", base, n);
  used_.insert(name);
  return name;
}

std::string Writer::data(int i) {
  const Tensor& t = tensor(i);
  if (t.type != DataType::float32)
    throw Error(fmt::format("tensor '{}' is {}; the ONNX writer writes float32 data only", t.name, type_name(t.type)));
  if (t.is_constant() && initialized_.insert(i).second)
    onnx_io::tensor_to_proto(t, name(i), *graph_->add_initializer());
  return name(i);
}

std::string Writer::int64_constant(const std::vector<std::int64_t>& values, const std::string& base) {
  Tensor t;
  t.type = DataType::int64;
  t.shape = {static_cast<std::int32_t>(values.size())};
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(values.data());
  t.constant.assign(bytes, bytes + values.size() * sizeof(std::int64_t));
  std::string n = fresh(base);
  onnx_io::tensor_to_proto(t, n, *graph_->add_initializer());
  return n;
}

std::string Writer::float_constant(float value, const std::string& base) {
  Tensor t;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(&value);
  t.constant.assign(bytes, bytes + sizeof value);
  std::string n = fresh(base);
  onnx_io::tensor_to_proto(t, n, *graph_->add_initializer());
  return n;
}

onnx::NodeProto& Writer::node(const char* type, const std::vector<std::string>& inputs, const std::string& output) {
  onnx::NodeProto& n = *graph_->add_node();
  n.set_op_type(type);
  n.set_name(fresh(fmt::format("{}_{}", type, graph_->node_size())));
  for (const std::string& i : inputs) n.add_input(i);
  n.add_output(output);
  return n;
}

void Writer::reshape(const std::string& in, const Shape& shape, const std::string& out) {
  onnx::NodeProto& n = node("Reshape", {in, int64_constant({shape.begin(), shape.end()}, out + "_shape")}, out);
  if (std::find(shape.begin(), shape.end(), 0) == shape.end()) return;
  auto* allow_zero = n.add_attribute();
  allow_zero->set_name("allowzero");
  allow_zero->set_type(onnx::AttributeProto::INT);
  allow_zero->set_i(1);
  allows_zero_ = true;
}

void Writer::activation(Activation a, const std::string& in, const std::string& out) {
  switch (a) {
    case Activation::none: node("Identity", {in}, out); return;
    case Activation::relu: node("Relu", {in}, out); return;
    case Activation::relu6:
      node("Clip", {in, float_constant(0, out + "_min"), float_constant(6, out + "_max")}, out);
      return;
    case Activation::tanh: node("Tanh", {in}, out); return;
  }
}

// Where an operator's main node writes: its output, unless a reshape or a
// fused activation follows (see tail()).
std::string Writer::core_output(const Op& op, const Shape& core_shape) {
  const Tensor& out = tensor(op.outputs[0]);
  if (op.activation == Activation::none && core_shape == out.shape) return name(op.outputs[0]);
  return fresh(name(op.outputs[0]) + "_unactivated");
}

void Writer::tail(const Op& op, const std::string& core, const Shape& core_shape) {
  const std::string& out = name(op.outputs[0]);
  std::string current = core;
  if (core_shape != tensor(op.outputs[0]).shape) {
    std::string next = op.activation == Activation::none ? out : fresh(out + "_reshaped");
    reshape(current, tensor(op.outputs[0]).shape, next);
    current = next;
  }
  if (op.activation != Activation::none) activation(op.activation, current, out);
}

void Writer::write_fully_connected(const Op& op) {
  const Tensor& in = tensor(op.inputs[0]);
  const Tensor& weights = tensor(op.inputs[1]);
  if (weights.shape.size() != 2) throw Error(fmt::format("FULLY_CONNECTED: weights '{}' are not 2-D", weights.name));
  std::int32_t units = weights.shape[1];
  if (units == 0 || in.element_count() % static_cast<std::size_t>(units) != 0)
    throw Error(fmt::format("FULLY_CONNECTED: input '{}' does not divide into rows of {}", in.name, units));
  Shape rows{static_cast<std::int32_t>(in.element_count() / static_cast<std::size_t>(units)), units};
  std::string x = data(op.inputs[0]);
  if (in.shape != rows) {
    std::string flat = fresh(x + "_rows");
    reshape(x, rows, flat);
    x = flat;
  }
  std::vector<std::string> inputs{x, data(op.inputs[1])};
  if (op.inputs.size() == 3 && op.inputs[2] >= 0) inputs.push_back(data(op.inputs[2]));
  Shape core_shape{rows[0], weights.shape[0]};
  std::string core = core_output(op, core_shape);
  auto* trans_b = node("Gemm", inputs, core).add_attribute();
  trans_b->set_name("transB");
  trans_b->set_type(onnx::AttributeProto::INT);
  trans_b->set_i(1);
  tail(op, core, core_shape);
}

void Writer::write_matmul(const Op& op) {
  bool has_c = op.inputs.size() == 3 && op.inputs[2] >= 0;
  const Shape& out_shape = tensor(op.outputs[0]).shape;
  std::string core = core_output(op, out_shape);
  if (!has_c && !op.transpose_a && !op.transpose_b && op.alpha == 1) {
    node("MatMul", {data(op.inputs[0]), data(op.inputs[1])}, core);
  } else {
    if (tensor(op.inputs[0]).shape.size() != 2 || tensor(op.inputs[1]).shape.size() != 2)
      throw Error("MATMUL: a batched product with transposes, scale or bias has no ONNX form here");
    std::vector<std::string> inputs{data(op.inputs[0]), data(op.inputs[1])};
    if (has_c) inputs.push_back(data(op.inputs[2]));
    onnx::NodeProto& n = node("Gemm", inputs, core);
    for (auto [attribute, value] : {std::pair{"transA", op.transpose_a}, std::pair{"transB", op.transpose_b}}) {
      auto* a = n.add_attribute();
      a->set_name(attribute);
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(value ? 1 : 0);
    }
    for (auto [attribute, value] : {std::pair{"alpha", op.alpha}, std::pair{"beta", op.beta}}) {
      auto* a = n.add_attribute();
      a->set_name(attribute);
      a->set_type(onnx::AttributeProto::FLOAT);
      a->set_f(value);
    }
  }
  tail(op, core, out_shape);
}

void Writer::write_op(const Op& op) {
  if (op.outputs.size() != 1)
    throw Error(fmt::format("{}: has {} outputs; 1 is supported", op_name(op.kind), op.outputs.size()));
  const std::string& out = name(op.outputs[0]);
  const Shape& out_shape = tensor(op.outputs[0]).shape;
  static const std::map<OpKind, const char*> kBinary = {
      {OpKind::add, "Add"}, {OpKind::sub, "Sub"}, {OpKind::mul, "Mul"}, {OpKind::div, "Div"}};
  static const std::map<OpKind, const char*> kUnary = {
      {OpKind::relu, "Relu"}, {OpKind::logistic, "Sigmoid"}, {OpKind::tanh, "Tanh"}};
  if (auto b = kBinary.find(op.kind); b != kBinary.end()) {
    std::string core = core_output(op, out_shape);
    node(b->second, {data(op.inputs.at(0)), data(op.inputs.at(1))}, core);
    tail(op, core, out_shape);
  } else if (auto u = kUnary.find(op.kind); u != kUnary.end()) {
    node(u->second, {data(op.inputs.at(0))}, out);
  } else if (op.kind == OpKind::relu6) {
    activation(Activation::relu6, data(op.inputs.at(0)), out);
  } else if (op.kind == OpKind::clip) {
    node("Clip",
         {data(op.inputs.at(0)), float_constant(op.clip_min, out + "_min"), float_constant(op.clip_max, out + "_max")},
         out);
  } else if (op.kind == OpKind::reshape || op.kind == OpKind::expand_dims || op.kind == OpKind::squeeze) {
    reshape(data(op.inputs.at(0)), out_shape, out);
  } else if (op.kind == OpKind::concatenation) {
    std::vector<std::string> inputs;
    for (int i : op.inputs) inputs.push_back(data(i));
    std::string core = core_output(op, out_shape);
    auto* axis = node("Concat", inputs, core).add_attribute();
    axis->set_name("axis");
    axis->set_type(onnx::AttributeProto::INT);
    axis->set_i(op.axis < 0 ? op.axis + static_cast<int>(out_shape.size()) : op.axis);
    tail(op, core, out_shape);
  } else if (op.kind == OpKind::fully_connected) {
    write_fully_connected(op);
  } else if (op.kind == OpKind::matmul) {
    write_matmul(op);
  } else {
    throw Error(fmt::format("{} has no ONNX form in this writer", op_name(op.kind)));
  }
}

void Writer::declare(const Tensor& t, const std::string& n, onnx::ValueInfoProto& v) {
  if (t.type != DataType::float32)
    throw Error(fmt::format("graph input or output '{}' is {}, not float32", t.name, type_name(t.type)));
  v.set_name(n);
  auto* type = v.mutable_type()->mutable_tensor_type();
  type->set_elem_type(kFloat);
  auto* shape = type->mutable_shape();
  for (std::int32_t d : t.shape) shape->add_dim()->set_dim_value(d);
}

onnx::ModelProto Writer::write() {
  onnx::ModelProto model;
  model.set_ir_version(kIrVersion);
  model.set_producer_name("edgeml");
  if (!g_.description.empty()) model.set_doc_string(g_.description);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOpset);
  graph_ = model.mutable_graph();
  graph_->set_name("edgeml");
  for (int i : g_.inputs) declare(tensor(i), name(i), *graph_->add_input());
  for (const Op& op : g_.ops) {
    try {
      write_op(op);
    } catch (const std::out_of_range&) {
      throw Error(fmt::format("{}: too few inputs", op_name(op.kind)));
    }
  }
  for (int i : g_.outputs) declare(tensor(i), name(i), *graph_->add_output());
  if (allows_zero_) opset->set_version(kOpsetWithAllowZero);
  return model;
}

}  // namespace

std::vector<std::uint8_t> write_onnx(const Graph& graph) {
  std::string bytes = Writer(graph).write().SerializeAsString();
  return {bytes.begin(), bytes.end()};
}

void write_onnx_file(const Graph& graph, const std::filesystem::path& path) {
  std::vector<std::uint8_t> bytes = write_onnx(graph);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())) ||
      !out.flush())
    throw Error(fmt::format("{}: cannot write", path.string()));
}

}  // namespace edgeml::convert
