// Reads an ONNX model (a protobuf ModelProto) into a Graph. Only float32 data
// flows through the graph; int64 shape and axes constants are folded into the
// operators that read them, and every tensor gets a concrete shape by the
// reader's own shape inference (unknown dimensions, such as a symbolic batch,
// become 1). Hostile files give an Error naming the file and the problem.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/graph.h"

namespace edgeml::runtime {

// Values for graph inputs that must be known at load (a Reshape's shape, the
// axes of Unsqueeze or Squeeze, Clip's bounds): by input name, float32 or int64.
using OnnxBindings = std::map<std::string, Tensor>;

Graph read_onnx(std::span<const std::uint8_t> bytes, const std::string& origin, const OnnxBindings& bound = {});
Graph read_onnx_file(const std::filesystem::path& path, const OnnxBindings& bound = {});

// read_onnx for bytes that may be another format: none when they do not parse
// as an ONNX ModelProto with a graph, so that telling the format and reading
// it take one parse of the bytes. Throws Error when they are an ONNX model
// that cannot be read.
std::optional<Graph> read_onnx_if_model(std::span<const std::uint8_t> bytes, const std::string& origin);

// Whether `bytes` parse as an ONNX ModelProto that has a graph.
bool is_onnx_model(std::span<const std::uint8_t> bytes);

// The graph inputs read_onnx needs bound, in the order the graph reads them.
std::vector<std::string> onnx_inputs_to_bind(std::span<const std::uint8_t> bytes, const std::string& origin);

// A serialized ONNX TensorProto (as in ONNX's test data) as a constant Tensor.
Tensor read_onnx_tensor(std::span<const std::uint8_t> bytes, const std::string& origin);

}  // namespace edgeml::runtime
