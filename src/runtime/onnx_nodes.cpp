// ONNX nodes as operators, with the shape inference ONNX leaves to readers.
#include <algorithm>
#include <functional>
#include <limits>
#include <optional>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "runtime/onnx_builder.h"
#include "runtime/onnx_tensor.h"

namespace edgeml::runtime::onnx_io {

namespace {

using Shape = std::vector<std::int64_t>;

Shape shape_of(const Tensor& t) { return {t.shape.begin(), t.shape.end()}; }

// A node's attributes; any attribute not listed as known is refused.
class Attributes {
 public:
  Attributes(const onnx::NodeProto& node, const std::vector<std::string_view>& known, const GraphBuilder& b)
      : node_(node), b_(b) {
    for (const auto& a : node.attribute())
      if (std::find(known.begin(), known.end(), a.name()) == known.end())
        b.fail(fmt::format("attribute '{}' is not supported", a.name()));
  }
  std::optional<std::int64_t> integer(const std::string& name) const {
    const auto* a = find(name, onnx::AttributeProto::INT, "an integer");
    return a ? std::optional(a->i()) : std::nullopt;
  }
  std::optional<float> real(const std::string& name) const {
    const auto* a = find(name, onnx::AttributeProto::FLOAT, "a float");
    return a ? std::optional(a->f()) : std::nullopt;
  }
  std::optional<Shape> integers(const std::string& name) const {
    const auto* a = find(name, onnx::AttributeProto::INTS, "a list of integers");
    return a ? std::optional(Shape(a->ints().begin(), a->ints().end())) : std::nullopt;
  }

