#include "runtime/onnx_reader.h"

#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "runtime/model_bytes.h"
#include "runtime/onnx_builder.h"
#include "runtime/onnx_tensor.h"

namespace edgeml::runtime {

using onnx_io::GraphBuilder;

namespace onnx_io {

void GraphBuilder::add_constant(Tensor tensor, const std::string& what) {
  std::string name = tensor.name;
  if (constants_.count(name) || defined_.count(name)) throw Error(fmt::format("{} '{}' is defined twice", what, name));
  constants_.emplace(name, std::move(tensor));
}

void GraphBuilder::add_graph_input(Tensor tensor) {
  if (constants_.count(tensor.name) || defined_.count(tensor.name))
    throw Error(fmt::format("graph input '{}' is defined twice", tensor.name));
  defined_[tensor.name] = static_cast<int>(graph_.tensors.size());
  graph_.inputs.push_back(static_cast<int>(graph_.tensors.size()));
  graph_.tensors.push_back(std::move(tensor));
}

int GraphBuilder::graph_tensor(const std::string& name, const std::string& reader) {
  if (auto it = defined_.find(name); it != defined_.end()) return it->second;
  auto c = constants_.find(name);
  if (c == constants_.end())
    throw Error(
        fmt::format("{} reads '{}' before any node writes it (nodes must be in topological order)", reader, name));
  if (c->second.type != DataType::float32)
    throw Error(fmt::format("{} reads '{}' as data, but it is {}; only float32 data is supported", reader, name,
                            type_name(c->second.type)));
  int index = static_cast<int>(graph_.tensors.size());
  graph_.tensors.push_back(c->second);
  defined_[name] = index;
  return index;
}

void GraphBuilder::begin_node(const onnx::NodeProto& node, std::size_t index) {
  node_ = &node;
  node_index_ = index;
}

std::string GraphBuilder::label() const {
  if (node_->name().empty()) return fmt::format("node {} ({})", node_index_, node_->op_type());
  return fmt::format("node {} '{}' ({})", node_index_, node_->name(), node_->op_type());
}

void GraphBuilder::fail(const std::string& what) const { throw Error(fmt::format("{}: {}", label(), what)); }

bool GraphBuilder::has_input(int k) const { return k < node_->input_size() && !node_->input(k).empty(); }

int GraphBuilder::data(int k) {
  if (!has_input(k)) fail(fmt::format("input {} is missing", k));
  return graph_tensor(node_->input(k), label());
}

const Tensor* GraphBuilder::constant(int k) {
  if (!has_input(k)) return nullptr;
  const std::string& name = node_->input(k);
  if (auto c = constants_.find(name); c != constants_.end()) return &c->second;
  if (defined_.count(name))
    fail(fmt::format(
        "input '{}' must be known at load (an initializer or a bound input), but it is computed or fed at run time",
        name));
  fail(fmt::format("reads '{}' before any node writes it (nodes must be in topological order)", name));
}

void GraphBuilder::emit(Op op, const std::vector<std::int64_t>& output_shape) {
  if (node_->output_size() != 1 || node_->output(0).empty())
    fail(fmt::format("has {} outputs; 1 is supported", node_->output_size()));
  const std::string& name = node_->output(0);
  if (constants_.count(name) || defined_.count(name)) fail(fmt::format("writes '{}', which is already defined", name));
  Tensor out;
  out.name = name;
  out.shape = checked_shape(output_shape, fmt::format("{}: output '{}'", label(), name));
  op.outputs = {static_cast<int>(graph_.tensors.size())};
  defined_[name] = op.outputs[0];
  graph_.tensors.push_back(std::move(out));
  graph_.ops.push_back(std::move(op));
}

}  // namespace onnx_io

namespace {

// False when `bytes` are not an ONNX ModelProto with a graph; over
// kMaxModelBytes they are not parsed at all.
bool parse_if_model(std::span<const std::uint8_t> bytes, onnx::ModelProto& model) {
  return bytes.size() <= kMaxModelBytes && model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) &&
         model.has_graph();
}

onnx::ModelProto parse_model(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > kMaxModelBytes)
    throw Error(fmt::format("{} bytes, larger than the {} bytes a model file may have", bytes.size(), kMaxModelBytes));
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw Error("not an ONNX model: protobuf parsing failed (truncated or not a ModelProto)");
  if (!model.has_graph()) throw Error("not an ONNX model: it has no graph");
  return model;
}

