#include "support/tflite_builder.h"

#include <cstring>

#include "runtime/tflite_schema_generated.h"

namespace edgeml::test {

namespace fb = edgeml::tflite;

namespace {

fb::TensorType file_type(runtime::DataType type) {
  switch (type) {
    case runtime::DataType::int8: return fb::TensorType::INT8;
    case runtime::DataType::int32: return fb::TensorType::INT32;
    case runtime::DataType::int64: return fb::TensorType::INT64;
    case runtime::DataType::float32: break;
  }
  return fb::TensorType::FLOAT32;
}

// The options table TensorFlow writes for `code`, carrying the fused activation.
std::pair<fb::BuiltinOptions, flatbuffers::Offset<void>> options_for(flatbuffers::FlatBufferBuilder& fbb, TfliteOp code,
                                                                     std::int8_t activation) {
  auto act = static_cast<fb::ActivationFunctionType>(activation);
  switch (code) {
    case TfliteOp::fully_connected:
      return {fb::BuiltinOptions::FullyConnectedOptions, fb::CreateFullyConnectedOptions(fbb, act).Union()};
    case TfliteOp::add: return {fb::BuiltinOptions::AddOptions, fb::CreateAddOptions(fbb, act).Union()};
    case TfliteOp::sub: return {fb::BuiltinOptions::SubOptions, fb::CreateSubOptions(fbb, act).Union()};
    case TfliteOp::mul: return {fb::BuiltinOptions::MulOptions, fb::CreateMulOptions(fbb, act).Union()};
    case TfliteOp::div: return {fb::BuiltinOptions::DivOptions, fb::CreateDivOptions(fbb, act).Union()};
    case TfliteOp::concatenation:
      return {fb::BuiltinOptions::ConcatenationOptions, fb::CreateConcatenationOptions(fbb, 0, act).Union()};
    default: return {fb::BuiltinOptions::NONE, 0};
  }
}

}  // namespace

int TfliteBuilder::tensor(const std::string& name, std::vector<std::int32_t> shape, runtime::DataType type,
                          std::vector<std::uint8_t> data) {
  tensors_.push_back({name, std::move(shape), type, std::move(data)});
  return static_cast<int>(tensors_.size()) - 1;
}

int TfliteBuilder::float_constant(const std::string& name, std::vector<std::int32_t> shape,
                                  const std::vector<float>& values) {
  std::vector<std::uint8_t> bytes(values.size() * sizeof(float));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return tensor(name, std::move(shape), runtime::DataType::float32, std::move(bytes));
}

void TfliteBuilder::op(TfliteOp code, std::vector<int> inputs, std::vector<int> outputs, std::int8_t activation) {
  ops_.push_back({code, std::move(inputs), std::move(outputs), activation});
}

std::vector<std::uint8_t> TfliteBuilder::finish(const std::vector<int>& inputs, const std::vector<int>& outputs) const {
  flatbuffers::FlatBufferBuilder fbb;
  // Buffer 0 is the empty one every computed tensor refers to.
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers{fb::CreateBuffer(fbb)};
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (const TensorSpec& t : tensors_) {
    std::uint32_t buffer = 0;
    if (!t.data.empty()) {
      buffer = static_cast<std::uint32_t>(buffers.size());
      buffers.push_back(fb::CreateBufferDirect(fbb, &t.data));
    }
    tensors.push_back(fb::CreateTensorDirect(fbb, &t.shape, file_type(t.type), buffer, t.name.c_str()));
  }
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes;
  std::vector<flatbuffers::Offset<fb::Operator>> operators;
  for (const OpSpec& o : ops_) {
    auto code = static_cast<std::int32_t>(o.code);
    codes.push_back(fb::CreateOperatorCode(fbb, static_cast<std::int8_t>(code < 127 ? code : 127), 0, 1, code));
    auto [type, options] = options_for(fbb, o.code, o.activation);
    operators.push_back(fb::CreateOperatorDirect(fbb, static_cast<std::uint32_t>(codes.size() - 1), &o.inputs,
                                                 &o.outputs, type, options));
  }
  auto subgraph = fb::CreateSubGraphDirect(fbb, &tensors, &inputs, &outputs, &operators, "main");
  std::vector<flatbuffers::Offset<fb::SubGraph>> subgraphs{subgraph};
  fbb.Finish(fb::CreateModelDirect(fbb, 3, &codes, &subgraphs, "edgeml test model", &buffers), fb::ModelIdentifier());
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

}  // namespace edgeml::test
