// The two models bench_inference runs, built in code with seeded weights so
// every run and both runtimes see the same numbers. Small on purpose: shared
// test builders for these models can replace it.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/graph.h"

namespace edgeml::bench {

enum class ModelKind { linear, mlp };

const char* model_name(ModelKind kind);

// linear: FULLY_CONNECTED 3 -> 1 with bias.
// mlp: FULLY_CONNECTED+RELU 3 -> 64, FULLY_CONNECTED+RELU 64 -> 64, FULLY_CONNECTED 64 -> 1.
// Input shape [batch, 3], float32.
runtime::Graph build_model(ModelKind kind, int batch, std::uint32_t seed = 42);

}  // namespace edgeml::bench
