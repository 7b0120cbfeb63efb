// The same Graph run by XNNPACK's fully connected operators, one after the
// other, single-threaded (no pthreadpool): the baseline bench_inference
// compares the interpreter with. Only FULLY_CONNECTED with no or RELU
// activation is supported, which covers the benchmark's models.
#pragma once

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
  void release();

  // Per tensor the op chain reads or writes: its data, with the slack XNNPACK may read past the end.
  std::vector<std::vector<float>> activations_;
  std::vector<xnn_operator*> operators_;
  std::size_t input_tensor_ = 0, output_tensor_ = 0, input_size_ = 0, output_size_ = 0;
};

}  // namespace edgeml::bench