 private:
  const onnx::AttributeProto* find(const std::string& name, onnx::AttributeProto::AttributeType type,
                                   const char* what) const {
    for (const auto& a : node_.attribute())
      if (a.name() == name) {
        if (a.type() != type) b_.fail(fmt::format("attribute '{}' is not {}", name, what));
        return &a;
      }
    return nullptr;
  }
  const onnx::NodeProto& node_;
  const GraphBuilder& b_;
};

// Attributes that later opsets turned into inputs: known before opset `since`.
std::vector<std::string_view> until_opset(std::int64_t since, const GraphBuilder& b,
                                          std::vector<std::string_view> names) {
  return b.opset() < since ? names : std::vector<std::string_view>{};
}

// An operator reading input 0 as data, which most nodes start with.
Op op_on_input(OpKind kind, GraphBuilder& b) {
  Op op;
  op.kind = kind;
  op.inputs = {b.data(0)};
  return op;
}

Shape input_shape(const Op& op, const GraphBuilder& b) { return shape_of(b.tensor(op.inputs[0])); }

std::int64_t normalized_axis(std::int64_t axis, std::int64_t rank, const GraphBuilder& b) {
  if (axis < -rank || axis >= rank) b.fail(fmt::format("axis {} is out of range for rank {}", axis, rank));
  return axis < 0 ? axis + rank : axis;
}

std::int64_t product(const Shape& shape, std::size_t from, std::size_t to) {
  std::int64_t n = 1;
  for (std::size_t i = from; i < to; ++i) n *= shape[i];
  return n;
}

Shape broadcast(const Shape& a, const Shape& c, const GraphBuilder& b) {
  Shape out(std::max(a.size(), c.size()), 1);
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1, dc = i < c.size() ? c[c.size() - 1 - i] : 1;
    if (da != dc && da != 1 && dc != 1)
      b.fail(fmt::format("shapes [{}] and [{}] do not broadcast", fmt::join(a, ", "), fmt::join(c, ", ")));
    out[out.size() - 1 - i] = da == 1 ? dc : da;
  }
  return out;
}

// An int64 list known at load: input `k` (opset >= `since`) or else attribute `name`.
std::optional<Shape> int64_list(GraphBuilder& b, const Attributes& attributes, int k, const std::string& name,
                                std::int64_t since) {
  if (b.opset() < since) return attributes.integers(name);
  const Tensor* c = b.constant(k);
  if (!c) return std::nullopt;
  if (c->type != DataType::int64 || c->shape.size() > 1)
    b.fail(fmt::format("{} '{}' is not a 1-D int64 tensor", name, c->name));
  return int64_values(*c);
}

void lower_elementwise(OpKind kind, const onnx::NodeProto& node, GraphBuilder& b) {
  Attributes(node, {}, b);
  Op op = op_on_input(kind, b);
  b.emit(op, input_shape(op, b));
}

void lower_binary(OpKind kind, const onnx::NodeProto& node, GraphBuilder& b) {
  Attributes(node, {}, b);
  Op op;
  op.kind = kind;
  op.inputs = {b.data(0), b.data(1)};
  b.emit(op, broadcast(shape_of(b.tensor(op.inputs[0])), shape_of(b.tensor(op.inputs[1])), b));
}

void lower_clip(const onnx::NodeProto& node, GraphBuilder& b) {
  bool as_attributes = b.opset() < 11;
  Attributes attributes(node, until_opset(11, b, {"min", "max"}), b);
  float lowest = -std::numeric_limits<float>::infinity(), highest = std::numeric_limits<float>::infinity();
  auto bound = [&](int k, const char* name, float fallback) {
    if (as_attributes) return attributes.real(name).value_or(fallback);
    const Tensor* c = b.constant(k);
    return c ? float_scalar(*c, fmt::format("{}: {} '{}'", b.label(), name, c->name)) : fallback;
  };
  Op op = op_on_input(OpKind::clip, b);
  op.clip_min = bound(1, "min", lowest);
  op.clip_max = bound(2, "max", highest);
  op.kind = op.clip_min == 0 && op.clip_max == 6 ? OpKind::relu6 : OpKind::clip;
  b.emit(op, input_shape(op, b));
}

void lower_gemm(const onnx::NodeProto& node, GraphBuilder& b) {
  Attributes attributes(node, {"alpha", "beta", "transA", "transB"}, b);
  Op op;
  op.kind = OpKind::matmul;
  op.alpha = attributes.real("alpha").value_or(1.0f);
  op.beta = attributes.real("beta").value_or(1.0f);
  op.transpose_a = attributes.integer("transA").value_or(0) != 0;
  op.transpose_b = attributes.integer("transB").value_or(0) != 0;
  op.inputs = {b.data(0), b.data(1), b.has_input(2) ? b.data(2) : -1};
  Shape a = shape_of(b.tensor(op.inputs[0])), w = shape_of(b.tensor(op.inputs[1]));
  if (a.size() != 2 || w.size() != 2) b.fail("A and B must be 2-D");
  std::int64_t m = a[op.transpose_a ? 1 : 0], k = a[op.transpose_a ? 0 : 1];
  std::int64_t kb = w[op.transpose_b ? 1 : 0], n = w[op.transpose_b ? 0 : 1];
  if (k != kb) b.fail(fmt::format("A [{}] and B [{}] do not multiply", fmt::join(a, ", "), fmt::join(w, ", ")));
  if (op.inputs[2] >= 0) {
    Shape c = shape_of(b.tensor(op.inputs[2]));
    if (c.size() > 2 || broadcast(c, {m, n}, b) != Shape{m, n})
      b.fail(fmt::format("C [{}] does not broadcast to [{}, {}]", fmt::join(c, ", "), m, n));
  }
  b.emit(op, {m, n});
}

void lower_matmul(const onnx::NodeProto& node, GraphBuilder& b) {
  Attributes(node, {}, b);
  Op op;
  op.kind = OpKind::matmul;
  op.inputs = {b.data(0), b.data(1)};
  Shape a = shape_of(b.tensor(op.inputs[0])), w = shape_of(b.tensor(op.inputs[1]));
  if (a.empty() || w.empty()) b.fail("an operand is a scalar");
  Shape a2 = a.size() == 1 ? Shape{1, a[0]} : a, w2 = w.size() == 1 ? Shape{w[0], 1} : w;
  if (a2.back() != w2[w2.size() - 2])
    b.fail(fmt::format("[{}] and [{}] do not multiply", fmt::join(a, ", "), fmt::join(w, ", ")));
  Shape out = broadcast(Shape(a2.begin(), a2.end() - 2), Shape(w2.begin(), w2.end() - 2), b);
  if (a.size() > 1) out.push_back(a2[a2.size() - 2]);
  if (w.size() > 1) out.push_back(w2.back());
  b.emit(op, out);
}

void lower_reshape(const onnx::NodeProto& node, GraphBuilder& b) {
  Attributes attributes(node, {"allowzero"}, b);
  bool allow_zero = attributes.integer("allowzero").value_or(0) != 0;
  Op op = op_on_input(OpKind::reshape, b);
  Shape in = input_shape(op, b);
  std::optional<Shape> requested = int64_list(b, attributes, 1, "shape", 5);
  if (!requested) b.fail("has no shape input");
  Shape out = *requested;
  std::optional<std::size_t> inferred;
  std::int64_t known = 1, elements = product(in, 0, in.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == 0 && !allow_zero) {
      if (i >= in.size())
        b.fail(fmt::format("shape [{}] copies dimension {}, which the input lacks", fmt::join(*requested, ", "), i));
      out[i] = in[i];
    } else if (out[i] == -1) {
      if (inferred) b.fail(fmt::format("shape [{}] has more than one -1", fmt::join(*requested, ", ")));
      inferred = i;
      continue;
    }
    if (out[i] < 0 || out[i] > static_cast<std::int64_t>(kMaxElements) ||
        (known *= out[i]) > static_cast<std::int64_t>(kMaxElements))
      b.fail(fmt::format("shape [{}] is invalid or huge", fmt::join(*requested, ", ")));
  }
  if (inferred) {
    if (known == 0 || elements % known != 0)
      b.fail(fmt::format("cannot reshape [{}] to [{}]", fmt::join(in, ", "), fmt::join(*requested, ", ")));
    out[*inferred] = elements / known;
  }
  if (product(out, 0, out.size()) != elements)
    b.fail(fmt::format("cannot reshape [{}] ({} elements) to [{}]", fmt::join(in, ", "), elements,
                       fmt::join(*requested, ", ")));
  b.emit(op, out);
}

