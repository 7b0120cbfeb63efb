// A model as the runtime sees it: tensors (constant or computed), operators in
// execution order, and the graph's inputs and outputs. Readers build it and
// check it; it promises every index is in range and every tensor an operator
// reads is a constant, a graph input or the output of an earlier operator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace edgeml::runtime {

enum class DataType { float32, int8, int32 };
enum class OpKind {
  add, sub, mul, div, fully_connected, relu, relu6, logistic, tanh,
  reshape, expand_dims, squeeze, concatenation, quantize, dequantize,
};
enum class Activation { none, relu, relu6, tanh };

struct Tensor {
  std::string name;
  std::vector<std::int32_t> shape;
  DataType type = DataType::float32;
  std::vector<std::uint8_t> constant;  // empty unless the tensor is a constant
  float scale = 0;                     // int8 quantization, when used
  std::int64_t zero_point = 0;

  bool is_constant() const { return !constant.empty(); }
  std::size_t element_count() const;
};

struct Op {
  OpKind kind = OpKind::add;
  std::vector<int> inputs;  // -1: an optional input left out (a bias)
  std::vector<int> outputs;
  Activation activation = Activation::none;
  int axis = 0;  // concatenation
};

struct Graph {
  std::string description;
  std::vector<Tensor> tensors;
  std::vector<Op> ops;
  std::vector<int> inputs;
  std::vector<int> outputs;

  // Elements in constant tensors.
  std::size_t parameter_count() const;
};

// A float32 tensor, holding `values` as its constant unless they are empty.
Tensor float_tensor(std::string name, std::vector<std::int32_t> shape, std::span<const float> values = {});

const char* op_name(OpKind kind);
const char* type_name(DataType type);
std::size_t type_size(DataType type);

}  // namespace edgeml::runtime
