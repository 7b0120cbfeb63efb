// What a cluster's nodes tell each other through retained messages
// (docs/cluster.md): each node's announcement on cluster_node_topic(), and
// the placement the leader publishes on cluster_placement_topic(). Both are
// JSON; a reader takes them with a size cap and never throws, as they come
// from the network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "protocol/cluster_applications.h"

namespace edgeml {

inline constexpr std::size_t kMaxClusterMessageBytes = std::size_t{256} << 10;

// One replica as the node running it sees it, with its figures over the
// last stats interval of its server.
struct ReplicaLoad {
  std::string state;  // "starting", "serving" or "failed" (with `reason`)
  std::string reason;
  double queue = 0;
  double p99_ms = 0;
  double requests_per_s = 0;
  double resident_mib = 0;
  double cpu_cores = 0;  // CPU time per second of the replica's process: 1.0 is one core busy
};

struct NodeAnnouncement {
  std::string node;
  // "up"; "left" when it stopped on purpose; "gone" is its Last Will, which
  // the broker publishes when the node vanished.
  std::string state = "up";
  std::map<std::string, std::string> labels;  // arch=... always among them
  Resources capacity;
  double interval_s = 0;  // how often the node announces itself
  std::int64_t applications_signed_at = 0;  // of the applications the node holds
  std::uint64_t placement_generation = 0;   // the last placement it acted on
  std::map<std::string, ReplicaLoad> replicas;  // application -> its replica here
  // Its replicas together use more CPU than its capacity: the leader places
  // no further replica on it while it says so.
  bool overloaded = false;
  bool up() const { return state == "up"; }
};

struct AppPlacement {
  int wanted = 0;                  // replicas wanted now, between the application's min and max
  std::vector<std::string> nodes;  // where they run, sorted
};

struct PlacementRecord {
  std::uint64_t generation = 0;  // one more than the placement it replaced
  std::string leader;            // the node that computed it
  std::int64_t applications_signed_at = 0;
  std::vector<std::string> nodes;  // the live nodes it was computed from, sorted
  std::map<std::string, AppPlacement> applications;
  std::vector<std::string> unplaced;  // why replicas found no node
};

std::string node_announcement_json(const NodeAnnouncement& announcement);
// The Last Will: {"node": NODE, "state": "gone"}.
std::string node_gone_json(std::string_view node);
Status parse_node_announcement(std::string_view payload, NodeAnnouncement& out);

std::string placement_json(const PlacementRecord& record);
Status parse_placement(std::string_view payload, PlacementRecord& out);

}  // namespace edgeml
