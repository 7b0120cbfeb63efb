// A clustered cloud broker for tests: NATS servers (Debian's nats-server) with
// MQTT and JetStream on, routed to each other on loopback, in a temporary
// directory. docs/cloud-brokers.md says how it differs from Mosquitto.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/process.h"
#include "mqtt/client_options.h"

namespace edgeml::test {

class NatsCluster {
 public:
  // The nats-server program, or empty when it is not installed.
  static std::string program();

  // Writes each node's configuration under `dir` with free loopback ports
  // (kept across stop_node()/start_node()), starts every node and waits, at
  // most `timeout`, until each takes an MQTT session, which needs the
  // cluster formed and JetStream's leaders elected. Throws Error naming the
  // node and the end of its log.
  NatsCluster(std::filesystem::path dir, int nodes = 2,
              std::chrono::milliseconds timeout = std::chrono::seconds(20));
  ~NatsCluster();  // stops every node
  NatsCluster(const NatsCluster&) = delete;
  NatsCluster& operator=(const NatsCluster&) = delete;

  int size() const { return static_cast<int>(nodes_.size()); }
  int mqtt_port(int node) const { return nodes_.at(node).mqtt_port; }
  std::string url(int node) const;  // mqtt://127.0.0.1:PORT
  mq::ClientOptions client_options(int node, const std::string& client_id) const;

  // SIGTERM, SIGKILL after a few seconds. Its JetStream store is kept.
  void stop_node(int node);
  // Starts it again and waits as the constructor does.
  void start_node(int node, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  std::filesystem::path log_file(int node) const;

 private:
  struct Node {
    std::string name;
    int client_port = 0, route_port = 0, mqtt_port = 0;
    std::size_t log_start = 0;  // where this run's lines begin in its log
    std::unique_ptr<Process> process;
  };

  void write_config(int node) const;
  void launch(int node);
  bool knows_leader(int node) const;
  void wait_ready(int node, std::chrono::steady_clock::time_point deadline);
  std::string log_tail(int node) const;

  std::filesystem::path dir_;
  std::vector<Node> nodes_;
};

}  // namespace edgeml::test

// Skips a test when nats-server is not installed, except under CI=true where
// it fails (scripts/packages/test.txt installs it).
#define EDGEML_REQUIRE_NATS()                                                                      \
  do {                                                                                            \
    if (::edgeml::test::NatsCluster::program().empty()) {                                         \
      if (::edgeml::test::running_in_ci()) FAIL() << "nats-server is not installed";              \
      GTEST_SKIP() << "nats-server is not installed (Debian package nats-server)";                \
    }                                                                                             \
  } while (0)
