// Writes a runtime::Graph as an ONNX model (IR version 7, opset 13, which current ONNX
// Runtime loads; 14 when a Reshape needs allowzero for a 0 dimension). Fused activations become nodes of their own, RELU6 a Clip,
// FULLY_CONNECTED a Gemm, and RESHAPE, EXPAND_DIMS and SQUEEZE a Reshape to
// the output's shape. Only float32 graphs are written; an operator ONNX
// cannot express here gives an Error naming it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "runtime/graph.h"

namespace edgeml::convert {

std::vector<std::uint8_t> write_onnx(const runtime::Graph& graph);
void write_onnx_file(const runtime::Graph& graph, const std::filesystem::path& path);

}  // namespace edgeml::convert
