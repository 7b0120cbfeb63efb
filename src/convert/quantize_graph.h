// Post-training int8 quantization of a float Graph's FULLY_CONNECTED layers,
// as TensorFlow's converter does it: activations asymmetric per tensor, with
// ranges measured by running calibration inputs (less the rarest extremes);
// weights symmetric per tensor; biases int32 at in_scale * w_scale. Before
// that, a layer fed by a per-feature MUL has its input features equalised
// (the MUL's factors and the layer's weights rescaled, the float result the
// same), so that one scale suits every feature. The graph's inputs and outputs stay
// float32, with QUANTIZE before and DEQUANTIZE after each run of int8 layers.
#pragma once

#include <string>
#include <vector>

#include "runtime/graph.h"

namespace edgeml::convert {

// `calibration_inputs`: samples for the graph's single float32 input, each
// of its element count. Throws Error when there are none, a sample has the
// wrong size, or the graph has another number of inputs.
struct QuantizeOptions {
  // In a graph with a matrix layer, leave the layers whose weights are a
  // vector (one input or one output) in float32 (quantize_graph.cpp says why).
  bool vector_layers_float = false;
  // Layers writing a tensor of one of these names stay float32 too.
  std::vector<std::string> float_outputs;
};

runtime::Graph quantize_fully_connected(const runtime::Graph& float_graph, const std::vector<std::vector<float>>& calibration_inputs,
                                        const QuantizeOptions& options = {});

}  // namespace edgeml::convert
