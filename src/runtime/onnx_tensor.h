// Between ONNX TensorProtos and our Tensors, for the ONNX reader and writer
// (internal to the runtime: it exposes the protobuf classes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgeml/onnx.pb.h"  // ONNX's messages, package edgeml.onnx (src/runtime/CMakeLists.txt)

#include "runtime/graph.h"

namespace edgeml::runtime::onnx_io {

// Shapes beyond this many elements are refused: an edge model is far smaller.
inline constexpr std::size_t kMaxElements = std::size_t{1} << 28;

const char* onnx_type_name(int data_type);

// `dims` as a shape; throws Error naming `what` when a dimension is negative
// or the shape is huge (before anything is allocated for it).
std::vector<std::int32_t> checked_shape(const std::vector<std::int64_t>& dims, const std::string& what);

// A float32 or int64 tensor, its size checked against its dimensions.
Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& what);
void tensor_to_proto(const Tensor& tensor, const std::string& name, onnx::TensorProto& proto);

// The values of an int64 tensor (empty for another type).
std::vector<std::int64_t> int64_values(const Tensor& tensor);
// The single value of a float32 tensor of one element; throws otherwise.
float float_scalar(const Tensor& tensor, const std::string& what);

}  // namespace edgeml::runtime::onnx_io
