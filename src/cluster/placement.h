// Where an edge cluster's applications run: a deterministic function of the
// applications, the live nodes and the current placement. Every node of a
// cluster computes it from the same retained state and so reaches the same
// answer without a leader; nodes that see changes in different orders agree
// once they hold the same state, since the order of the inputs does not
// matter (applications and nodes are taken sorted by name).
//
// The rules, in order: a replica stays where it is while its node lives,
// meets the application's constraints and has room, so a change moves as few
// replicas as it can; new replicas go, one at a time, to the eligible node
// without one of that application that has the largest share of its
// capacity free (ties: fewer replicas, then the node's id), which spreads
// them; applications are served in name order, so when capacity runs out
// the later ones wait, and say why.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "protocol/cluster_applications.h"

namespace edgeml::cluster {

struct Node {
  std::string id;
  Resources capacity;
  std::map<std::string, std::string> labels;  // e.g. arch=arm64
};

struct Application {
  std::string name;
  int replicas = 1;  // wanted now, between the application's minimum and maximum
  Resources per_replica;
  std::map<std::string, std::string> constraints;  // labels a node must have, with these values
};

// Application name -> the nodes running one of its replicas, sorted.
using Placement = std::map<std::string, std::vector<std::string>>;

struct PlacementResult {
  Placement placement;
  // Replicas that found no node, one line each application, saying why, e.g.
  // "b: 1 of 3 replicas unplaced: no other node has 64 MiB and 0.5 cores free with arch=arm64".
  std::vector<std::string> unplaced;
  int moved = 0;  // replicas placed anew: not kept where `current` had them
};

PlacementResult place(std::vector<Application> applications, std::vector<Node> nodes, const Placement& current);

}  // namespace edgeml::cluster
