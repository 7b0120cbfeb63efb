// ONNX says a dense layer as Gemm (read as MATMUL); TensorFlow Lite, and the
// older readers our .tflite files must load in, say it as FULLY_CONNECTED.
#pragma once

#include "runtime/graph.h"

namespace edgeml::runtime {

// Rewrites every MATMUL that is a dense layer (2-D A not transposed, constant
// 2-D B, no bias or a constant one of B's width) as FULLY_CONNECTED, folding
// alpha into the weights and beta into the bias. Other MATMULs stay;
// constants left unused are dropped.
Graph matmuls_as_fully_connected(Graph graph);

}  // namespace edgeml::runtime