std::int64_t default_opset(const onnx::ModelProto& model) {
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") return o.version();
  throw Error("imports no version of the default ONNX operator set");
}

std::set<std::string> initializer_names(const onnx::GraphProto& graph) {
  std::set<std::string> names;
  for (const auto& t : graph.initializer()) names.insert(t.name());
  return names;
}

std::vector<std::string> inputs_to_bind(const onnx::GraphProto& graph) {
  std::set<std::string> initializers = initializer_names(graph), inputs;
  for (const auto& v : graph.input()) inputs.insert(v.name());
  std::vector<std::string> names;
  for (const auto& node : graph.node())
    for (int k = 0; k < node.input_size(); ++k) {
      const std::string& name = node.input(k);
      if (onnx_io::is_load_time_input(node.op_type(), k) && inputs.count(name) && !initializers.count(name) &&
          std::find(names.begin(), names.end(), name) == names.end())
        names.push_back(name);
    }
  return names;
}

// A declared input or output: a float32 tensor of known rank, unknown
// dimensions taken as 1. `declared` says which dimensions had a value.
Tensor declared_tensor(const onnx::ValueInfoProto& v, const std::string& what, std::vector<bool>* declared = nullptr) {
  std::string where = fmt::format("{} '{}'", what, v.name());
  if (v.type().value_case() != onnx::TypeProto::kTensorType)
    throw Error(fmt::format("{} is not a tensor (sequence, map and optional types are not supported)", where));
  const auto& t = v.type().tensor_type();
  if (t.elem_type() != 1)
    throw Error(fmt::format("{} is {}; only float32 data is supported", where, onnx_io::onnx_type_name(t.elem_type())));
  if (!t.has_shape()) throw Error(fmt::format("{} has no shape (unknown rank is not supported)", where));
  std::vector<std::int64_t> dims;
  for (const auto& d : t.shape().dim()) {
    dims.push_back(d.has_dim_value() ? d.dim_value() : 1);
    if (declared) declared->push_back(d.has_dim_value());
  }
  Tensor out;
  out.name = v.name();
  out.shape = onnx_io::checked_shape(dims, where);
  return out;
}

void read_inputs(const onnx::GraphProto& graph, const OnnxBindings& bound, GraphBuilder& b) {
  std::set<std::string> initializers = initializer_names(graph), used;
  std::vector<std::string> to_bind = inputs_to_bind(graph);
  for (const auto& v : graph.input()) {
    if (initializers.count(v.name())) continue;
    if (auto it = bound.find(v.name()); it != bound.end()) {
      Tensor t = it->second;
      t.name = v.name();
      if (t.type != DataType::float32 && t.type != DataType::int64)
        throw Error(fmt::format("bound input '{}' is {}; float32 or int64 is supported", v.name(), type_name(t.type)));
      b.add_constant(std::move(t), "bound input");
      used.insert(v.name());
    } else if (std::find(to_bind.begin(), to_bind.end(), v.name()) != to_bind.end()) {
      throw Error(fmt::format(
          "graph input '{}' sets a shape, axes or bounds that must be known at load: bind it to a constant", v.name()));
    } else {
      b.add_graph_input(declared_tensor(v, "graph input"));
    }
  }
  for (const auto& [name, tensor] : bound)
    if (!used.count(name)) throw Error(fmt::format("bound input '{}' is not an input of the graph", name));
}

