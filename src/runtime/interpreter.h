// Runs a Graph. Every buffer is planned and every kernel bound and checked
// when the interpreter is built; invoke() only computes and never allocates.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "runtime/graph.h"
#include "runtime/kernels/kernel.h"

namespace edgeml::runtime {

class Interpreter {
 public:
  // Throws Error when an operator or a type is not supported or shapes do not fit.
  explicit Interpreter(Graph graph);

  std::span<float> input(std::size_t i);
  std::span<const float> output(std::size_t i) const;
  void invoke();

  const Graph& graph() const { return graph_; }

 private:
  std::span<float> tensor_span(int index) const;

  Graph graph_;
  std::vector<float> arena_;       // every float32 tensor, constants included
  std::vector<float*> buffers_;    // per tensor: its place in the arena, or null
  std::vector<std::unique_ptr<Kernel>> kernels_;
};

}  // namespace edgeml::runtime
