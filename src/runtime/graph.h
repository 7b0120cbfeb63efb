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

// int64 holds only constants a reader folds into an operator (shapes, axes).
enum class DataType { float32, int8, int32, int64 };
enum class OpKind {
  add, sub, mul, div, fully_connected, relu, relu6, logistic, tanh,
  reshape, expand_dims, squeeze, concatenation, quantize, dequantize,
  matmul, clip,
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
  // matmul: out = alpha * A' x B' + beta * C, where A' and B' are A and B with
  // their last two dimensions swapped when asked; inputs A, B and optional C.
  bool transpose_a = false, transpose_b = false;
  float alpha = 1, beta = 1;
  float clip_min = 0, clip_max = 0;  // clip
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
Tensor float_tensor(std::string name, std::vector<std::int32_t> shape, const std::vector<float>& values = {});

// Appends `t` to `g` and gives its index.
int add_tensor(Graph& g, Tensor t);

// Appends an operator of `kind` reading `inputs` and writing a new tensor
// `output`; gives the output's index.
int add_op(Graph& g, OpKind kind, std::vector<int> inputs, Tensor output, Activation activation = Activation::none);

// Drops tensors no operator, input or output refers to (constants a rewrite
// left behind), renumbering the rest.
void remove_unused_tensors(Graph& graph);

const char* op_name(OpKind kind);
const char* type_name(DataType type);
std::size_t type_size(DataType type);

}  // namespace edgeml::runtime
