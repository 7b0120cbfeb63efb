#include "models.h"

#include "runtime/batch.h"
#include "support/sample_models.h"

namespace edgeml::bench {

const char* model_name(ModelKind kind) { return kind == ModelKind::linear ? "linear" : "mlp"; }

runtime::Graph build_model(ModelKind kind, int batch) {
  return runtime::with_batch(kind == ModelKind::linear ? edgeml::test::sample_linear_model() : edgeml::test::sample_relu_network(),
                             batch);
}

}  // namespace edgeml::bench
