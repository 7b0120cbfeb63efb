#include "runtime/onnx_tensor.h"

#include <cstring>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"

namespace edgeml::runtime::onnx_io {

namespace {

// TensorProto.DataType values of the types we hold.
constexpr int kFloat = 1;
constexpr int kInt64 = 7;

template <typename T, typename Field>
void copy_values(const Field& values, Tensor& out) {
  out.constant.resize(static_cast<std::size_t>(values.size()) * sizeof(T));
  for (int i = 0; i < values.size(); ++i) {
    T v = static_cast<T>(values.Get(i));
    std::memcpy(out.constant.data() + static_cast<std::size_t>(i) * sizeof(T), &v, sizeof(T));
  }
}

}  // namespace

const char* onnx_type_name(int data_type) {
  static constexpr const char* kNames[] = {"undefined", "float32", "uint8",     "int8",       "uint16",  "int16",
                                           "int32",     "int64",   "string",    "bool",       "float16", "float64",
                                           "uint32",    "uint64",  "complex64", "complex128", "bfloat16"};
  if (data_type < 0 || data_type >= static_cast<int>(std::size(kNames))) return "an unknown type";
  return kNames[data_type];
}

std::vector<std::int32_t> checked_shape(const std::vector<std::int64_t>& dims, const std::string& what) {
  std::vector<std::int32_t> shape;
  std::size_t elements = 1;
  for (std::int64_t d : dims) {
    if (d < 0) throw Error(fmt::format("{} has a negative dimension in [{}]", what, fmt::join(dims, ", ")));
    if (d > static_cast<std::int64_t>(kMaxElements) || (d > 0 && elements > kMaxElements / static_cast<std::size_t>(d)))
      throw Error(
          fmt::format("{} has a huge shape [{}] (more than {} elements)", what, fmt::join(dims, ", "), kMaxElements));
    elements *= static_cast<std::size_t>(d);
    shape.push_back(static_cast<std::int32_t>(d));
  }
  return shape;
}

Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& what) {
  Tensor out;
  out.name = proto.name();
  if (proto.data_type() == kFloat)
    out.type = DataType::float32;
  else if (proto.data_type() == kInt64)
    out.type = DataType::int64;
  else
    throw Error(fmt::format("{} is {}; only float32 data and int64 shapes are supported", what,
                            onnx_type_name(proto.data_type())));
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    throw Error(what + " keeps its data in an external file, which is not supported");
  if (proto.has_segment()) throw Error(what + " is segmented, which is not supported");
  out.shape = checked_shape({proto.dims().begin(), proto.dims().end()}, what);
  std::size_t bytes = out.element_count() * type_size(out.type);
  if (!proto.raw_data().empty()) {
    if (proto.raw_data().size() != bytes)
      throw Error(fmt::format("{}: raw_data holds {} bytes, its shape needs {}", what, proto.raw_data().size(), bytes));
    out.constant.assign(proto.raw_data().begin(), proto.raw_data().end());
  } else if (out.type == DataType::float32) {
    if (static_cast<std::size_t>(proto.float_data_size()) != out.element_count())
      throw Error(fmt::format("{}: float_data holds {} values, its shape needs {}", what, proto.float_data_size(),
                              out.element_count()));
    copy_values<float>(proto.float_data(), out);
  } else {
    if (static_cast<std::size_t>(proto.int64_data_size()) != out.element_count())
      throw Error(fmt::format("{}: int64_data holds {} values, its shape needs {}", what, proto.int64_data_size(),
                              out.element_count()));
    copy_values<std::int64_t>(proto.int64_data(), out);
  }
  return out;
}

void tensor_to_proto(const Tensor& tensor, const std::string& name, onnx::TensorProto& proto) {
  proto.set_name(name);
  if (tensor.type == DataType::float32)
    proto.set_data_type(kFloat);
  else if (tensor.type == DataType::int64)
    proto.set_data_type(kInt64);
  else
    throw Error(fmt::format("tensor '{}' is {}, which ONNX output supports only as float32 or int64", tensor.name,
                            type_name(tensor.type)));
  for (std::int32_t d : tensor.shape) proto.add_dims(d);
  proto.set_raw_data(tensor.constant.data(), tensor.constant.size());
}

std::vector<std::int64_t> int64_values(const Tensor& tensor) {
  if (tensor.type != DataType::int64) return {};
  std::vector<std::int64_t> values(tensor.constant.size() / sizeof(std::int64_t));
  if (!values.empty()) std::memcpy(values.data(), tensor.constant.data(), values.size() * sizeof(std::int64_t));
  return values;
}

float float_scalar(const Tensor& tensor, const std::string& what) {
  if (tensor.type != DataType::float32 || tensor.element_count() != 1 || tensor.constant.size() != sizeof(float))
    throw Error(fmt::format("{} is not a single float32", what));
  float v = 0;
  std::memcpy(&v, tensor.constant.data(), sizeof v);
  return v;
}

}  // namespace edgeml::runtime::onnx_io
