#include "models.h"

#include <cmath>
#include <random>
#include <vector>

namespace edgeml::bench {

namespace {

using runtime::Activation;
using runtime::Graph;
using runtime::Op;
using runtime::OpKind;

int add_tensor(Graph& g, std::string name, std::vector<std::int32_t> shape, const std::vector<float>& values = {}) {
  g.tensors.push_back(runtime::float_tensor(std::move(name), std::move(shape), values));
  return static_cast<int>(g.tensors.size()) - 1;
}

// Appends a FULLY_CONNECTED layer reading tensor `in` (in_units wide) and
// returns its output tensor. Weights are uniform in +-1/sqrt(in_units), as a
// Glorot-like initialisation keeps activations of the order of the inputs.
int add_dense(Graph& g, std::mt19937& rng, int in, int in_units, int out_units, int batch, Activation act) {
  std::string layer = "dense" + std::to_string(g.ops.size());
  float limit = 1.0f / std::sqrt(static_cast<float>(in_units));
  std::uniform_real_distribution<float> uniform(-limit, limit);
  std::vector<float> weights(static_cast<std::size_t>(in_units * out_units));
  for (float& w : weights) w = uniform(rng);
  std::vector<float> bias(static_cast<std::size_t>(out_units));
  for (float& b : bias) b = uniform(rng);
  Op op;
  op.kind = OpKind::fully_connected;
  op.activation = act;
  op.inputs = {in, add_tensor(g, layer + "/weights", {out_units, in_units}, weights),
               add_tensor(g, layer + "/bias", {out_units}, bias)};
  op.outputs = {add_tensor(g, layer + "/out", {batch, out_units})};
  g.ops.push_back(std::move(op));
  return g.ops.back().outputs[0];
}

}  // namespace

const char* model_name(ModelKind kind) { return kind == ModelKind::linear ? "linear" : "mlp"; }

Graph build_model(ModelKind kind, int batch, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Graph g;
  g.description = model_name(kind);
  int x = add_tensor(g, "x", {batch, 3});
  g.inputs = {x};
  if (kind == ModelKind::linear) {
    g.outputs = {add_dense(g, rng, x, 3, 1, batch, Activation::none)};
    return g;
  }
  int h1 = add_dense(g, rng, x, 3, 64, batch, Activation::relu);
  int h2 = add_dense(g, rng, h1, 64, 64, batch, Activation::relu);
  g.outputs = {add_dense(g, rng, h2, 64, 1, batch, Activation::none)};
  return g;
}

}  // namespace edgeml::bench
