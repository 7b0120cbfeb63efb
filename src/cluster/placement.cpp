#include "cluster/placement.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace edgeml::cluster {

namespace {

// Room for one replica of `app` on a node with `free` resources left.
bool fits(const Resources& free, const Application& app) {
  return free.memory_mib >= app.per_replica.memory_mib && free.cores >= app.per_replica.cores;
}

bool eligible(const Node& node, const Application& app) {
  for (const auto& [key, value] : app.constraints) {
    auto it = node.labels.find(key);
    if (it == node.labels.end() || it->second != value) return false;
  }
  return true;
}

// The share of a node's capacity still free, memory and cores weighed alike.
double free_share(const Resources& free, const Resources& capacity) {
  double share = 0;
  share += capacity.memory_mib > 0 ? free.memory_mib / capacity.memory_mib : 0;
  share += capacity.cores > 0 ? free.cores / capacity.cores : 0;
  return share / 2;
}

struct NodeState {
  const Node* node;
  Resources free;
  int replicas = 0;
};

void take(NodeState& n, const Application& app) {
  n.free.memory_mib -= app.per_replica.memory_mib;
  n.free.cores -= app.per_replica.cores;
  ++n.replicas;
}

bool hosts(const std::vector<std::string>& hosts, const std::string& id) {
  return std::find(hosts.begin(), hosts.end(), id) != hosts.end();
}

// Pass 1: the replicas `current` has that may stay.
void keep_current(const std::vector<Application>& apps, std::vector<NodeState>& nodes, const Placement& current,
                  Placement& out) {
  for (const Application& app : apps) {
    auto it = current.find(app.name);
    if (it == current.end()) continue;
    std::vector<std::string> previous = it->second;
    std::sort(previous.begin(), previous.end());
    for (const std::string& id : previous) {
      std::vector<std::string>& kept = out[app.name];
      if (static_cast<int>(kept.size()) >= app.replicas || hosts(kept, id)) continue;
      for (NodeState& n : nodes)
        if (n.node->id == id && eligible(*n.node, app) && fits(n.free, app)) {
          take(n, app);
          kept.push_back(id);
        }
    }
  }
}

std::string why_unplaced(const Application& app, int missing) {
  std::vector<std::string> constraints;
  for (const auto& [key, value] : app.constraints) constraints.push_back(key + "=" + value);
  return fmt::format("{}: {} of {} replicas unplaced: no other node has {:g} MiB and {:g} cores free{}", app.name,
                     missing, app.replicas, app.per_replica.memory_mib, app.per_replica.cores,
                     constraints.empty() ? "" : " with " + fmt::format("{}", fmt::join(constraints, ", ")));
}

// Pass 2: the replicas still wanted, each on the emptiest eligible node.
void add_wanted(const std::vector<Application>& apps, std::vector<NodeState>& nodes, PlacementResult& result) {
  for (const Application& app : apps) {
    std::vector<std::string>& hosts_of = result.placement[app.name];
    while (static_cast<int>(hosts_of.size()) < app.replicas) {
      NodeState* best = nullptr;
      for (NodeState& n : nodes) {
        if (!eligible(*n.node, app) || !fits(n.free, app) || hosts(hosts_of, n.node->id)) continue;
        if (!best) {
          best = &n;
          continue;
        }
        const double a = free_share(n.free, n.node->capacity), b = free_share(best->free, best->node->capacity);
        if (a > b || (a == b && n.replicas < best->replicas)) best = &n;  // nodes are in id order
      }
      if (!best) {
        result.unplaced.push_back(why_unplaced(app, app.replicas - static_cast<int>(hosts_of.size())));
        break;
      }
      take(*best, app);
      hosts_of.push_back(best->node->id);
      ++result.moved;
    }
    std::sort(hosts_of.begin(), hosts_of.end());
  }
}

}  // namespace

PlacementResult place(std::vector<Application> applications, std::vector<Node> nodes, const Placement& current) {
  std::sort(applications.begin(), applications.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  std::vector<NodeState> states;
  for (const Node& n : nodes) states.push_back({&n, n.capacity, 0});
  PlacementResult result;
  keep_current(applications, states, current, result.placement);
  add_wanted(applications, states, result);
  for (auto it = result.placement.begin(); it != result.placement.end();)
    it = it->second.empty() ? result.placement.erase(it) : std::next(it);
  return result;
}

}  // namespace edgeml::cluster
