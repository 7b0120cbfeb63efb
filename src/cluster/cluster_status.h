// What `edgeml cluster status` shows: a cluster's applications, the replicas
// each wants and runs and where, and its nodes with their capacity, use and
// load, from the cluster's retained topics (protocol/topics.h). Any payload
// is taken without an exception; what cannot be read is noted.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/signed_applications.h"
#include "protocol/cluster_state.h"

namespace edgeml::cluster {

class ClusterStatus {
 public:
  explicit ClusterStatus(std::string cluster) : cluster_(std::move(cluster)) {}

  std::vector<std::string> topic_filters() const;
  void take(std::string_view topic, std::string_view payload);

  // The placement is for the applications held, places every replica they
  // want, and each of those replicas says it is serving.
  bool converged() const;
  // Replicas of `application` that their node reports serving.
  int serving(const std::string& application) const;
  bool empty() const { return !applications_ && nodes_.empty() && !placement_; }

  nlohmann::json to_json() const;
  std::string table() const;

  const std::optional<PlacementRecord>& placement() const { return placement_; }
  const std::map<std::string, NodeAnnouncement>& nodes() const { return nodes_; }
  const std::optional<SignedApplications>& applications() const { return applications_; }

 private:
  std::string cluster_;
  std::optional<SignedApplications> applications_;
  std::map<std::string, NodeAnnouncement> nodes_;
  std::optional<PlacementRecord> placement_;
  std::vector<std::string> notes_;  // the last few unreadable messages
};

}  // namespace edgeml::cluster
