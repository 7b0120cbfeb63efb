#include "xnnpack_model.h"

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
  for (std::size_t i = 0; i < graph.tensors.size(); ++i)
    if (!graph.tensors[i].is_constant())
      activations_[i].assign(graph.tensors[i].element_count() + XNN_EXTRA_BYTES / sizeof(float), 0.0f);
  for (const runtime::Op& op : graph.ops) {
    if (op.kind != OpKind::fully_connected || op.inputs.size() != 3 ||
        (op.activation != Activation::none && op.activation != Activation::relu))
      throw Error(fmt::format("XNNPACK baseline: {} is not supported", runtime::op_name(op.kind)));
    const Tensor& weights = graph.tensors[static_cast<std::size_t>(op.inputs[1])];
    auto out_units = static_cast<std::size_t>(weights.shape[0]);
    auto in_units = static_cast<std::size_t>(weights.shape[1]);
    std::vector<float> w = floats_of(weights);  // XNNPACK packs its own copy
    std::vector<float> bias = floats_of(graph.tensors[static_cast<std::size_t>(op.inputs[2])]);
    float out_min = op.activation == Activation::relu ? 0.0f : -std::numeric_limits<float>::infinity();
    xnn_operator_t fc = nullptr;
    check(xnn_create_fully_connected_nc_f32(in_units, out_units, in_units, out_units, w.data(), bias.data(), out_min,
                                            std::numeric_limits<float>::infinity(), 0, &fc),
          "xnn_create_fully_connected_nc_f32");
    operators_.push_back(fc);
    auto in = static_cast<std::size_t>(op.inputs[0]);
    auto out = static_cast<std::size_t>(op.outputs[0]);
    std::size_t batch = graph.tensors[in].element_count() / in_units;
    check(xnn_setup_fully_connected_nc_f32(fc, batch, activations_[in].data(), activations_[out].data(), nullptr),
          "xnn_setup_fully_connected_nc_f32");
  }
  for (xnn_operator_t op : operators_) check(xnn_run_operator(op, nullptr), "xnn_run_operator");
}

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
