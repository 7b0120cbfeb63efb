#include "xnnpack_model.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

#include <fmt/format.h>
#include <xnnpack.h>

#include "core/error.h"

namespace edgeml::bench {

namespace {

using runtime::Activation;
using runtime::Graph;
using runtime::OpKind;
using runtime::Tensor;

std::vector<float> floats_of(const Tensor& t) {
  std::vector<float> values(t.element_count());
  std::memcpy(values.data(), t.constant.data(), values.size() * sizeof(float));
  return values;
}

void check(xnn_status status, const char* what) {
  if (status != xnn_status_success) throw Error(fmt::format("XNNPACK: {} failed (status {})", what, static_cast<int>(status)));
}

}  // namespace

XnnpackModel::XnnpackModel(const Graph& graph) {
  check(xnn_initialize(nullptr), "xnn_initialize");
  try {
    create_operators(graph);
  } catch (...) {
    release();
    throw;
  }
}

void XnnpackModel::create_operators(const Graph& graph) {
  if (graph.inputs.size() != 1 || graph.outputs.size() != 1) throw Error("XNNPACK baseline: expects 1 input and 1 output");
  input_tensor_ = static_cast<std::size_t>(graph.inputs[0]);
  output_tensor_ = static_cast<std::size_t>(graph.outputs[0]);
  input_size_ = graph.tensors[input_tensor_].element_count();
  output_size_ = graph.tensors[output_tensor_].element_count();
  activations_.resize(graph.tensors.size());
  // Room for floats whatever the type: an int8 tensor uses the first quarter.
  for (std::size_t i = 0; i < graph.tensors.size(); ++i)
    if (!graph.tensors[i].is_constant())
      activations_[i].assign(graph.tensors[i].element_count() + XNN_EXTRA_BYTES / sizeof(float), 0.0f);
  for (const runtime::Op& op : graph.ops) {
    if (op.kind == OpKind::quantize || op.kind == OpKind::dequantize) add_conversion(graph, op);
    else if (op.kind == OpKind::fully_connected && op.inputs.size() == 3 &&
             (op.activation == Activation::none || op.activation == Activation::relu))
      add_fully_connected(graph, op);
    else throw Error(fmt::format("XNNPACK baseline: {} is not supported", runtime::op_name(op.kind)));
  }
  for (xnn_operator_t op : operators_) check(xnn_run_operator(op, nullptr), "xnn_run_operator");
}

void XnnpackModel::add_conversion(const Graph& graph, const runtime::Op& op) {
  auto in = static_cast<std::size_t>(op.inputs[0]), out = static_cast<std::size_t>(op.outputs[0]);
  const Tensor& q = graph.tensors[op.kind == OpKind::quantize ? out : in];
  const std::size_t n = q.element_count();
  auto zero = static_cast<std::int8_t>(q.zero_point);
  xnn_operator_t convert = nullptr;
  if (op.kind == OpKind::quantize) {
    check(xnn_create_convert_nc_f32_qs8(1, 1, 1, q.scale, zero, INT8_MIN, INT8_MAX, 0, &convert),
          "xnn_create_convert_nc_f32_qs8");
    operators_.push_back(convert);
    check(xnn_setup_convert_nc_f32_qs8(convert, n, activations_[in].data(), int8s(out), nullptr),
          "xnn_setup_convert_nc_f32_qs8");
  } else {
    check(xnn_create_convert_nc_qs8_f32(1, 1, 1, q.scale, zero, 0, &convert), "xnn_create_convert_nc_qs8_f32");
    operators_.push_back(convert);
    check(xnn_setup_convert_nc_qs8_f32(convert, n, int8s(in), activations_[out].data(), nullptr),
          "xnn_setup_convert_nc_qs8_f32");
  }
}

void XnnpackModel::add_fully_connected(const Graph& graph, const runtime::Op& op) {
  const Tensor& x = graph.tensors[static_cast<std::size_t>(op.inputs[0])];
  const Tensor& weights = graph.tensors[static_cast<std::size_t>(op.inputs[1])];
  const Tensor& bias = graph.tensors[static_cast<std::size_t>(op.inputs[2])];
  const Tensor& y = graph.tensors[static_cast<std::size_t>(op.outputs[0])];
  auto out_units = static_cast<std::size_t>(weights.shape[0]);
  auto in_units = static_cast<std::size_t>(weights.shape[1]);
  auto in = static_cast<std::size_t>(op.inputs[0]), out = static_cast<std::size_t>(op.outputs[0]);
  std::size_t batch = x.element_count() / in_units;
  const bool relu = op.activation == Activation::relu;
  xnn_operator_t fc = nullptr;
  if (x.type == runtime::DataType::int8) {
    std::int8_t low = relu ? static_cast<std::int8_t>(std::max<std::int64_t>(y.zero_point, INT8_MIN)) : INT8_MIN;
    check(xnn_create_fully_connected_nc_qs8(in_units, out_units, in_units, out_units,
                                            static_cast<std::int8_t>(x.zero_point), x.scale, weights.scale,
                                            reinterpret_cast<const std::int8_t*>(weights.constant.data()),
                                            reinterpret_cast<const std::int32_t*>(bias.constant.data()),
                                            static_cast<std::int8_t>(y.zero_point), y.scale, low, INT8_MAX, 0, &fc),
          "xnn_create_fully_connected_nc_qs8");
    operators_.push_back(fc);
    check(xnn_setup_fully_connected_nc_qs8(fc, batch, int8s(in), int8s(out), nullptr), "xnn_setup_fully_connected_nc_qs8");
    return;
  }
  std::vector<float> w = floats_of(weights);  // XNNPACK packs its own copy
  std::vector<float> b = floats_of(bias);
  float out_min = relu ? 0.0f : -std::numeric_limits<float>::infinity();
  check(xnn_create_fully_connected_nc_f32(in_units, out_units, in_units, out_units, w.data(), b.data(), out_min,
                                          std::numeric_limits<float>::infinity(), 0, &fc),
        "xnn_create_fully_connected_nc_f32");
  operators_.push_back(fc);
  check(xnn_setup_fully_connected_nc_f32(fc, batch, activations_[in].data(), activations_[out].data(), nullptr),
        "xnn_setup_fully_connected_nc_f32");
}

std::int8_t* XnnpackModel::int8s(std::size_t tensor) { return reinterpret_cast<std::int8_t*>(activations_[tensor].data()); }

XnnpackModel::~XnnpackModel() { release(); }

void XnnpackModel::release() {
  for (xnn_operator_t op : operators_) xnn_delete_operator(op);
  operators_.clear();
  xnn_deinitialize();
}

std::span<float> XnnpackModel::input() { return {activations_[input_tensor_].data(), input_size_}; }

std::span<const float> XnnpackModel::output() const { return {activations_[output_tensor_].data(), output_size_}; }

void XnnpackModel::run() {
  for (xnn_operator_t op : operators_) xnn_run_operator(op, nullptr);
}

}  // namespace edgeml::bench