void read_outputs(const onnx::GraphProto& graph, GraphBuilder& b) {
  if (graph.output_size() == 0) throw Error("the graph has no output");
  for (const auto& v : graph.output()) {
    int index = b.graph_tensor(v.name(), fmt::format("graph output '{}'", v.name()));
    const Tensor& got = b.tensor(index);
    const onnx::TypeProto& type = v.type();
    if (type.value_case() != onnx::TypeProto::VALUE_NOT_SET && !type.has_tensor_type())
      throw Error(fmt::format("graph output '{}' is not a tensor", v.name()));
    if (type.has_tensor_type() && type.tensor_type().has_shape()) {
      std::vector<bool> known;
      Tensor want = declared_tensor(v, "graph output", &known);
      bool fits = want.shape.size() == got.shape.size();
      for (std::size_t i = 0; fits && i < known.size(); ++i) fits = !known[i] || want.shape[i] == got.shape[i];
      if (!fits)
        throw Error(fmt::format("graph output '{}' is declared [{}] but computes to [{}]", v.name(),
                                fmt::join(want.shape, ", "), fmt::join(got.shape, ", ")));
    }
    b.graph().outputs.push_back(index);
  }
}

Graph build_graph(const onnx::ModelProto& model, const OnnxBindings& bound) {
  const onnx::GraphProto& graph = model.graph();
  GraphBuilder b(default_opset(model));
  if (graph.sparse_initializer_size() > 0) throw Error("sparse initializers are not supported");
  // Unsupported operators first: they say more than the types they read.
  for (int k = 0; k < graph.node_size(); ++k) {
    b.begin_node(graph.node(k), static_cast<std::size_t>(k));
    onnx_io::check_op_type(graph.node(k), b);
  }
  for (const auto& t : graph.initializer())
    b.add_constant(onnx_io::tensor_from_proto(t, fmt::format("initializer '{}'", t.name())), "initializer");
  read_inputs(graph, bound, b);
  for (int k = 0; k < graph.node_size(); ++k) {
    b.begin_node(graph.node(k), static_cast<std::size_t>(k));
    onnx_io::lower_node(graph.node(k), b);
  }
  read_outputs(graph, b);
  Graph g = std::move(b.graph());
  g.description = model.doc_string();
  if (g.description.empty() && !model.producer_name().empty())
    g.description = model.producer_version().empty()
                        ? model.producer_name()
                        : fmt::format("{} {}", model.producer_name(), model.producer_version());
  return g;
}

template <typename F>
auto with_origin(const std::string& origin, F&& f) {
  try {
    return f();
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", origin, e.what()));
  }
}

}  // namespace

Graph read_onnx(std::span<const std::uint8_t> bytes, const std::string& origin, const OnnxBindings& bound) {
  return with_origin(origin, [&] { return build_graph(parse_model(bytes), bound); });
}

Graph read_onnx_file(const std::filesystem::path& path, const OnnxBindings& bound) {
  return read_onnx(read_model_bytes(path), path.string(), bound);
}

std::optional<Graph> read_onnx_if_model(std::span<const std::uint8_t> bytes, const std::string& origin) {
  onnx::ModelProto model;
  if (!parse_if_model(bytes, model)) return std::nullopt;
  return with_origin(origin, [&] { return build_graph(model, {}); });
}

bool is_onnx_model(std::span<const std::uint8_t> bytes) {
  onnx::ModelProto model;
  return parse_if_model(bytes, model);
}

std::vector<std::string> onnx_inputs_to_bind(std::span<const std::uint8_t> bytes, const std::string& origin) {
  return with_origin(origin, [&] { return inputs_to_bind(parse_model(bytes).graph()); });
}

Tensor read_onnx_tensor(std::span<const std::uint8_t> bytes, const std::string& origin) {
  return with_origin(origin, [&] {
    onnx::TensorProto proto;
    if (bytes.size() > kMaxModelBytes || !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      throw Error("not an ONNX TensorProto: protobuf parsing failed");
    return onnx_io::tensor_from_proto(proto, fmt::format("tensor '{}'", proto.name()));
  });
}

}  // namespace edgeml::runtime
