#include "runtime/tflite_reader.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/model_bytes.h"
#include "runtime/tflite_builtin_codes.h"
#include "runtime/tflite_schema_generated.h"

namespace edgeml::runtime {

namespace fb = edgeml::tflite;

namespace {

// Shapes beyond this many elements are refused: an edge model is far smaller.
constexpr std::size_t kMaxElements = std::size_t{1} << 28;

struct Context {
  const std::string& origin;
  [[noreturn]] void fail(const std::string& what) const { throw Error(fmt::format("{}: {}", origin, what)); }
};

Activation activation_of(fb::ActivationFunctionType a, const Context& ctx, std::size_t op) {
  switch (a) {
    case fb::ActivationFunctionType::NONE: return Activation::none;
    case fb::ActivationFunctionType::RELU: return Activation::relu;
    case fb::ActivationFunctionType::RELU6: return Activation::relu6;
    case fb::ActivationFunctionType::TANH: return Activation::tanh;
    default: ctx.fail(fmt::format("operator {}: fused activation {} is not supported", op, static_cast<int>(a)));
  }
}

// Per-tensor quantization: one scale, finite and positive, and one zero point
// (in int8's range for int8). int32 tensors (biases) may go without.
void read_quantization(const fb::QuantizationParameters* q, Tensor& out, const Context& ctx, std::size_t index) {
  auto where = [&] { return fmt::format("tensor {} ('{}')", index, out.name); };
  std::size_t scales = q && q->scale() ? q->scale()->size() : 0;
  std::size_t zero_points = q && q->zero_point() ? q->zero_point()->size() : 0;
  if (scales == 0 && out.type == DataType::int32) return;
  if (scales == 0) ctx.fail(fmt::format("{} is {} without a quantization scale", where(), type_name(out.type)));
  if (scales > 1)
    ctx.fail(fmt::format("{} is quantized per channel ({} scales, dimension {}); only per-tensor is supported", where(),
                         scales, q->quantized_dimension()));
  if (zero_points != 1) ctx.fail(fmt::format("{} has {} zero points for its 1 scale", where(), zero_points));
  out.scale = q->scale()->Get(0);
  out.zero_point = q->zero_point()->Get(0);
  if (!std::isfinite(out.scale) || out.scale <= 0)
    ctx.fail(fmt::format("{} has quantization scale {}, not a positive number", where(), out.scale));
  if (out.type == DataType::int8 && (out.zero_point < -128 || out.zero_point > 127))
    ctx.fail(fmt::format("{} has zero point {}, outside int8's -128..127", where(), out.zero_point));
}

Tensor read_tensor(const fb::Tensor& t, const fb::Model& model, const Context& ctx, std::size_t index) {
  Tensor out;
  out.name = t.name() ? t.name()->str() : fmt::format("tensor{}", index);
  switch (t.type()) {
    case fb::TensorType::FLOAT32: out.type = DataType::float32; break;
    case fb::TensorType::INT8: out.type = DataType::int8; break;
    case fb::TensorType::INT32: out.type = DataType::int32; break;
    default: ctx.fail(fmt::format("tensor {} ('{}'): type {} is not supported", index, out.name, static_cast<int>(t.type())));
  }
  std::size_t elements = 1;
  // The product of the nonzero dimensions is bounded too: kernels loop over
  // every dimension, so an empty tensor of shape [0, 2^31, 2^31] would hang them.
  std::size_t extent = 1;
  if (t.shape())
    for (std::int32_t d : *t.shape()) {
      if (d < 0) ctx.fail(fmt::format("tensor {} ('{}') has a negative dimension", index, out.name));
      out.shape.push_back(d);
      if (d > 0 && extent > kMaxElements / static_cast<std::size_t>(d))
        ctx.fail(fmt::format("tensor {} ('{}') has a huge shape", index, out.name));
      extent *= static_cast<std::size_t>(std::max(d, 1));
      elements *= static_cast<std::size_t>(d);
    }
  std::uint32_t buffer = t.buffer();
  if (!model.buffers() || buffer >= model.buffers()->size())
    ctx.fail(fmt::format("tensor {} ('{}') refers to buffer {}, which does not exist", index, out.name, buffer));
  const auto* data = model.buffers()->Get(buffer)->data();
  if (data && data->size() > 0) {
    if (data->size() != elements * type_size(out.type))
      ctx.fail(fmt::format("tensor {} ('{}'): buffer holds {} bytes, its shape needs {}", index, out.name,
                           data->size(), elements * type_size(out.type)));
    out.constant.assign(data->begin(), data->end());
  }
  if (out.type != DataType::float32) read_quantization(t.quantization(), out, ctx, index);
  return out;
}

void check_index(int index, std::size_t count, bool optional, const Context& ctx, const std::string& where) {
  if ((index == -1 && optional) || (index >= 0 && static_cast<std::size_t>(index) < count)) return;
  ctx.fail(fmt::format("{} refers to tensor {}, which does not exist", where, index));
}

Op read_op(const fb::Operator& o, const fb::Model& model, const Graph& graph, const Context& ctx, std::size_t index) {
  const auto* codes = model.operator_codes();
  if (!codes || o.opcode_index() >= codes->size())
    ctx.fail(fmt::format("operator {} has operator code {}, which does not exist", index, o.opcode_index()));
  const fb::OperatorCode* code = codes->Get(o.opcode_index());
  int builtin = std::max<int>(code->deprecated_builtin_code(), code->builtin_code());
  Op op;
  std::optional<OpKind> kind = op_kind_of_builtin(builtin);
  if (!kind)
    ctx.fail(fmt::format("operator {}: builtin operator {}{} is not supported", index, builtin,
                         code->custom_code() ? " (custom '" + code->custom_code()->str() + "')" : ""));
  op.kind = *kind;
  const std::size_t n = graph.tensors.size();
  if (o.inputs())
    for (int i : *o.inputs()) {
      // Only a fully connected operator's bias, its third input, may be left out.
      bool optional = op.kind == OpKind::fully_connected && op.inputs.size() == 2;
      check_index(i, n, optional, ctx, fmt::format("operator {} ({})", index, op_name(op.kind)));
      op.inputs.push_back(i);
    }
  if (o.outputs())
    for (int i : *o.outputs()) {
      check_index(i, n, false, ctx, fmt::format("operator {} ({})", index, op_name(op.kind)));
      op.outputs.push_back(i);
    }
  if (const auto* fc = o.builtin_options_as_FullyConnectedOptions())
    op.activation = activation_of(fc->fused_activation_function(), ctx, index);
  else if (const auto* add = o.builtin_options_as_AddOptions())
    op.activation = activation_of(add->fused_activation_function(), ctx, index);
  else if (const auto* sub = o.builtin_options_as_SubOptions())
    op.activation = activation_of(sub->fused_activation_function(), ctx, index);
  else if (const auto* mul = o.builtin_options_as_MulOptions())
    op.activation = activation_of(mul->fused_activation_function(), ctx, index);
  else if (const auto* div = o.builtin_options_as_DivOptions())
    op.activation = activation_of(div->fused_activation_function(), ctx, index);
  else if (const auto* cat = o.builtin_options_as_ConcatenationOptions()) {
    op.activation = activation_of(cat->fused_activation_function(), ctx, index);
    op.axis = cat->axis();
  }
  return op;
}

// FULLY_CONNECTED's operands agree in type: all float32, or int8 with an
// int32 bias whose scale is in_scale * w_scale (what the integer kernel assumes).
void check_fully_connected_types(const Graph& g, const Context& ctx) {
  for (std::size_t k = 0; k < g.ops.size(); ++k) {
    const Op& op = g.ops[k];
    if (op.kind != OpKind::fully_connected || op.inputs.size() < 2 || op.outputs.empty()) continue;
    auto at = [&](int i) -> const Tensor& { return g.tensors[static_cast<std::size_t>(i)]; };
    const Tensor& in = at(op.inputs[0]);
    const bool int8 = in.type == DataType::int8;
    auto expect = [&](const Tensor& t, DataType type, const char* role) {
      if (t.type != type)
        ctx.fail(fmt::format("operator {} (FULLY_CONNECTED): {} '{}' is {}; with {} input it must be {}", k, role, t.name,
                             type_name(t.type), type_name(in.type), type_name(type)));
    };
    expect(at(op.inputs[1]), in.type, "weights");
    expect(at(op.outputs[0]), in.type, "output");
    if (op.inputs.size() < 3 || op.inputs[2] < 0) continue;
    const Tensor& bias = at(op.inputs[2]);
    expect(bias, int8 ? DataType::int32 : DataType::float32, "bias");
    double product = static_cast<double>(in.scale) * at(op.inputs[1]).scale;
    if (int8 && std::fabs(bias.scale - product) > 1e-6 * product)
      ctx.fail(fmt::format("operator {} (FULLY_CONNECTED): bias '{}' has scale {}, not input scale x weight scale {}", k,
                           bias.name, bias.scale, product));
  }
}

// Operators come in execution order: each must read only constants, graph
// inputs and what earlier operators wrote. This also rules out cycles.
void check_dataflow(const Graph& g, const Context& ctx) {
  std::vector<bool> ready(g.tensors.size(), false);
  for (std::size_t i = 0; i < g.tensors.size(); ++i) ready[i] = g.tensors[i].is_constant();
  for (int i : g.inputs) ready[static_cast<std::size_t>(i)] = true;
  for (std::size_t k = 0; k < g.ops.size(); ++k) {
    for (int i : g.ops[k].inputs)
      if (i >= 0 && !ready[static_cast<std::size_t>(i)])
        ctx.fail(fmt::format("operator {} ({}) reads tensor {} before anything writes it", k, op_name(g.ops[k].kind), i));
    for (int i : g.ops[k].outputs) ready[static_cast<std::size_t>(i)] = true;
  }
  for (int i : g.outputs)
    if (!ready[static_cast<std::size_t>(i)]) ctx.fail(fmt::format("graph output {} is never written", i));
}

}  // namespace

Graph read_tflite(std::span<const std::uint8_t> bytes, const std::string& origin) {
  Context ctx{origin};
  if (bytes.size() < 8 || !fb::ModelBufferHasIdentifier(bytes.data()))
    ctx.fail("not a TensorFlow Lite model (no TFL3 identifier)");
  if (bytes.size() > kMaxModelBytes) ctx.fail(fmt::format("larger than {} bytes", kMaxModelBytes));
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!fb::VerifyModelBuffer(verifier)) ctx.fail("corrupt: the FlatBuffers verifier rejected it");
  const fb::Model& model = *fb::GetModel(bytes.data());
  if (!model.subgraphs() || model.subgraphs()->size() != 1)
    ctx.fail(fmt::format("has {} subgraphs; exactly one is supported", model.subgraphs() ? model.subgraphs()->size() : 0));
  const fb::SubGraph& sg = *model.subgraphs()->Get(0);

  Graph g;
  if (model.description()) g.description = model.description()->str();
  if (sg.tensors())
    for (flatbuffers::uoffset_t i = 0; i < sg.tensors()->size(); ++i) g.tensors.push_back(read_tensor(*sg.tensors()->Get(i), model, ctx, i));
  for (auto [list, out, what] : {std::tuple{sg.inputs(), &g.inputs, "graph input"}, std::tuple{sg.outputs(), &g.outputs, "graph output"}}) {
    if (!list || list->size() == 0) ctx.fail(fmt::format("has no {}", what));
    for (int i : *list) {
      check_index(i, g.tensors.size(), false, ctx, what);
      out->push_back(i);
    }
  }
  if (sg.operators())
    for (flatbuffers::uoffset_t k = 0; k < sg.operators()->size(); ++k) g.ops.push_back(read_op(*sg.operators()->Get(k), model, g, ctx, k));
  check_dataflow(g, ctx);
  check_fully_connected_types(g, ctx);
  return g;
}

Graph read_tflite_file(const std::filesystem::path& path) { return read_tflite(read_model_bytes(path), path.string()); }

}  // namespace edgeml::runtime
