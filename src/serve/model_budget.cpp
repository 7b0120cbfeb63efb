#include "serve/model_budget.h"

#include <fmt/format.h>

#include "core/error.h"

namespace edgeml::serve {

using runtime::format_bytes;
using runtime::format_multiply_adds;
using runtime::PlanCost;

PlanCost operator+(const PlanCost& a, const PlanCost& b) {
  return {static_cast<std::size_t>(runtime::saturating_add(a.arena_bytes, b.arena_bytes)),
          runtime::saturating_add(a.multiply_adds, b.multiply_adds)};
}

void check_node_room(const PlanCost& need, const PlanCost& others, const runtime::PlanBudget& node) {
  PlanCost total = need + others;
  if (total.arena_bytes > node.arena_bytes)
    throw Error(fmt::format("it needs {} of arena and the node's other models {}: {} together, over {} of {}",
                            format_bytes(need.arena_bytes), format_bytes(others.arena_bytes),
                            format_bytes(total.arena_bytes), node.name, format_bytes(node.arena_bytes)));
  if (total.multiply_adds > node.multiply_adds)
    throw Error(fmt::format("it needs {} multiply-adds per inference and the node's other models {}: {} together, "
                            "over {} of {}",
                            format_multiply_adds(need.multiply_adds), format_multiply_adds(others.multiply_adds),
                            format_multiply_adds(total.multiply_adds), node.name,
                            format_multiply_adds(node.multiply_adds)));
}

void NodeLedger::reserve(const std::string& model, const PlanCost& cost) { reserved_[model] = cost; }

void NodeLedger::check(const std::string& model, const PlanCost& need) const {
  PlanCost others = charged_;
  for (const auto& [name, cost] : reserved_)
    if (name != model) others = others + cost;
  check_node_room(need, others, node_);
}

void NodeLedger::charge(const std::string& model, const PlanCost& cost) {
  reserved_.erase(model);
  charged_ = charged_ + cost;
}

}  // namespace edgeml::serve
