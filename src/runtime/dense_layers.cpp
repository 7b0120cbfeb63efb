#include "runtime/dense_layers.h"

#include <cstring>

namespace edgeml::runtime {

namespace {

std::vector<float> floats_of(const Tensor& t) {
  std::vector<float> values(t.element_count());
  std::memcpy(values.data(), t.constant.data(), values.size() * sizeof(float));
  return values;
}

bool is_float_constant(const Tensor& t) { return t.type == DataType::float32 && t.is_constant(); }

// Whether `op` computes A x B' + C with a constant weight matrix and bias.
bool is_dense_layer(const Op& op, const Graph& g) {
  if (op.kind != OpKind::matmul || op.transpose_a || op.inputs.size() < 2) return false;
  const Tensor& a = g.tensors[static_cast<std::size_t>(op.inputs[0])];
  const Tensor& b = g.tensors[static_cast<std::size_t>(op.inputs[1])];
  if (a.type != DataType::float32 || a.shape.size() != 2 || !is_float_constant(b) || b.shape.size() != 2) return false;
  if (op.inputs.size() < 3 || op.inputs[2] < 0) return true;
  const Tensor& c = g.tensors[static_cast<std::size_t>(op.inputs[2])];
  std::int32_t units = op.transpose_b ? b.shape[0] : b.shape[1];
  return is_float_constant(c) && c.element_count() == static_cast<std::size_t>(units) && c.shape.size() <= 2 &&
         (c.shape.size() < 2 || c.shape[0] == 1);
}

// Weights as FULLY_CONNECTED keeps them: [units, inputs], times alpha.
Tensor dense_weights(const Op& op, const Tensor& b) {
  std::vector<float> w = floats_of(b);
  auto rows = static_cast<std::size_t>(b.shape[0]), cols = static_cast<std::size_t>(b.shape[1]);
  std::vector<float> out(w.size());
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) {
      std::size_t at = op.transpose_b ? r * cols + c : c * rows + r;
      out[at] = w[r * cols + c] * op.alpha;
    }
  std::vector<std::int32_t> shape = op.transpose_b ? b.shape : std::vector<std::int32_t>{b.shape[1], b.shape[0]};
  return float_tensor(b.name + "/dense", shape, out);
}

}  // namespace

Graph matmuls_as_fully_connected(Graph graph) {
  for (Op& op : graph.ops) {
    if (!is_dense_layer(op, graph)) continue;
    Tensor weights = dense_weights(op, graph.tensors[static_cast<std::size_t>(op.inputs[1])]);
    std::vector<int> inputs{op.inputs[0], static_cast<int>(graph.tensors.size())};
    graph.tensors.push_back(std::move(weights));
    if (op.inputs.size() >= 3 && op.inputs[2] >= 0) {
      const Tensor& c = graph.tensors[static_cast<std::size_t>(op.inputs[2])];
      std::vector<float> bias = floats_of(c);
      for (float& v : bias) v *= op.beta;
      Tensor t = float_tensor(c.name + "/dense", {static_cast<std::int32_t>(bias.size())}, bias);
      inputs.push_back(static_cast<int>(graph.tensors.size()));
      graph.tensors.push_back(std::move(t));
    }
    op.kind = OpKind::fully_connected;
    op.inputs = std::move(inputs);
    op.transpose_b = false;
    op.alpha = op.beta = 1;
  }
  remove_unused_tensors(graph);
  return graph;
}

}  // namespace edgeml::runtime
