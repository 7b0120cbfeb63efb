#include "support/sample_models.h"

#include <cmath>
#include <cstring>
#include <random>

#include <fmt/format.h>

#include "convert/probe_inputs.h"
#include "convert/quantize_graph.h"

namespace edgeml::test {

using namespace runtime;

namespace {

// Uniform in [-limit, limit) from mt19937's raw output, which (unlike the
// standard distributions) is the same with every standard library.
std::vector<float> seeded_values(std::mt19937& rng, std::size_t n, float limit) {
  std::vector<float> values(n);
  for (float& v : values) v = limit * (2.0f * static_cast<float>(rng() >> 8) / static_cast<float>(1u << 24) - 1.0f);
  return values;
}

// Appends a FULLY_CONNECTED layer reading tensor `in` and gives its output.
int add_dense(Graph& g, int in, const std::string& name, std::vector<float> weights, std::vector<float> bias,
              Activation act) {
  auto units = static_cast<std::int32_t>(bias.size());
  auto in_units = static_cast<std::int32_t>(weights.size() / bias.size());
  return add_op(g, OpKind::fully_connected,
                {in, add_tensor(g, float_tensor(name + "/kernel", {units, in_units}, weights)),
                 add_tensor(g, float_tensor(name + "/bias", {units}, bias))},
                float_tensor(name + "/output", {1, units}), act);
}

}  // namespace

Graph sample_linear_model() {
  Graph g;
  g.description = "edgeml sample: linear 3 -> 1";
  g.inputs = {add_tensor(g, float_tensor("input", {1, 3}))};
  g.outputs = {add_dense(g, g.inputs[0], "linear", {0.05f, 0.5f, -0.25f}, {-68.8f}, Activation::none)};
  return g;
}

Graph sample_relu_network() {
  Graph g;
  g.description = "edgeml sample: 3 -> 64 -> 64 -> 1, ReLU";
  std::mt19937 rng(20201126);
  int x = add_tensor(g, float_tensor("input", {1, 3}));
  g.inputs = {x};
  // Limits after Glorot's uniform initialisation, sqrt(6 / (fan_in + fan_out)).
  auto limit = [](int fan_in, int fan_out) { return std::sqrt(6.0f / static_cast<float>(fan_in + fan_out)); };
  x = add_dense(g, x, "dense1", seeded_values(rng, 64 * 3, limit(3, 64)), seeded_values(rng, 64, 0.1f), Activation::relu);
  x = add_dense(g, x, "dense2", seeded_values(rng, 64 * 64, limit(64, 64)), seeded_values(rng, 64, 0.1f),
                Activation::relu);
  g.outputs = {add_dense(g, x, "dense3", seeded_values(rng, 64, limit(64, 1)), seeded_values(rng, 1, 0.1f),
                         Activation::none)};
  return g;
}

Graph sample_wide_network(int width) {
  Graph g;
  g.description = fmt::format("edgeml sample: 3 -> {0} -> {0} -> 1, ReLU", width);
  std::mt19937 rng(20261205);
  const float scale = std::sqrt(3.0f / static_cast<float>(width));
  int x = add_tensor(g, float_tensor("input", {1, 3}));
  g.inputs = {x};
  x = add_dense(g, x, "dense1", seeded_values(rng, width * 3, 0.5f), seeded_values(rng, width, 0.1f), Activation::relu);
  x = add_dense(g, x, "dense2", seeded_values(rng, width * width, scale), seeded_values(rng, width, 0.1f),
                Activation::relu);
  g.outputs = {add_dense(g, x, "dense3", seeded_values(rng, width, scale), seeded_values(rng, 1, 0.1f), Activation::none)};
  return g;
}

Graph sample_relu_network_int8() { return convert::quantize_fully_connected(sample_relu_network(), sample_inputs(256)); }

std::vector<std::vector<float>> sample_inputs(std::size_t count) { return convert::tutorial_like_inputs(count); }

}  // namespace edgeml::test
