// What one node knows of its cluster, from the retained messages it has
// received (docs/cluster.md): the applications, every node's last
// announcement, and the placement in force. From it each node tells, alike,
// which nodes live and which of them leads: the live node with the smallest
// id. Only the leader publishes placements; every node, the leader too, acts
// on the last placement the broker delivered. The broker orders messages on
// one topic, so nodes that briefly disagree on the leader (one has not yet
// seen a node join or die) still end on the same retained placement, and the
// one leader left recomputes from it.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/signed_applications.h"
#include "protocol/cluster_state.h"

namespace edgeml::cluster {

class ClusterView {
 public:
  using Clock = std::chrono::steady_clock;

  // A node that has not announced itself for `stale_intervals` of its own
  // announcement intervals counts as dead even before its Last Will arrives
  // (a broker that lost the will, a node cut off but still connected).
  explicit ClusterView(std::string self, double stale_intervals = 3);

  const std::string& self() const { return self_; }
  // Takes the applications unless they were signed before those held; false then.
  bool set_applications(SignedApplications applications);
  const std::optional<SignedApplications>& applications() const { return applications_; }
  void on_announcement(const NodeAnnouncement& announcement, Clock::time_point now);
  // Always takes it: the last placement the broker delivered is the one every node ends on.
  void on_placement(const PlacementRecord& placement) { placement_ = placement; }
  const PlacementRecord& placement() const { return placement_; }

  // Live nodes (this one always among them once it announced), by id.
  std::vector<NodeAnnouncement> live_nodes(Clock::time_point now) const;
  std::string leader(Clock::time_point now) const;
  const std::map<std::string, NodeAnnouncement>& announcements() const { return announcements_; }

 private:
  struct Heard {
    Clock::time_point at;
  };
  std::string self_;
  double stale_intervals_;
  std::optional<SignedApplications> applications_;
  std::map<std::string, NodeAnnouncement> announcements_;
  std::map<std::string, Heard> heard_;
  PlacementRecord placement_;
};

// The leader's step: the placement from `current` for `live` nodes and the
// replicas `wanted` of each application; none when it would change nothing
// but the generation.
std::optional<PlacementRecord> next_placement(const SignedApplications& applications,
                                              const std::vector<NodeAnnouncement>& live, const PlacementRecord& current,
                                              const std::map<std::string, int>& wanted, const std::string& leader);

}  // namespace edgeml::cluster
