#include "cluster/cluster_node.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cluster/node_resources.h"
#include "core/error.h"
#include "protocol/topics.h"

namespace edgeml::cluster {

namespace {

using namespace std::chrono_literals;

constexpr std::size_t kMaxInbox = 4096;  // topics held between two steps: far above any real cluster
constexpr auto kLeadEvery = 200ms;

mq::ClientOptions client_options(const ClusterNodeOptions& o) {
  mq::ClientOptions client = o.client;
  if (client.connection.client_id.empty()) client.connection.client_id = "edgeml-cluster-" + o.node;
  client.clean_session = true;
  client.keep_alive = std::min<std::chrono::seconds>(client.keep_alive, 10s);
  client.will = {cluster_node_topic(o.cluster, o.node), node_gone_json(o.node), 1, true};
  return client;
}

}  // namespace

ClusterNode::ClusterNode(ClusterNodeOptions options)
    : options_(std::move(options)), view_(options_.node), replicas_(options_.serve_command) {
  if (!options_.labels.count("arch")) options_.labels["arch"] = machine_arch();
  client_ = std::make_unique<mq::Client>(client_options(options_));
  client_->set_message_handler([this](std::string_view topic, std::string_view payload) { on_message(topic, payload); });
  client_->add_subscription(cluster_applications_topic(options_.cluster), 1);
  client_->add_subscription(cluster_nodes_filter(options_.cluster), 1);
  client_->add_subscription(cluster_placement_topic(options_.cluster), 1);
  client_->add_subscription(std::string(kNodeStatsFilter), 0);
  client_->connect();
  connected_at_ = Clock::now();
  announce("up");
  spdlog::info("cluster {}: node {} joined with {:g} MiB and {:g} cores", options_.cluster, options_.node,
               options_.capacity.memory_mib, options_.capacity.cores);
}

ClusterNode::~ClusterNode() {
  try {
    leave();
  } catch (const std::exception& e) {
    spdlog::warn("cluster: leaving: {}", e.what());
  }
}

void ClusterNode::on_message(std::string_view topic, std::string_view payload) {
  std::lock_guard lock(mutex_);
  std::string_view name, kind;
  if (split_fleet_topic(topic, kNodesPrefix, name, kind)) {
    if (kind != "stats") return;
    for (const std::string& app : running_)
      if (name == cluster_replica_node(options_.node, app)) stats_inbox_[app] = std::string(payload);
    return;
  }
  if (inbox_.size() >= kMaxInbox && !inbox_.count(std::string(topic))) return;
  inbox_[std::string(topic)] = std::string(payload);
}

void ClusterNode::take_messages(Clock::time_point now) {
  std::map<std::string, std::string> inbox, stats;
  {
    std::lock_guard lock(mutex_);
    inbox.swap(inbox_);
    stats.swap(stats_inbox_);
  }
  for (const auto& [app, payload] : stats) replicas_.on_stats(app, payload);
  for (const auto& [topic, payload] : inbox) {
    if (topic == cluster_applications_topic(options_.cluster)) {
      SignedApplications apps;
      if (Status s = decode_applications(payload, options_.cluster, options_.policy, apps); !s)
        spdlog::error("cluster {}: refused the applications on {}: {}", options_.cluster, topic, s.reason());
      else if (!view_.set_applications(apps))
        spdlog::warn("cluster {}: refused applications signed before those held", options_.cluster);
    } else if (topic == cluster_placement_topic(options_.cluster)) {
      PlacementRecord placement;
      if (payload.empty()) continue;  // cleared
      if (Status s = parse_placement(payload, placement); !s)
        spdlog::warn("cluster {}: an unreadable placement: {}", options_.cluster, s.reason());
      else
        view_.on_placement(placement);
    } else {
      NodeAnnouncement a;
      if (payload.empty()) continue;
      if (Status s = parse_node_announcement(payload, a); !s)
        spdlog::warn("cluster {}: an unreadable announcement on {}: {}", options_.cluster, topic, s.reason());
      else if (cluster_node_topic(options_.cluster, a.node) == topic)
        view_.on_announcement(a, now);
    }
  }
}

void ClusterNode::lead(Clock::time_point now) {
  if (now < next_lead_ || now - connected_at_ < options_.settle || !view_.applications()) return;
  next_lead_ = now + kLeadEvery;
  if (view_.leader(now) != options_.node) return;
  std::vector<NodeAnnouncement> live = view_.live_nodes(now);
  const PlacementRecord& current = view_.placement();
  std::map<std::string, int> wanted;
  for (const ApplicationSpec& app : view_.applications()->document.applications) {
    std::vector<ReplicaLoad> loads;
    for (const NodeAnnouncement& n : live) {
      auto it = n.replicas.find(app.name);
      if (it != n.replicas.end() && it->second.state == "serving") loads.push_back(it->second);
    }
    auto held = current.applications.find(app.name);
    wanted[app.name] = scaler_.wanted(app, held == current.applications.end() ? app.min_replicas : held->second.wanted,
                                      loads, now);
  }
  std::optional<PlacementRecord> next = next_placement(*view_.applications(), live, current, wanted, options_.node);
  if (!next) return;
  spdlog::info("cluster {}: placement {} over {} node(s){}", options_.cluster, next->generation, next->nodes.size(),
               next->unplaced.empty() ? "" : fmt::format("; {}", next->unplaced.front()));
  client_->publish(cluster_placement_topic(options_.cluster), placement_json(*next), 1, true);
  view_.on_placement(*next);
}

void ClusterNode::follow(Clock::time_point now) {
  std::vector<ReplicaPlan> mine;
  if (view_.applications()) {
    const ApplicationsDocument& doc = view_.applications()->document;
    for (const ApplicationSpec& app : doc.applications) {
      auto it = view_.placement().applications.find(app.name);
      if (it == view_.placement().applications.end()) continue;
      const std::vector<std::string>& hosts = it->second.nodes;
      if (std::find(hosts.begin(), hosts.end(), options_.node) != hosts.end())
        mine.push_back({app, nested_request_filters(doc, app.name)});
    }
  }
  std::vector<std::string> names;
  for (const ReplicaPlan& plan : mine) names.push_back(plan.application.name);
  replicas_.run(mine, now);
  replicas_.poll(now);
  std::map<std::string, std::string> states;
  for (const auto& [app, load] : replicas_.loads()) states[app] = load.state;
  if (states != announced_states_) {
    announced_states_ = states;
    next_announcement_ = now;  // a replica that starts serving is news to the leader and to status
  }
  if (names != running_) {
    {
      std::lock_guard lock(mutex_);
      running_ = names;
    }
    next_announcement_ = now;  // tell the cluster at once
  }
}

void ClusterNode::step() {
  if (left_) return;
  client_->recover_if_stuck();  // what it had in flight is announced again in time
  Clock::time_point now = Clock::now();
  take_messages(now);
  lead(now);
  follow(now);
  if (now >= next_announcement_) {
    announce("up");
    next_announcement_ = now + options_.interval;
  }
}

void ClusterNode::announce(const std::string& state) {
  NodeAnnouncement a;
  a.node = options_.node;
  a.state = state;
  a.labels = options_.labels;
  a.capacity = options_.capacity;
  a.interval_s = std::chrono::duration<double>(options_.interval).count();
  if (view_.applications()) a.applications_signed_at = view_.applications()->signed_at_ms;
  a.placement_generation = view_.placement().generation;
  if (state == "up") a.replicas = replicas_.loads();
  double cpu = 0;
  for (const auto& [app, load] : a.replicas) cpu += load.cpu_cores;
  a.overloaded = options_.capacity.cores > 0 && cpu > options_.capacity.cores;
  view_.on_announcement(a, Clock::now());
  client_->publish(cluster_node_topic(options_.cluster, options_.node), node_announcement_json(a), 1, true);
}

void ClusterNode::leave() {
  if (left_) return;
  left_ = true;
  replicas_.stop_all(5s);
  announce("left");
  client_->disconnect();
  spdlog::info("cluster {}: node {} left", options_.cluster, options_.node);
}

}  // namespace edgeml::cluster
