// Re-batching: a model read from a file runs one sample at a time (its inputs'
// leading dimension is 1); with_batch gives the same model for `batch` samples
// by setting that dimension and working out every computed tensor's shape again.
#pragma once

#include <cstdint>

#include "runtime/graph.h"

namespace edgeml::runtime {

// Throws Error when an input has no leading dimension of 1, or an operator's
// output shape cannot follow the batch (it names the operator).
Graph with_batch(Graph graph, std::int32_t batch);

}  // namespace edgeml::runtime
