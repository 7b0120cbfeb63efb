// Writes small .tflite files tensor by tensor and operator by operator, for
// tests and fuzzing seeds. It checks nothing, so it also writes the broken
// models a reader must refuse (an index out of range, a shape that does not fit).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/graph.h"

namespace edgeml::test {

// TensorFlow Lite builtin operator codes used by tests.
enum class TfliteOp : std::int32_t {
  add = 0, concatenation = 2, dequantize = 6, fully_connected = 9, logistic = 14, mul = 18,
  relu = 19, relu6 = 21, reshape = 22, tanh = 28, sub = 41, div = 42, squeeze = 43,
  expand_dims = 70, quantize = 114,
};

class TfliteBuilder {
 public:
  // A tensor; `data` (raw bytes) makes it a constant. Returns its index.
  int tensor(const std::string& name, std::vector<std::int32_t> shape,
             runtime::DataType type = runtime::DataType::float32, std::vector<std::uint8_t> data = {});
  int float_constant(const std::string& name, std::vector<std::int32_t> shape, const std::vector<float>& values);
  // An operator; activation is the file's code (0 none, 1 relu, 3 relu6, 4 tanh).
  void op(TfliteOp code, std::vector<int> inputs, std::vector<int> outputs, std::int8_t activation = 0);
  std::vector<std::uint8_t> finish(const std::vector<int>& inputs, const std::vector<int>& outputs) const;

 private:
  struct TensorSpec {
    std::string name;
    std::vector<std::int32_t> shape;
    runtime::DataType type;
    std::vector<std::uint8_t> data;
  };
  struct OpSpec {
    TfliteOp code;
    std::vector<int> inputs, outputs;
    std::int8_t activation;
  };
  std::vector<TensorSpec> tensors_;
  std::vector<OpSpec> ops_;
};

}  // namespace edgeml::test