void lower_flatten(const onnx::NodeProto& node, GraphBuilder& b) {
  Attributes attributes(node, {"axis"}, b);
  Op op = op_on_input(OpKind::reshape, b);
  Shape in = input_shape(op, b);
  auto rank = static_cast<std::int64_t>(in.size());
  std::int64_t axis = attributes.integer("axis").value_or(1);
  if (axis < -rank || axis > rank) b.fail(fmt::format("axis {} is out of range for rank {}", axis, rank));
  auto split = static_cast<std::size_t>(axis < 0 ? axis + rank : axis);
  b.emit(op, {product(in, 0, split), product(in, split, in.size())});
}

void lower_unsqueeze(const onnx::NodeProto& node, GraphBuilder& b) {
  Attributes attributes(node, until_opset(13, b, {"axes"}), b);
  Op op = op_on_input(OpKind::expand_dims, b);
  Shape in = input_shape(op, b);
  std::optional<Shape> axes = int64_list(b, attributes, 1, "axes", 13);
  if (!axes) b.fail("has no axes");
  auto rank = static_cast<std::int64_t>(in.size() + axes->size());
  std::vector<bool> inserted(static_cast<std::size_t>(rank), false);
  for (std::int64_t axis : *axes) {
    auto i = static_cast<std::size_t>(normalized_axis(axis, rank, b));
    if (inserted[i]) b.fail(fmt::format("axes [{}] repeat an axis", fmt::join(*axes, ", ")));
    inserted[i] = true;
  }
  Shape out;
  auto next = in.begin();
  for (bool is_new : inserted) out.push_back(is_new ? 1 : *next++);
  b.emit(op, out);
}

void lower_squeeze(const onnx::NodeProto& node, GraphBuilder& b) {
  Attributes attributes(node, until_opset(13, b, {"axes"}), b);
  Op op = op_on_input(OpKind::squeeze, b);
  Shape in = input_shape(op, b);
  std::vector<bool> removed(in.size(), false);
  if (std::optional<Shape> axes = int64_list(b, attributes, 1, "axes", 13)) {
    for (std::int64_t axis : *axes) {
      auto i = static_cast<std::size_t>(normalized_axis(axis, static_cast<std::int64_t>(in.size()), b));
      if (in[i] != 1) b.fail(fmt::format("cannot squeeze axis {} of size {}", axis, in[i]));
      removed[i] = true;
    }
  } else {
    for (std::size_t i = 0; i < in.size(); ++i) removed[i] = in[i] == 1;
  }
  Shape out;
  for (std::size_t i = 0; i < in.size(); ++i)
    if (!removed[i]) out.push_back(in[i]);
  b.emit(op, out);
}

