#include "convert/quantize_graph.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/interpreter.h"

namespace edgeml::convert {

using namespace runtime;

namespace {

struct Range {
  float min = 0, max = 0;
};

const Tensor& tensor_at(const Graph& g, int index) { return g.tensors[static_cast<std::size_t>(index)]; }

bool has_bias(const Op& op) { return op.inputs.size() == 3 && op.inputs[2] >= 0; }

// A float layer with constant weights (and bias) whose activation int8 can clamp to.
bool quantizable(const Op& op, const Graph& g) {
  if (op.kind != OpKind::fully_connected || op.inputs.size() < 2 || op.activation == Activation::tanh) return false;
  const Tensor& w = tensor_at(g, op.inputs[1]);
  bool float_bias = !has_bias(op) || (tensor_at(g, op.inputs[2]).is_constant() && tensor_at(g, op.inputs[2]).type == DataType::float32);
  return tensor_at(g, op.inputs[0]).type == DataType::float32 && w.type == DataType::float32 && w.is_constant() &&
         float_bias;
}

std::vector<float> float_values(const Tensor& t) {
  std::vector<float> values(t.constant.size() / sizeof(float));
  std::memcpy(values.data(), t.constant.data(), values.size() * sizeof(float));
  return values;
}

// The range of each `watched` tensor over all calibration samples.
std::vector<Range> calibrate(const Graph& g, const std::vector<int>& watched, const std::vector<std::vector<float>>& samples) {
  Graph probe = g;
  probe.outputs = watched;
  Interpreter interpreter(std::move(probe));
  std::span<float> input = interpreter.input(0);
  std::vector<Range> ranges(watched.size());
  for (std::size_t s = 0; s < samples.size(); ++s) {
    if (samples[s].size() != input.size())
      throw Error(fmt::format("calibration sample {} has {} values, the model takes {}", s, samples[s].size(), input.size()));
    std::copy(samples[s].begin(), samples[s].end(), input.begin());
    interpreter.invoke();
    for (std::size_t k = 0; k < watched.size(); ++k)
      for (float v : interpreter.output(k)) {
        ranges[k].min = std::min(ranges[k].min, v);
        ranges[k].max = std::max(ranges[k].max, v);
      }
  }
  return ranges;
}

// Asymmetric over the range widened to hold 0, so that 0 (ReLU's floor) is exact.
void quantize_activation(Tensor& t, Range r) {
  t.type = DataType::int8;
  double width = std::max(static_cast<double>(r.max) - r.min, 1e-6);
  t.scale = static_cast<float>(width / 255.0);
  t.zero_point = std::clamp<std::int64_t>(std::llround(-128.0 - r.min / static_cast<double>(t.scale)), -128, 127);
}

// Symmetric per tensor: [-127, 127] covers the largest magnitude.
Tensor quantized_weights(const Tensor& w) {
  std::vector<float> values = float_values(w);
  float max_abs = 0;
  for (float v : values) max_abs = std::max(max_abs, std::fabs(v));
  Tensor q = w;
  q.type = DataType::int8;
  q.scale = max_abs > 0 ? max_abs / 127.0f : 1.0f;
  q.zero_point = 0;
  q.constant.resize(values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    q.constant[i] = static_cast<std::uint8_t>(static_cast<std::int8_t>(std::clamp(std::lround(values[i] / q.scale), -127L, 127L)));
  return q;
}

Tensor quantized_bias(const Tensor& b, double scale) {
  std::vector<float> values = float_values(b);
  std::vector<std::int32_t> q(values.size());
  constexpr double kMax = std::numeric_limits<std::int32_t>::max();
  for (std::size_t i = 0; i < values.size(); ++i)
    q[i] = static_cast<std::int32_t>(std::clamp(std::round(values[i] / scale), -kMax, kMax));
  Tensor t = b;
  t.type = DataType::int32;
  t.scale = static_cast<float>(scale);
  t.zero_point = 0;
  std::memcpy(t.constant.data(), q.data(), t.constant.size());
  return t;
}

Op unary_op(OpKind kind, int in, int out) {
  Op op;
  op.kind = kind;
  op.inputs = {in};
  op.outputs = {out};
  return op;
}

// Drops tensors nothing refers to (the float versions of what became int8).
Graph without_unused_tensors(Graph g) {
  std::vector<bool> used(g.tensors.size(), false);
  auto mark = [&](const std::vector<int>& list) {
    for (int i : list)
      if (i >= 0) used[static_cast<std::size_t>(i)] = true;
  };
  mark(g.inputs);
  mark(g.outputs);
  for (const Op& op : g.ops) mark(op.inputs), mark(op.outputs);
  Graph out;
  out.description = g.description;
  std::vector<int> renumbered(g.tensors.size(), -1);
  for (std::size_t i = 0; i < g.tensors.size(); ++i)
    if (used[i]) renumbered[i] = add_tensor(out, std::move(g.tensors[i]));
  auto remap = [&](std::vector<int>& list) {
    for (int& i : list)
      if (i >= 0) i = renumbered[static_cast<std::size_t>(i)];
  };
  for (Op& op : g.ops) remap(op.inputs), remap(op.outputs);
  out.ops = std::move(g.ops);
  out.inputs = std::move(g.inputs);
  out.outputs = std::move(g.outputs);
  remap(out.inputs);
  remap(out.outputs);
  return out;
}

}  // namespace

namespace {

// What calibration watches and what must stay float: every input and output
// of a quantizable layer becomes int8; graph outputs and what other operators
// read are also needed as float.
struct Plan {
  std::vector<int> watched;
  std::vector<bool> float_needed;
};

Plan plan(const Graph& f) {
  Plan p;
  p.float_needed.assign(f.tensors.size(), false);
  for (const Op& op : f.ops) {
    if (!quantizable(op, f)) {
      for (int i : op.inputs)
        if (i >= 0) p.float_needed[static_cast<std::size_t>(i)] = true;
      continue;
    }
    for (int i : {op.inputs[0], op.outputs[0]})
      if (std::find(p.watched.begin(), p.watched.end(), i) == p.watched.end()) p.watched.push_back(i);
  }
  for (int i : f.outputs) p.float_needed[static_cast<std::size_t>(i)] = true;
  return p;
}

// Appends `op` on int8 to `q`: its input quantized first unless already
// int8, its output dequantized after when something needs it as float.
void add_int8_layer(Graph& q, const Graph& f, const Op& op, const std::vector<int>& twin, const Plan& p,
                    std::vector<bool>& int8_written) {
  auto x = static_cast<std::size_t>(op.inputs[0]), y = static_cast<std::size_t>(op.outputs[0]);
  if (!int8_written[x]) q.ops.push_back(unary_op(OpKind::quantize, op.inputs[0], twin[x]));
  int8_written[x] = true;
  Op layer = op;
  Tensor weights = quantized_weights(tensor_at(f, op.inputs[1]));
  double bias_scale = static_cast<double>(tensor_at(q, twin[x]).scale) * weights.scale;
  layer.inputs = {twin[x], add_tensor(q, std::move(weights))};
  if (has_bias(op)) layer.inputs.push_back(add_tensor(q, quantized_bias(tensor_at(f, op.inputs[2]), bias_scale)));
  layer.outputs = {twin[y]};
  q.ops.push_back(layer);
  int8_written[y] = true;
  if (p.float_needed[y]) q.ops.push_back(unary_op(OpKind::dequantize, twin[y], op.outputs[0]));
}

}  // namespace

Graph quantize_fully_connected(const Graph& f, const std::vector<std::vector<float>>& calibration_inputs) {
  if (f.inputs.size() != 1) throw Error(fmt::format("quantization takes a model with 1 input, not {}", f.inputs.size()));
  if (calibration_inputs.empty()) throw Error("quantization needs calibration inputs");
  const Plan p = plan(f);
  std::vector<Range> ranges = calibrate(f, p.watched, calibration_inputs);

  Graph q = f;
  q.description = f.description + " (int8)";
  q.ops.clear();
  std::vector<int> twin(f.tensors.size(), -1);  // an activation's int8 version
  for (std::size_t k = 0; k < p.watched.size(); ++k) {
    Tensor t = tensor_at(f, p.watched[k]);
    t.name += "_int8";
    quantize_activation(t, ranges[k]);
    twin[static_cast<std::size_t>(p.watched[k])] = add_tensor(q, std::move(t));
  }
  std::vector<bool> int8_written(f.tensors.size(), false);
  for (const Op& op : f.ops) {
    if (quantizable(op, f)) add_int8_layer(q, f, op, twin, p, int8_written);
    else q.ops.push_back(op);
  }
  return without_unused_tensors(std::move(q));
}

}  // namespace edgeml::convert
