// The same Graph run by XNNPACK's operators, one after the other,
// single-threaded (no pthreadpool): the baseline bench_inference compares the
// interpreter with. FULLY_CONNECTED (float32, or int8 as XNNPACK's qs8) with
// no or RELU activation, QUANTIZE and DEQUANTIZE are supported, which covers
// the benchmark's models.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "runtime/graph.h"

struct xnn_operator;

namespace edgeml::bench {

class XnnpackModel {
 public:
  // Creates and sets up one operator per op, with the Graph's weights; throws
  // Error when XNNPACK cannot or the graph has another kind of op.
  explicit XnnpackModel(const runtime::Graph& graph);
  ~XnnpackModel();
  XnnpackModel(const XnnpackModel&) = delete;
  XnnpackModel& operator=(const XnnpackModel&) = delete;

  std::span<float> input();
  std::span<const float> output() const;
  void run();

 private:
  void create_operators(const runtime::Graph& graph);
  void add_conversion(const runtime::Graph& graph, const runtime::Op& op);
  void add_fully_connected(const runtime::Graph& graph, const runtime::Op& op);
  std::int8_t* int8s(std::size_t tensor);
  void release();

  // Per tensor the op chain reads or writes: its data, with the slack XNNPACK may read past the end.
  std::vector<std::vector<float>> activations_;
  std::vector<xnn_operator*> operators_;
  std::size_t input_tensor_ = 0, output_tensor_ = 0, input_size_ = 0, output_size_ = 0;
};

}  // namespace edgeml::bench
