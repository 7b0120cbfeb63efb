// What the models of one node may take, so that a hostile or careless model
// cannot exhaust it: arena bytes and multiply-adds per inference, per model
// and for the node's whole set, estimated when each model's plan is built
// (runtime/plan_cost.h) and refused before its probe inference runs.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>

#include "runtime/plan_cost.h"

namespace edgeml::serve {

// A model file the server reads; a larger one is refused by its size before
// it is read. Its bytes, their parse and the graph each take about that much.
inline constexpr std::size_t kMaxServedModelBytes = std::size_t{64} << 20;

// Defaults for a Raspberry-Pi-class node (1 GiB or more, a 1.5 GHz Cortex-A72
// doing some 1e9 float multiply-adds a second on one core): a model may take
// 64 MiB and 50e6 multiply-adds (about 50 ms an inference), all of them
// together 256 MiB and 200e6 (a request answered by every model within about
// 200 ms). The tutorial's models take a few KiB and a few hundred.
struct ModelBudgets {
  runtime::PlanBudget per_model{std::size_t{64} << 20, 50'000'000, "the per-model budget"};
  runtime::PlanBudget node{std::size_t{256} << 20, 200'000'000, "the node budget"};
  // The probe inference of a model as it loads must end within this, or the
  // model is refused. A running inference cannot be stopped safely, so this
  // is judged once the probe ends: the multiply-add budget is what bounds how
  // long it actually runs; this catches a model whose estimate misleads.
  std::chrono::milliseconds probe_limit{2000};
};

// Throws Error with the figures when `need` does not fit in `node` beside
// `others` (what the node's other models take).
void check_node_room(const runtime::PlanCost& need, const runtime::PlanCost& others, const runtime::PlanBudget& node);

// The node budget as a set is loaded, model by model. A model that served
// before keeps the room of its serving version reserved until its new files
// are tried: another model cannot take that room, so the node can always keep
// serving the old version when the new one does not fit.
class NodeLedger {
 public:
  explicit NodeLedger(runtime::PlanBudget node) : node_(std::move(node)) {}

  void reserve(const std::string& model, const runtime::PlanCost& cost);
  // Throws Error with the figures unless `need` fits beside what is charged
  // and what is reserved for the other models.
  void check(const std::string& model, const runtime::PlanCost& need) const;
  // Charges what `model` takes now (its new version, its kept old one, or
  // nothing when it is dropped), replacing its reservation.
  void charge(const std::string& model, const runtime::PlanCost& cost);

 private:
  runtime::PlanBudget node_;
  runtime::PlanCost charged_;
  std::map<std::string, runtime::PlanCost, std::less<>> reserved_;
};

runtime::PlanCost operator+(const runtime::PlanCost& a, const runtime::PlanCost& b);

}  // namespace edgeml::serve
