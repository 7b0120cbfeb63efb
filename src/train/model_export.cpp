#include "train/model_export.h"

#include <fmt/format.h>

#include "convert/onnx_writer.h"
#include "convert/tflite_writer.h"

namespace edgeml::train {

namespace {

using runtime::add_op;
using runtime::add_tensor;
using runtime::float_tensor;
using runtime::Graph;
using runtime::Op;
using runtime::OpKind;

std::vector<float> values_of(const Eigen::MatrixXf& m) { return {m.data(), m.data() + m.size()}; }

// The activations FULLY_CONNECTED fuses; sigmoid follows it as LOGISTIC.
runtime::Activation fused(Activation a) {
  switch (a) {
    case Activation::relu: return runtime::Activation::relu;
    case Activation::relu6: return runtime::Activation::relu6;
    case Activation::tanh: return runtime::Activation::tanh;
    default: return runtime::Activation::none;
  }
}

int add_normalization(Graph& g, int x, const Normalization& n, std::int32_t width) {
  x = add_op(g, OpKind::sub, {x, add_tensor(g, float_tensor("normalization/mean", {width}, values_of(n.mean)))},
             float_tensor("normalization/centred", {1, width}));
  return add_op(g, OpKind::mul, {x, add_tensor(g, float_tensor("normalization/factor", {width}, values_of(n.factor)))},
                float_tensor("normalization/output", {1, width}));
}

}  // namespace

std::string model_input_name(const ModelSpec& spec) {
  const std::vector<std::string> inputs = spec.inputs();
  return inputs.size() == 1 ? inputs[0] : "features";
}

namespace {

// A gap target's last input, prev_time, reaches no layer: the normalisation
// passes it as it is and the first layer weighs it 0.
Normalization widened(Normalization n) {
  const Eigen::Index w = n.mean.size();
  n.mean.conservativeResize(w + 1);
  n.factor.conservativeResize(w + 1);
  n.variance.conservativeResize(w + 1);
  n.mean(w) = 0;
  n.factor(w) = 1;
  n.variance(w) = 1;
  return n;
}

Eigen::MatrixXf widened(const Eigen::MatrixXf& weights) {
  Eigen::MatrixXf w = Eigen::MatrixXf::Zero(weights.rows() + 1, weights.cols());
  w.topRows(weights.rows()) = weights;
  return w;
}

// The dense layers from `x` on; the last one's output is named `output`.
int add_dense_layers(Graph& g, int x, const TrainedModel& model, const std::string& output) {
  const auto& layers = model.network.layers();
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const auto& layer = layers[l];
    const Eigen::MatrixXf weights = l == 0 && model.spec.target == Target::gap ? widened(layer.weights) : layer.weights;
    auto units = static_cast<std::int32_t>(weights.cols());
    auto inputs = static_cast<std::int32_t>(weights.rows());
    std::string name = l + 1 == layers.size() ? "output" : fmt::format("dense{}", l + 1);
    // The kernel is inputs x units in column-major order, which is the
    // units x inputs row-major layout FULLY_CONNECTED takes.
    int w = add_tensor(g, float_tensor(name + "/kernel", {units, inputs}, values_of(weights)));
    int b = add_tensor(g, float_tensor(name + "/bias", {units}, values_of(layer.bias)));
    const bool last = l + 1 == layers.size(), sigmoid = layer.activation == Activation::sigmoid;
    x = add_op(g, OpKind::fully_connected, {x, w, b},
               float_tensor(last && !sigmoid ? output : name + (sigmoid ? "/linear" : "/output"), {1, units}),
               fused(layer.activation));
    if (sigmoid) x = add_op(g, OpKind::logistic, {x}, float_tensor(last ? output : name + "/output", {1, units}));
  }
  return x;
}

// prediction = gap + prev_time, prev_time picked from the input by a dense
// layer of one 1 and zeros, exact in float32.
int add_gap_to_prev_time(Graph& g, int input, int gap, std::int32_t width) {
  std::vector<float> pick(static_cast<std::size_t>(width), 0.0f);
  pick.back() = 1;
  // A zero bias, not none: Arm NN's reader takes no dense layer without one.
  const std::string name = kPrevTimeTensor;
  int prev_time = add_op(g, OpKind::fully_connected,
                         {input, add_tensor(g, float_tensor(name + "/pick", {1, width}, pick)),
                          add_tensor(g, float_tensor(name + "/zero", {1}, {0.0f}))},
                         float_tensor(name, {1, 1}));
  return add_op(g, OpKind::add, {gap, prev_time}, float_tensor("prediction", {1, 1}));
}

}  // namespace

Graph model_graph(const TrainedModel& model, const std::string& version) {
  const std::vector<std::string> features = model.spec.inputs();
  const bool gap = model.spec.target == Target::gap;
  auto width = static_cast<std::int32_t>(features.size());
  Graph g;
  g.description = fmt::format("edgeml {} {}: inputs {}, output (event_time - offset) / scale", model.spec.name,
                              version, fmt::join(features, ", "));
  const int input = add_tensor(g, float_tensor(model_input_name(model.spec), {1, width}));
  g.inputs = {input};
  int x = input;
  if (model.spec.normalization)
    x = add_normalization(g, x, gap ? widened(model.normalization) : model.normalization, width);
  x = add_dense_layers(g, x, model, gap ? "gap" : "prediction");
  g.outputs = {gap ? add_gap_to_prev_time(g, input, x, width) : x};
  return g;
}

ModelFiles write_model_files(const TrainedModel& model, const std::string& version, const std::filesystem::path& dir) {
  Graph g = model_graph(model, version);
  ModelFiles files{dir / (model.entry_name() + ".tflite"), dir / (model.entry_name() + ".onnx")};
  convert::write_tflite_file(g, files.tflite);
  convert::write_onnx_file(g, files.onnx);
  return files;
}

}  // namespace edgeml::train
