#include "runtime/plan_cost.h"

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::runtime {

namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

const Tensor* operand(const Op& op, const Graph& graph, std::size_t k) {
  if (k >= op.inputs.size() || op.inputs[k] < 0) return nullptr;
  return &graph.tensors[static_cast<std::size_t>(op.inputs[k])];
}

// The length of the dot product behind each output element: the weights' last
// dimension ([out, in]) for FULLY_CONNECTED; for MATMUL the columns of A as
// multiplied (its rows when transposed; a vector's length).
std::uint64_t dot_length(const Op& op, const Graph& graph) {
  const Tensor* t = operand(op, graph, op.kind == OpKind::fully_connected ? 1 : 0);
  if (!t || t->shape.empty()) return 1;
  std::size_t rank = t->shape.size();
  bool rows = op.kind == OpKind::matmul && op.transpose_a && rank >= 2;
  std::int32_t length = t->shape[rows ? rank - 2 : rank - 1];
  return length > 0 ? static_cast<std::uint64_t>(length) : 0;
}

}  // namespace

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) { return a > kMax - b ? kMax : a + b; }

std::uint64_t saturating_multiply(std::uint64_t a, std::uint64_t b) {
  return a != 0 && b > kMax / a ? kMax : a * b;
}

std::uint64_t multiply_adds(const Op& op, const Graph& graph) {
  std::uint64_t outputs = 0;
  for (int o : op.outputs) outputs = saturating_add(outputs, graph.tensors[static_cast<std::size_t>(o)].element_count());
  if (op.kind == OpKind::fully_connected || op.kind == OpKind::matmul)
    return saturating_multiply(outputs, dot_length(op, graph));
  return outputs;
}

std::string format_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} bytes", bytes);
  if (bytes < (1u << 20)) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1u << 20));
}

std::string format_multiply_adds(std::uint64_t count) {
  if (count < 100000) return fmt::format("{}", count);
  return fmt::format("{:.1e}", static_cast<double>(count));
}

void check_plan_cost(const PlanCost& cost, const PlanBudget& budget) {
  if (cost.arena_bytes > budget.arena_bytes)
    throw Error(fmt::format("it needs {} of arena, over {} of {}", format_bytes(cost.arena_bytes), budget.name,
                            format_bytes(budget.arena_bytes)));
  if (cost.multiply_adds > budget.multiply_adds)
    throw Error(fmt::format("it needs {} multiply-adds per inference, over {} of {}",
                            format_multiply_adds(cost.multiply_adds), budget.name,
                            format_multiply_adds(budget.multiply_adds)));
}

}  // namespace edgeml::runtime
