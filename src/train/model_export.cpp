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
  return spec.features.size() == 1 ? spec.features[0] : "features";
}

Graph model_graph(const TrainedModel& model, const std::string& version) {
  const auto& features = model.spec.features;
  auto width = static_cast<std::int32_t>(features.size());
  Graph g;
  g.description = fmt::format("edgeml {} {}: inputs {}, output (event_time - offset) / scale", model.spec.name,
                              version, fmt::join(features, ", "));
  int x = add_tensor(g, float_tensor(model_input_name(model.spec), {1, width}));
  g.inputs = {x};
  if (model.spec.normalization) x = add_normalization(g, x, model.normalization, width);
  const auto& layers = model.network.layers();
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const auto& layer = layers[l];
    auto units = static_cast<std::int32_t>(layer.weights.cols());
    auto inputs = static_cast<std::int32_t>(layer.weights.rows());
    std::string name = l + 1 == layers.size() ? "output" : fmt::format("dense{}", l + 1);
    // The kernel is inputs x units in column-major order, which is the
    // units x inputs row-major layout FULLY_CONNECTED takes.
    int w = add_tensor(g, float_tensor(name + "/kernel", {units, inputs}, values_of(layer.weights)));
    int b = add_tensor(g, float_tensor(name + "/bias", {units}, values_of(layer.bias)));
    const bool last = l + 1 == layers.size(), sigmoid = layer.activation == Activation::sigmoid;
    x = add_op(g, OpKind::fully_connected, {x, w, b},
               float_tensor(last && !sigmoid ? "prediction" : name + (sigmoid ? "/linear" : "/output"), {1, units}),
               fused(layer.activation));
    if (sigmoid) x = add_op(g, OpKind::logistic, {x}, float_tensor(last ? "prediction" : name + "/output", {1, units}));
  }
  g.outputs = {x};
  return g;
}

ModelFiles write_model_files(const TrainedModel& model, const std::string& version, const std::filesystem::path& dir) {
  Graph g = model_graph(model, version);
  ModelFiles files{dir / (model.spec.name + ".tflite"), dir / (model.spec.name + ".onnx")};
  convert::write_tflite_file(g, files.tflite);
  convert::write_onnx_file(g, files.onnx);
  return files;
}

}  // namespace edgeml::train
