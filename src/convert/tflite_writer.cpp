#include "convert/tflite_writer.h"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "core/error.h"
#include "runtime/dense_layers.h"
#include "runtime/tflite_builtin_codes.h"
#include "runtime/tflite_schema_generated.h"

namespace edgeml::convert {

using namespace runtime;

namespace fb = edgeml::tflite;

namespace {

// Codes past this do not fit the one-byte field older readers use; it then
// holds this placeholder and builtin_code the real value.
constexpr int kLastByteCode = 127;
constexpr std::uint32_t kSchemaVersion = 3;

fb::ActivationFunctionType activation_code(Activation a) {
  switch (a) {
    case Activation::none: return fb::ActivationFunctionType::NONE;
    case Activation::relu: return fb::ActivationFunctionType::RELU;
    case Activation::relu6: return fb::ActivationFunctionType::RELU6;
    case Activation::tanh: return fb::ActivationFunctionType::TANH;
  }
  return fb::ActivationFunctionType::NONE;
}

fb::TensorType tensor_type(DataType type) {
  switch (type) {
    case DataType::float32: return fb::TensorType::FLOAT32;
    case DataType::int8: return fb::TensorType::INT8;
    case DataType::int32: return fb::TensorType::INT32;
    case DataType::int64: return fb::TensorType::INT64;
  }
  return fb::TensorType::FLOAT32;
}

// The operator as written: older readers lack EXPAND_DIMS.
OpKind written_kind(OpKind kind) { return kind == OpKind::expand_dims ? OpKind::reshape : kind; }

// TensorFlow Lite versions an operator by the features it uses; readers
// refuse versions they do not know, so each gets the lowest that fits.
int op_version(const Op& op, const Graph& g) {
  bool int8_in = !op.inputs.empty() && g.tensors[static_cast<std::size_t>(op.inputs[0])].type == DataType::int8;
  switch (op.kind) {
    case OpKind::fully_connected:
      if (op.inputs.size() < 3 || op.inputs[2] < 0) return 6;
      return int8_in ? 4 : 1;
    case OpKind::add:
    case OpKind::sub:
    case OpKind::mul:
    case OpKind::relu:
    case OpKind::dequantize: return int8_in ? 2 : 1;
    default: return 1;
  }
}

class ModelWriter {
 public:
  explicit ModelWriter(const Graph& g) : g_(g) {}

  std::vector<std::uint8_t> write() {
    buffers_.push_back(fb::CreateBuffer(fbb_));  // buffer 0: the empty one every reader expects
    for (const Tensor& t : g_.tensors) tensors_.push_back(tensor(t.name, t, t.constant));
    std::vector<flatbuffers::Offset<fb::Operator>> ops;
    for (std::size_t k = 0; k < g_.ops.size(); ++k) ops.push_back(op(g_.ops[k], k));
    auto subgraph = fb::CreateSubGraph(fbb_, fbb_.CreateVector(tensors_), fbb_.CreateVector(g_.inputs),
                                       fbb_.CreateVector(g_.outputs), fbb_.CreateVector(ops), fbb_.CreateString("main"));
    std::vector<flatbuffers::Offset<fb::OperatorCode>> codes;
    for (auto [code, version] : codes_) {
      auto old_code = static_cast<std::int8_t>(std::min(code, kLastByteCode));
      codes.push_back(fb::CreateOperatorCode(fbb_, old_code, 0, version, code));
    }
    auto model = fb::CreateModel(fbb_, kSchemaVersion, fbb_.CreateVector(codes), fbb_.CreateVector(&subgraph, 1),
                                 fbb_.CreateString(g_.description), fbb_.CreateVector(buffers_));
    fb::FinishModelBuffer(fbb_, model);
    return {fbb_.GetBufferPointer(), fbb_.GetBufferPointer() + fbb_.GetSize()};
  }

 private:
  std::uint32_t buffer(const std::vector<std::uint8_t>& bytes) {
    if (bytes.empty()) return 0;
    fbb_.ForceVectorAlignment(bytes.size(), sizeof(std::uint8_t), 16);  // the schema's force_align
    buffers_.push_back(fb::CreateBuffer(fbb_, fbb_.CreateVector(bytes)));
    return static_cast<std::uint32_t>(buffers_.size() - 1);
  }

  flatbuffers::Offset<fb::Tensor> tensor(const std::string& name, const Tensor& t,
                                         const std::vector<std::uint8_t>& constant) {
    std::uint32_t data = buffer(constant);
    flatbuffers::Offset<fb::QuantizationParameters> quantization;
    if (t.scale != 0) {
      std::vector<std::int64_t> zero_point{t.zero_point};
      quantization = fb::CreateQuantizationParameters(fbb_, 0, 0, fbb_.CreateVector(&t.scale, 1),
                                                      fbb_.CreateVector(zero_point));
    }
    return fb::CreateTensor(fbb_, fbb_.CreateVector(t.shape), tensor_type(t.type), data, fbb_.CreateString(name),
                            quantization);
  }

