#include "models.h"

#include <random>

#include "convert/quantize_graph.h"
#include "runtime/batch.h"
#include "support/sample_models.h"

namespace edgeml::bench {

const char* model_name(ModelKind kind) {
  switch (kind) {
    case ModelKind::linear: return "linear";
    case ModelKind::mlp: return "mlp";
    case ModelKind::mlp_int8: return "mlp_int8";
  }
  return "?";
}

namespace {

// Calibrated on inputs drawn as the benchmark's are (uniform in +-2).
runtime::Graph quantized(const runtime::Graph& float_graph) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> uniform(-2.0f, 2.0f);
  std::vector<std::vector<float>> calibration(256, std::vector<float>(3));
  for (auto& sample : calibration)
    for (float& v : sample) v = uniform(rng);
  return convert::quantize_fully_connected(float_graph, calibration);
}

}  // namespace

runtime::Graph build_model(ModelKind kind, int batch) {
  switch (kind) {
    case ModelKind::linear: return runtime::with_batch(edgeml::test::sample_linear_model(), batch);
    case ModelKind::mlp: return runtime::with_batch(edgeml::test::sample_relu_network(), batch);
    case ModelKind::mlp_int8: return runtime::with_batch(quantized(edgeml::test::sample_relu_network()), batch);
  }
  return {};
}

}  // namespace edgeml::bench
