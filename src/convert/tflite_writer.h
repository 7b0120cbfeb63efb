// Writes a runtime::Graph as a TensorFlow Lite model (schema version 3) that
// read_tflite() reads back to the same tensors and computation, and that older
// TensorFlow Lite readers (Arm NN 20.08's parser among them) load too.
//
// Older readers lack EXPAND_DIMS, so it is written as RESHAPE with the
// output's shape in ReshapeOptions.new_shape (and without its axis input):
// it reads back as RESHAPE, the same computation.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "runtime/graph.h"

namespace edgeml::convert {

// Throws Error when the graph holds something the format cannot say (an
// activation an operator cannot fuse, a tensor index out of range).
std::vector<std::uint8_t> write_tflite(const runtime::Graph& graph);
void write_tflite_file(const runtime::Graph& graph, const std::filesystem::path& path);

}  // namespace edgeml::convert