  std::uint32_t opcode_index(int code, int version) {
    auto it = std::find(codes_.begin(), codes_.end(), std::pair{code, version});
    if (it == codes_.end()) it = codes_.insert(codes_.end(), {code, version});
    return static_cast<std::uint32_t>(it - codes_.begin());
  }

  const Tensor& output(const Op& op) const { return g_.tensors[static_cast<std::size_t>(op.outputs[0])]; }

  // The dimensions of size 1 that SQUEEZE drops from its input to make its output.
  std::vector<int> squeezed_dims(const Op& op, std::size_t index) const {
    const std::vector<std::int32_t>& in = g_.tensors[static_cast<std::size_t>(op.inputs[0])].shape;
    const std::vector<std::int32_t>& out = output(op).shape;
    std::vector<int> dims;
    std::size_t j = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
      if (j < out.size() && in[i] == out[j]) ++j;
      else if (in[i] == 1) dims.push_back(static_cast<int>(i));
      else break;
    }
    if (j != out.size() || dims.size() + out.size() != in.size())
      throw Error(fmt::format("operator {} (SQUEEZE): its output's shape is not its input's without 1s", index));
    return dims;
  }

  struct Options {
    fb::BuiltinOptions type = fb::BuiltinOptions::NONE;
    flatbuffers::Offset<void> table;
  };

  Options options(const Op& op, std::size_t index) {
    auto act = activation_code(op.activation);
    switch (op.kind) {
      case OpKind::fully_connected:
        return {fb::BuiltinOptions::FullyConnectedOptions, fb::CreateFullyConnectedOptions(fbb_, act).Union()};
      case OpKind::add: return {fb::BuiltinOptions::AddOptions, fb::CreateAddOptions(fbb_, act).Union()};
      case OpKind::sub: return {fb::BuiltinOptions::SubOptions, fb::CreateSubOptions(fbb_, act).Union()};
      case OpKind::mul: return {fb::BuiltinOptions::MulOptions, fb::CreateMulOptions(fbb_, act).Union()};
      case OpKind::div: return {fb::BuiltinOptions::DivOptions, fb::CreateDivOptions(fbb_, act).Union()};
      case OpKind::concatenation:
        return {fb::BuiltinOptions::ConcatenationOptions, fb::CreateConcatenationOptions(fbb_, op.axis, act).Union()};
      case OpKind::reshape:
      case OpKind::expand_dims:
        return {fb::BuiltinOptions::ReshapeOptions,
                fb::CreateReshapeOptions(fbb_, fbb_.CreateVector(output(op).shape)).Union()};
      case OpKind::squeeze:
        return {fb::BuiltinOptions::SqueezeOptions,
                fb::CreateSqueezeOptions(fbb_, fbb_.CreateVector(squeezed_dims(op, index))).Union()};
      default:
        if (op.activation != Activation::none)
          throw Error(fmt::format("operator {} ({}) cannot have a fused activation", index, op_name(op.kind)));
        return {};
    }
  }

  flatbuffers::Offset<fb::Operator> op(const Op& op, std::size_t index) {
    const int n = static_cast<int>(g_.tensors.size());
    auto valid = [n](int i) { return i >= 0 && i < n; };
    bool ok = !op.inputs.empty() && !op.outputs.empty() && valid(op.inputs[0]) &&
              std::all_of(op.inputs.begin(), op.inputs.end(), [&](int i) { return i == -1 || valid(i); }) &&
              std::all_of(op.outputs.begin(), op.outputs.end(), valid);
    if (!ok) throw Error(fmt::format("operator {} ({}) refers to a tensor that does not exist", index, op_name(op.kind)));
    Options written = options(op, index);
    std::vector<int> inputs = op.inputs;
    if (op.kind == OpKind::expand_dims) inputs.resize(1);  // new_shape says it all; the axis input goes
    std::uint32_t code = opcode_index(builtin_code_of(written_kind(op.kind)), op_version(op, g_));
    return fb::CreateOperator(fbb_, code, fbb_.CreateVector(inputs), fbb_.CreateVector(op.outputs), written.type,
                              written.table);
  }

  const Graph& g_;
  flatbuffers::FlatBufferBuilder fbb_;
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers_;
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors_;
  std::vector<std::pair<int, int>> codes_;  // builtin code, version
};

}  // namespace

std::vector<std::uint8_t> write_tflite(const Graph& graph) {
  Graph written = matmuls_as_fully_connected(graph);
  for (std::size_t i = 0; i < written.ops.size(); ++i)
    if (builtin_code_of(written_kind(written.ops[i].kind)) < 0)
      throw Error(fmt::format("operator {} ({}) has no TensorFlow Lite form the writer emits{}", i,
                              op_name(written.ops[i].kind),
                              written.ops[i].kind == OpKind::matmul ? " (only a dense layer: constant 2-D B, A not transposed)" : ""));
  return ModelWriter(written).write();
}

void write_tflite_file(const Graph& graph, const std::filesystem::path& path) {
  std::vector<std::uint8_t> bytes = write_tflite(graph);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw Error(fmt::format("{}: cannot write", path.string()));
}

}  // namespace edgeml::convert
