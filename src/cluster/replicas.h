// The replicas one node runs: each an `edgeml serve` child process of its
// own, serving one application from its own models directory through the
// application's shared subscription, and installing the application's models
// through the verified deployment path (serve/deployment.h). A process per
// replica keeps one application's crash or overload from taking the others
// down, and reuses the server whole.
//
// Children get SIGTERM when the thread that started them ends (core/process.h),
// so a node killed outright takes its replicas with it; call everything from
// the one thread that lives as long as the node.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/process.h"
#include "protocol/cluster_applications.h"
#include "protocol/cluster_state.h"

namespace edgeml::cluster {

// One application's replica as this node is to run it.
struct ReplicaPlan {
  ApplicationSpec application;
  std::vector<std::string> leave_to_others;  // nested request filters (protocol/cluster_applications.h)
};

class Replicas {
 public:
  using Clock = std::chrono::steady_clock;

  // `serve_command` is the node's own `edgeml serve ...` command line; a
  // replica runs it with --replica-of APP --replica-requests FILTER (and a
  // --replica-excludes FILTER for each filter it leaves to others) added.
  explicit Replicas(std::vector<std::string> serve_command);
  ~Replicas();  // stops every replica
  Replicas(const Replicas&) = delete;
  Replicas& operator=(const Replicas&) = delete;

  // Runs a replica of exactly these applications: starts those missing,
  // stops the others, restarts one whose request filters changed.
  void run(const std::vector<ReplicaPlan>& plans, Clock::time_point now);
  // Restarts replicas that exited (waiting 1 s, doubling to 30 s, between
  // tries) and finishes stopping those told to stop.
  void poll(Clock::time_point now);
  void stop_all(std::chrono::milliseconds grace);

  // A replica's stats message (serve/node_stats.h), from its node_stats_topic().
  void on_stats(const std::string& application, std::string_view payload);
  std::map<std::string, ReplicaLoad> loads() const;

 private:
  struct Replica {
    ApplicationSpec spec;
    std::vector<std::string> leave_to_others;
    std::unique_ptr<Process> process;
    ReplicaLoad load;
    int failures = 0;
    double last_cpu_s = -1, last_uptime_s = -1;  // from its last stats, for the CPU it used since
    Clock::time_point restart_at{};
  };
  void start(Replica& replica, Clock::time_point now);

  std::vector<std::string> serve_command_;
  std::map<std::string, Replica> replicas_;
  struct Stopping {
    std::unique_ptr<Process> process;
    Clock::time_point kill_at;
  };
  std::vector<Stopping> stopping_;
};

}  // namespace edgeml::cluster
