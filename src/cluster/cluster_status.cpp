#include "cluster/cluster_status.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "protocol/topics.h"

namespace edgeml::cluster {

namespace {

using json = nlohmann::json;


constexpr std::size_t kMaxNodes = 1000, kNotesKept = 5;

}  // namespace

std::vector<std::string> ClusterStatus::topic_filters() const {
  return {cluster_applications_topic(cluster_), cluster_nodes_filter(cluster_), cluster_placement_topic(cluster_)};
}

void ClusterStatus::take(std::string_view topic, std::string_view payload) {
  Status read = Status::ok();
  if (topic == cluster_applications_topic(cluster_)) {
    SignedApplications apps;
    read = peek_applications(payload, cluster_, apps);
    if (read) applications_ = std::move(apps);
  } else if (topic == cluster_placement_topic(cluster_)) {
    PlacementRecord p;
    if (payload.empty()) return placement_.reset();
    read = parse_placement(payload, p);
    if (read) placement_ = std::move(p);
  } else {
    NodeAnnouncement a;
    if (payload.empty()) return;
    read = parse_node_announcement(payload, a);
    if (read && cluster_node_topic(cluster_, a.node) != topic) read = Status::error("names another node than its topic");
    if (read && (nodes_.size() < kMaxNodes || nodes_.count(a.node))) nodes_[a.node] = std::move(a);
  }
  if (!read) {
    notes_.push_back(fmt::format("{}: {}", topic, read.reason()));
    if (notes_.size() > kNotesKept) notes_.erase(notes_.begin());
  }
}

int ClusterStatus::serving(const std::string& application) const {
  if (!placement_) return 0;
  auto it = placement_->applications.find(application);
  if (it == placement_->applications.end()) return 0;
  int n = 0;
  for (const std::string& node : it->second.nodes) {
    auto a = nodes_.find(node);
    if (a == nodes_.end() || !a->second.up()) continue;
    auto r = a->second.replicas.find(application);
    n += r != a->second.replicas.end() && r->second.state == "serving";
  }
  return n;
}

bool ClusterStatus::converged() const {
  if (!applications_ || !placement_ || placement_->applications_signed_at != applications_->signed_at_ms) return false;
  if (!placement_->unplaced.empty()) return false;
  for (const ApplicationSpec& app : applications_->document.applications) {
    auto it = placement_->applications.find(app.name);
    if (it == placement_->applications.end()) return false;
    int wanted = it->second.wanted;
    if (static_cast<int>(it->second.nodes.size()) != wanted || serving(app.name) != wanted) return false;
  }
  return true;
}

json ClusterStatus::to_json() const {
  json apps = json::array();
  if (applications_)
    for (const ApplicationSpec& app : applications_->document.applications) {
      json one = {{"name", app.name}, {"requests", app.requests}, {"min", app.min_replicas}, {"max", app.max_replicas}};
      const AppPlacement* p = nullptr;
      if (placement_ && placement_->applications.count(app.name)) p = &placement_->applications.at(app.name);
      one["wanted"] = p ? p->wanted : 0;
      one["placed"] = p ? p->nodes : std::vector<std::string>{};
      one["serving"] = serving(app.name);
      apps.push_back(one);
    }
  json nodes = json::array();
  for (const auto& [id, a] : nodes_) {
    json replicas = json::object();
    for (const auto& [app, r] : a.replicas)
      replicas[app] = {{"state", r.state}, {"queue", r.queue}, {"p99_ms", r.p99_ms},
                       {"requests_per_s", r.requests_per_s}, {"resident_mib", r.resident_mib}};
    nodes.push_back({{"node", id}, {"state", a.state}, {"overloaded", a.overloaded}, {"labels", a.labels},
                     {"capacity", {{"memory_mib", a.capacity.memory_mib}, {"cores", a.capacity.cores}}},
                     {"replicas", replicas}});
  }
  json out = {{"cluster", cluster_}, {"converged", converged()}};
  if (applications_) out["applications_signed_at"] = applications_->signed_at_ms;
  if (placement_)
    out["placement"] = {{"generation", placement_->generation}, {"leader", placement_->leader},
                        {"unplaced", placement_->unplaced}};
  out["applications"] = apps;
  out["nodes"] = nodes;
  if (!notes_.empty()) out["notes"] = notes_;
  return out;
}

std::string ClusterStatus::table() const {
  std::string out = fmt::format("cluster {}: ", cluster_);
  if (placement_)
    out += fmt::format("placement {} by {}, {}\n", placement_->generation, placement_->leader,
                       converged() ? "converged" : "converging");
  else
    out += "no placement yet\n";
  out += fmt::format("\n{:<20} {:<22} {:>7} {:>7} {:>7}  {}\n", "APPLICATION", "REQUESTS", "MIN-MAX", "WANTED", "SERVING",
                     "NODES");
  if (applications_)
    for (const ApplicationSpec& app : applications_->document.applications) {
      const AppPlacement* p = nullptr;
      if (placement_ && placement_->applications.count(app.name)) p = &placement_->applications.at(app.name);
      out += fmt::format("{:<20} {:<22} {:>7} {:>7} {:>7}  {}\n", app.name, app.requests,
                         fmt::format("{}-{}", app.min_replicas, app.max_replicas), p ? p->wanted : 0, serving(app.name),
                         p ? fmt::format("{}", fmt::join(p->nodes, " ")) : "-");
    }
  out += fmt::format("\n{:<16} {:<6} {:<24} {:>16}  {}\n", "NODE", "STATE", "LABELS", "CAPACITY", "REPLICAS");
  for (const auto& [id, a] : nodes_) {
    std::vector<std::string> labels, replicas;
    for (const auto& [k, v] : a.labels) labels.push_back(k + "=" + v);
    for (const auto& [app, r] : a.replicas)
      replicas.push_back(r.state == "serving" ? fmt::format("{} ({:.0f} req/s, p99 {:.2f} ms)", app, r.requests_per_s, r.p99_ms)
                                              : fmt::format("{} ({})", app, r.state));
    out += fmt::format("{:<16} {:<6} {:<24} {:>16}  {}\n", id, a.overloaded ? "busy" : a.state,
                       fmt::format("{}", fmt::join(labels, ",")),
                       fmt::format("{:g} cores {:.0f} MiB", a.capacity.cores, a.capacity.memory_mib),
                       replicas.empty() ? "-" : fmt::format("{}", fmt::join(replicas, ", ")));
  }
  if (placement_)
    for (const std::string& why : placement_->unplaced) out += "unplaced: " + why + "\n";
  for (const std::string& note : notes_) out += "note: " + note + "\n";
  return out;
}

}  // namespace edgeml::cluster
