#include "cluster/cluster_view.h"

#include <algorithm>

#include "cluster/placement.h"

namespace edgeml::cluster {

ClusterView::ClusterView(std::string self, double stale_intervals)
    : self_(std::move(self)), stale_intervals_(stale_intervals) {}

bool ClusterView::set_applications(SignedApplications applications) {
  if (applications_ && applications.signed_at_ms < applications_->signed_at_ms) return false;
  applications_ = std::move(applications);
  return true;
}

void ClusterView::on_announcement(const NodeAnnouncement& announcement, Clock::time_point now) {
  announcements_[announcement.node] = announcement;
  heard_[announcement.node] = {now};
}

std::vector<NodeAnnouncement> ClusterView::live_nodes(Clock::time_point now) const {
  std::vector<NodeAnnouncement> live;
  for (const auto& [id, a] : announcements_) {
    if (!a.up()) continue;
    double interval = a.interval_s > 0 ? a.interval_s : 5;
    auto age = std::chrono::duration<double>(now - heard_.at(id).at).count();
    if (id == self_ || age <= stale_intervals_ * interval) live.push_back(a);
  }
  return live;  // the map keeps them in id order
}

std::string ClusterView::leader(Clock::time_point now) const {
  std::vector<NodeAnnouncement> live = live_nodes(now);
  return live.empty() ? self_ : std::min(self_, live.front().node);
}

namespace {

// What the replicas `placement` gives `node` take: all an overloaded node is
// offered, so that it keeps them and gets no more.
Resources held_resources(const std::string& node, const std::vector<Application>& apps, const Placement& placement) {
  Resources held;
  for (const Application& app : apps) {
    auto it = placement.find(app.name);
    if (it == placement.end() || std::find(it->second.begin(), it->second.end(), node) == it->second.end()) continue;
    held.memory_mib += app.per_replica.memory_mib;
    held.cores += app.per_replica.cores;
  }
  return held;
}

}  // namespace

std::optional<PlacementRecord> next_placement(const SignedApplications& applications,
                                              const std::vector<NodeAnnouncement>& live, const PlacementRecord& current,
                                              const std::map<std::string, int>& wanted, const std::string& leader) {
  std::vector<Application> apps;
  for (const ApplicationSpec& spec : applications.document.applications) {
    auto it = wanted.find(spec.name);
    int replicas = std::clamp(it == wanted.end() ? spec.min_replicas : it->second, spec.min_replicas, spec.max_replicas);
    apps.push_back({spec.name, replicas, spec.per_replica, spec.constraints});
  }
  Placement previous;
  for (const auto& [name, app] : current.applications) previous[name] = app.nodes;
  std::vector<Node> nodes;
  for (const NodeAnnouncement& a : live)
    nodes.push_back({a.node, a.overloaded ? held_resources(a.node, apps, previous) : a.capacity, a.labels});

  PlacementResult result = place(apps, nodes, previous);
  PlacementRecord next;
  next.generation = current.generation + 1;
  next.leader = leader;
  next.applications_signed_at = applications.signed_at_ms;
  for (const NodeAnnouncement& a : live) next.nodes.push_back(a.node);
  std::sort(next.nodes.begin(), next.nodes.end());  // as a placement keeps them, whatever order `live` came in
  for (const Application& app : apps) {
    AppPlacement& p = next.applications[app.name];
    p.wanted = app.replicas;
    auto it = result.placement.find(app.name);
    if (it != result.placement.end()) p.nodes = it->second;
  }
  next.unplaced = result.unplaced;
  std::sort(next.unplaced.begin(), next.unplaced.end());
  auto same_apps = [&] {
    if (next.applications.size() != current.applications.size()) return false;
    for (const auto& [name, p] : next.applications) {
      auto it = current.applications.find(name);
      if (it == current.applications.end() || it->second.wanted != p.wanted || it->second.nodes != p.nodes) return false;
    }
    return true;
  };
  if (current.generation > 0 && same_apps() && next.nodes == current.nodes && next.unplaced == current.unplaced &&
      next.applications_signed_at == current.applications_signed_at)
    return std::nullopt;
  return next;
}

}  // namespace edgeml::cluster
