#include "models.h"

#include "runtime/batch.h"
#include "runtime/sample_models.h"

namespace edgeml::bench {

const char* model_name(ModelKind kind) { return kind == ModelKind::linear ? "linear" : "mlp"; }

runtime::Graph build_model(ModelKind kind, int batch) {
  return runtime::with_batch(kind == ModelKind::linear ? runtime::sample_linear_model() : runtime::sample_relu_network(),
                             batch);
}

}  // namespace edgeml::bench
