#include "support/nats_cluster.h"

#include <algorithm>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "core/error.h"
#include "mqtt/client.h"
#include "mqtt/net.h"
#include "support/test_support.h"

namespace edgeml::test {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLoopback = "127.0.0.1";

std::string routes(const std::vector<int>& ports) {
  std::string list;
  for (int port : ports) list += fmt::format("{}\"nats-route://{}:{}\"", list.empty() ? "" : ", ", kLoopback, port);
  return list;
}

}  // namespace

std::string NatsCluster::program() { return find_program("nats-server"); }

NatsCluster::NatsCluster(fs::path dir, int nodes, std::chrono::milliseconds timeout) : dir_(std::move(dir)) {
  if (program().empty()) throw Error("nats-server is not installed (Debian package nats-server)");
  fs::create_directories(dir_);
  // Every port is chosen before any node starts: each node's routes name all.
  for (int i = 0; i < nodes; ++i) {
    Node n;
    n.name = fmt::format("cloud-{}", i + 1);
    n.client_port = mq::pick_free_port(kLoopback);
    n.route_port = mq::pick_free_port(kLoopback);
    n.mqtt_port = mq::pick_free_port(kLoopback);
    nodes_.push_back(std::move(n));
  }
  for (int i = 0; i < nodes; ++i) {
    write_config(i);
    launch(i);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int i = 0; i < nodes; ++i) wait_ready(i, deadline);
}

NatsCluster::~NatsCluster() {
  for (int i = 0; i < size(); ++i) stop_node(i);
}

std::string NatsCluster::url(int node) const { return fmt::format("mqtt://{}:{}", kLoopback, mqtt_port(node)); }

mq::ClientOptions NatsCluster::client_options(int node, const std::string& client_id) const {
  mq::ClientOptions o;
  o.connection.host = kLoopback;
  o.connection.port = mqtt_port(node);
  o.connection.client_id = client_id;
  o.connect_timeout = std::chrono::seconds(10);
  o.mqtt_version = 4;  // NATS speaks MQTT 3.1.1 only
  return o;
}

fs::path NatsCluster::log_file(int node) const { return dir_ / (nodes_.at(node).name + ".log"); }

void NatsCluster::write_config(int node) const {
  const Node& n = nodes_.at(node);
  std::vector<int> route_ports;
  for (const Node& other : nodes_) route_ports.push_back(other.route_port);
  std::ofstream out(dir_ / (n.name + ".conf"));
  out << fmt::format("server_name: {}\nlisten: {}:{}\n", n.name, kLoopback, n.client_port)
      // MQTT keeps its sessions, retained messages and QoS 1 queues in JetStream.
      << fmt::format("jetstream {{ store_dir: \"{}\" }}\n", (dir_ / n.name).string())
      << fmt::format("cluster {{\n  name: edgeml-cloud\n  listen: {}:{}\n  routes: [{}]\n}}\n", kLoopback,
                     n.route_port, routes(route_ports))
      << fmt::format("mqtt {{ listen: {}:{} }}\n", kLoopback, n.mqtt_port);
  if (!out) throw Error(fmt::format("cannot write the configuration of NATS node {} in {}", n.name, dir_.string()));
}

void NatsCluster::launch(int node) {
  Node& n = nodes_.at(node);
  std::error_code ec;
  n.log_start = fs::exists(log_file(node), ec) ? fs::file_size(log_file(node), ec) : 0;
  n.process = std::make_unique<Process>(
      std::vector<std::string>{program(), "-c", (dir_ / (n.name + ".conf")).string()}, log_file(node).string());
}

// Whether the node has logged, since it started, that the cluster's
// JetStream has a leader ("Self is new ..." or "... new metadata leader: ...").
bool NatsCluster::knows_leader(int node) const {
  return read_file(log_file(node)).find("metadata leader", nodes_.at(node).log_start) != std::string::npos;
}

// A session needs JetStream: a node takes one only once the cluster has
// elected its leaders, which with two nodes needs both. A connection made
// before that waits 4 s for JetStream and is refused.
void NatsCluster::wait_ready(int node, std::chrono::steady_clock::time_point deadline) {
  const Node& n = nodes_.at(node);
  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  };
  std::string why = "no JetStream leader was elected";
  if (wait_until([&] { return knows_leader(node); }, left())) {
    mq::ClientOptions probe = client_options(node, "edgeml-test-probe-" + n.name);
    probe.connect_timeout = std::max(left(), std::chrono::milliseconds(1));
    try {
      mq::Client client(probe);
      client.connect();
      client.disconnect();
      return;
    } catch (const Error& e) {
      why = e.what();
    }
  }
  throw Error(fmt::format("NATS node {} (MQTT port {}) is not ready: {}; its log ({}) ends with:{}", n.name,
                          n.mqtt_port, why, log_file(node).string(), log_tail(node)));
}

void NatsCluster::stop_node(int node) {
  Node& n = nodes_.at(node);
  if (!n.process) return;
  n.process->stop(SIGTERM, std::chrono::seconds(5));
  n.process.reset();
}

void NatsCluster::start_node(int node, std::chrono::milliseconds timeout) {
  if (nodes_.at(node).process) return;
  launch(node);
  wait_ready(node, std::chrono::steady_clock::now() + timeout);
}

std::string NatsCluster::log_tail(int node) const {
  std::istringstream in(read_file(log_file(node)));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string tail;
  for (std::size_t i = lines.size() > 5 ? lines.size() - 5 : 0; i < lines.size(); ++i) tail += "\n  " + lines[i];
  return tail;
}

}  // namespace edgeml::test
