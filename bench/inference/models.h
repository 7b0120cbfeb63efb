// The two models bench_inference runs: the runtime's sample models (the same
// ones the writers' cross-checks use), re-batched.
#pragma once

#include "runtime/graph.h"

namespace edgeml::bench {

enum class ModelKind { linear, mlp };

const char* model_name(ModelKind kind);

// linear: FULLY_CONNECTED 3 -> 1 with bias.
// mlp: FULLY_CONNECTED+RELU 3 -> 64, FULLY_CONNECTED+RELU 64 -> 64, FULLY_CONNECTED 64 -> 1.
// Input shape [batch, 3], float32, seeded weights.
runtime::Graph build_model(ModelKind kind, int batch);

}  // namespace edgeml::bench
