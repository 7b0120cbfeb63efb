// Runs a Graph. Every buffer is planned and every kernel bound and checked
// when the interpreter is built; invoke() only computes and never allocates.
// Dense MATMULs are rewritten as FULLY_CONNECTED first (graph() shows that).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "runtime/graph.h"
#include "runtime/kernels/kernel.h"
#include "runtime/plan_cost.h"

namespace edgeml::runtime {

// Every reader bounds each tensor; this bounds them all together, so that a
// small file cannot make the interpreter take gigabytes.
inline constexpr std::size_t kMaxArenaBytes = std::size_t{1} << 30;

class Interpreter {
 public:
  // Throws Error when an operator or a type is not supported, shapes do not fit,
  // the tensors need more than kMaxArenaBytes, the options are out of range,
  // or the plan costs more than `budget` (checked before the arena is allocated).
  explicit Interpreter(Graph graph, KernelOptions options = {}, const PlanBudget& budget = {});

  // A float32 input or output; throws Error for another type.
  std::span<float> input(std::size_t i);
  std::span<const float> output(std::size_t i) const;
  // An int8 input or output (a fully quantized model's); throws Error for another type.
  std::span<std::int8_t> int8_input(std::size_t i);
  std::span<const std::int8_t> int8_output(std::size_t i) const;
  void invoke();

  const Graph& graph() const { return graph_; }
  // Its arena and multiply-adds per inference, as planned (plan_cost.h).
  const PlanCost& cost() const { return cost_; }

 private:
  template <typename T>
  std::span<T> typed_span(int index, DataType type) const;

  Graph graph_;
  PlanCost cost_;
  // Every tensor, constants included, each at a 64-byte aligned address.
  std::vector<std::byte> arena_;
  TensorBuffers buffers_;  // per tensor: its place in the arena
  std::vector<std::unique_ptr<Kernel>> kernels_;
};

}  // namespace edgeml::runtime
