// A node of an edge cluster (`edgeml serve --cluster NAME`): it announces
// itself, its labels, capacity and its replicas' load on its
// cluster_node_topic() every interval (retained; its Last Will says "gone"),
// follows the cluster's applications and placement, runs the replicas the
// placement gives it (replicas.h), and, while it is the leader
// (cluster_view.h), computes and publishes the placement and the replicas
// each application wants (scaler.h). docs/cluster.md tells the whole design.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/cluster_view.h"
#include "cluster/replicas.h"
#include "cluster/scaler.h"
#include "mqtt/client.h"
#include "serve/deploy_package.h"

namespace edgeml::cluster {

struct ClusterNodeOptions {
  mq::ClientOptions client;
  std::string cluster;
  std::string node;
  std::map<std::string, std::string> labels;  // arch=... is added when missing
  Resources capacity;
  std::chrono::milliseconds interval{5000};  // between announcements
  // How long a node listens to the retained state after connecting before it
  // may lead, so that it does not place from a half-read cluster.
  std::chrono::milliseconds settle{1000};
  serve::PackagePolicy policy;  // which applications' signatures it takes
  std::vector<std::string> serve_command;  // see Replicas
};

class ClusterNode {
 public:
  using Clock = std::chrono::steady_clock;

  // Connects and subscribes; throws Error when the broker cannot be reached.
  explicit ClusterNode(ClusterNodeOptions options);
  ~ClusterNode();  // leave()s
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  // One round: takes the messages received, leads if it is the leader, runs
  // its replicas, announces itself when due. Call every 100 ms or so, always
  // from the thread that created the node (see Replicas).
  void step();
  // Announces "left", stops the replicas and disconnects. Idempotent.
  void leave();

  const ClusterView& view() const { return view_; }

 private:
  void on_message(std::string_view topic, std::string_view payload);
  void take_messages(Clock::time_point now);
  void lead(Clock::time_point now);
  void follow(Clock::time_point now);
  void announce(const std::string& state);

  ClusterNodeOptions options_;
  ClusterView view_;
  Scaler scaler_;
  Replicas replicas_;
  std::unique_ptr<mq::Client> client_;
  Clock::time_point connected_at_, next_announcement_{}, next_lead_{};
  std::vector<std::string> running_;  // applications whose replica runs here
  std::map<std::string, std::string> announced_states_;  // application -> its replica's state, as last followed
  bool left_ = false;

  std::mutex mutex_;  // guards what Paho's thread hands over
  std::map<std::string, std::string> inbox_;        // topic -> last payload
  std::map<std::string, std::string> stats_inbox_;  // application -> last stats of its replica here
};

}  // namespace edgeml::cluster
