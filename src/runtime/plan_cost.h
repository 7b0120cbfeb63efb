// What running a model costs, estimated from its planned shapes before any
// buffer is allocated, and the budget a caller may hold it to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "runtime/graph.h"

namespace edgeml::runtime {

struct PlanCost {
  std::size_t arena_bytes = 0;      // exact: every tensor, constants included, as the interpreter lays them out
  std::uint64_t multiply_adds = 0;  // per inference, by multiply_adds() below
};

// The most a model may cost; a model over either figure is refused.
struct PlanBudget {
  std::size_t arena_bytes = std::numeric_limits<std::size_t>::max();
  std::uint64_t multiply_adds = std::numeric_limits<std::uint64_t>::max();
  std::string name = "the budget";  // in errors: "over NAME of 16.0 MiB"
};

// One inference of `op`, counted so that the sum over a graph bounds its time:
// FULLY_CONNECTED and MATMUL count their products (output elements times the
// length of the dot product each sums: batch * in * out for a dense layer);
// every other operator counts one per output element. Those are not
// multiply-adds, but without them a graph of many cheap operators would cost
// nothing. Fused activations and biases are not counted: one per output is
// small beside a dot product. Saturates rather than wrapping around.
std::uint64_t multiply_adds(const Op& op, const Graph& graph);

// Sums that saturate at the type's maximum: a hostile graph's figures must
// stay over any budget rather than wrap under it.
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b);
std::uint64_t saturating_multiply(std::uint64_t a, std::uint64_t b);

// "48.0 MiB", "512 bytes": byte figures in errors.
std::string format_bytes(std::uint64_t bytes);
// "2.1e+09", "32": multiply-add figures in errors.
std::string format_multiply_adds(std::uint64_t count);

// Throws Error giving both figures when `cost` exceeds `budget`.
void check_plan_cost(const PlanCost& cost, const PlanBudget& budget);

}  // namespace edgeml::runtime
