// What a service contract is judged on, read from two of the node's stats:
// the figures of the interval between `before` and `now`, per model served.
#pragma once

#include "serve/contract_monitor.h"
#include "serve/node_stats.h"

namespace edgeml::serve {

// `now` against `before`, the stats at the interval's start, for the models of `served`.
ContractReadings read_contract_metrics(const NodeStats& now, const NodeStats& before, const ModelSet& served);

}  // namespace edgeml::serve