void lower_concat(const onnx::NodeProto& node, GraphBuilder& b) {
  Attributes attributes(node, {"axis"}, b);
  std::optional<std::int64_t> axis = attributes.integer("axis");
  if (!axis) b.fail("has no axis attribute");
  Op op;
  op.kind = OpKind::concatenation;
  for (int k = 0; k < node.input_size(); ++k) op.inputs.push_back(b.data(k));
  if (op.inputs.empty()) b.fail("has no inputs");
  Shape out = shape_of(b.tensor(op.inputs[0]));
  auto a = static_cast<std::size_t>(normalized_axis(*axis, static_cast<std::int64_t>(out.size()), b));
  op.axis = static_cast<int>(a);
  for (std::size_t k = 1; k < op.inputs.size(); ++k) {
    Shape in = shape_of(b.tensor(op.inputs[k]));
    bool fits = in.size() == out.size();
    for (std::size_t d = 0; fits && d < in.size(); ++d) fits = d == a || in[d] == out[d];
    if (!fits)
      b.fail(fmt::format("input '{}' [{}] does not fit [{}] outside axis {}", node.input(static_cast<int>(k)),
                         fmt::join(in, ", "), fmt::join(out, ", "), a));
    out[a] += in[a];
  }
  b.emit(op, out);
}

// How a node of one op type becomes an operator, and how many inputs it may
// name (Concat takes any number).
struct NodeKind {
  std::function<void(const onnx::NodeProto&, GraphBuilder&)> lower;
  int max_inputs = std::numeric_limits<int>::max();
};

const std::map<std::string, NodeKind, std::less<>>& node_kinds() {
  using std::placeholders::_1, std::placeholders::_2;
  static const std::map<std::string, NodeKind, std::less<>> table = {
      {"Add", {std::bind(lower_binary, OpKind::add, _1, _2), 2}},
      {"Sub", {std::bind(lower_binary, OpKind::sub, _1, _2), 2}},
      {"Mul", {std::bind(lower_binary, OpKind::mul, _1, _2), 2}},
      {"Div", {std::bind(lower_binary, OpKind::div, _1, _2), 2}},
      {"Relu", {std::bind(lower_elementwise, OpKind::relu, _1, _2), 1}},
      {"Sigmoid", {std::bind(lower_elementwise, OpKind::logistic, _1, _2), 1}},
      {"Tanh", {std::bind(lower_elementwise, OpKind::tanh, _1, _2), 1}},
      {"Identity", {std::bind(lower_elementwise, OpKind::reshape, _1, _2), 1}},
      {"Clip", {lower_clip, 3}},
      {"Gemm", {lower_gemm, 3}},
      {"MatMul", {lower_matmul, 2}},
      {"Reshape", {lower_reshape, 2}},
      {"Flatten", {lower_flatten, 1}},
      {"Unsqueeze", {lower_unsqueeze, 2}},
      {"Squeeze", {lower_squeeze, 2}},
      {"Concat", {lower_concat}},
  };
  return table;
}

}  // namespace

void check_op_type(const onnx::NodeProto& node, GraphBuilder& b) {
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    b.fail(fmt::format("operator domain '{}' is not supported", node.domain()));
  auto kind = node_kinds().find(node.op_type());
  if (kind == node_kinds().end()) b.fail(fmt::format("op type '{}' is not supported", node.op_type()));
  if (node.input_size() > kind->second.max_inputs)
    b.fail(fmt::format("has {} inputs; {} takes at most {}", node.input_size(), node.op_type(), kind->second.max_inputs));
}

void lower_node(const onnx::NodeProto& node, GraphBuilder& b) {
  check_op_type(node, b);
  node_kinds().find(node.op_type())->second.lower(node, b);
}

bool is_load_time_input(const std::string& op_type, int k) {
  if (op_type == "Reshape" || op_type == "Unsqueeze" || op_type == "Squeeze") return k == 1;
  return op_type == "Clip" && (k == 1 || k == 2);
}

}  // namespace edgeml::runtime::onnx_io
