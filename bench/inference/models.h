// The models bench_inference runs: the runtime's sample models (the same
// ones the writers' cross-checks use), re-batched, and the MLP quantized.
#pragma once

#include "runtime/graph.h"

namespace edgeml::bench {

enum class ModelKind { linear, mlp, mlp_int8 };

const char* model_name(ModelKind kind);

// linear: FULLY_CONNECTED 3 -> 1 with bias.
// mlp: FULLY_CONNECTED+RELU 3 -> 64, FULLY_CONNECTED+RELU 64 -> 64, FULLY_CONNECTED 64 -> 1.
// mlp_int8: the mlp with its three layers int8 (convert/quantize_graph.h),
// between a QUANTIZE and a DEQUANTIZE.
// Input shape [batch, 3], float32, seeded weights.
runtime::Graph build_model(ModelKind kind, int batch);

}  // namespace edgeml::bench
