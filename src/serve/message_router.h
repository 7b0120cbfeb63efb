// The one place that decides what a message an edge server receives is,
// from its topic, and hands it on as a typed job:
// - a request to the request queue; when that stays full, the request is
//   refused at once with an error reply;
// - a sensor event to the monitoring, on the receiving thread;
// - a deployment package to the model watcher's queue;
// - the sensor stream's end marker, and anything else, to no one.
// (The topics of each: protocol/topics.h.)
// It runs on the receiving connections' threads and returns after one copy
// at most; every wait is bounded.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/bounded_queue.h"
#include "mqtt/client.h"
#include "serve/jobs.h"
#include "serve/reply_publisher.h"
#include "serve/server_counts.h"

namespace edgeml::serve {

class SeriesHistories;

class Monitoring;

enum class MessageKind { request, sensor_event, deployment, control };
MessageKind classify_message(std::string_view topic);

class MessageRouter {
 public:
  struct Destinations {
    BoundedQueue<RequestJob>& requests;
    BoundedQueue<DeploymentJob>& deployments;
    Monitoring* monitoring;   // null: sensor events go to no one
    SeriesHistories* histories;  // null: no series' past is kept
    ReplyPublisher& replies;  // for requests refused when the queue stays full
  };
  MessageRouter(Destinations destinations, std::string node, std::size_t max_package_bytes, ServerCounters& counts,
                const std::atomic<bool>& stopping);

  void route(const mq::Message& message);
  // Requests on topics these filters match are another application's, whose
  // replicas the broker hands them to as well (a cluster's nested request
  // filters, docs/cluster.md): this server leaves them alone.
  void leave_to_others(std::vector<std::string> filters) { others_ = std::move(filters); }
  // ServerOptions::handoff_prefix: where requests go when the queue is full.
  void hand_off_to(std::string prefix, mq::Client& client) {
    handoff_prefix_ = std::move(prefix);
    client_ = &client;
  }

 private:
  void take_request(const mq::Message& m, bool handed_over);
  bool hand_off(const mq::Message& m);
  void refuse_overloaded(const mq::Message& m);
  void take_deployment(const mq::Message& m);

  Destinations to_;
  const std::string node_;
  const std::size_t max_package_bytes_;
  ServerCounters& counts_;
  const std::atomic<bool>& stopping_;
  std::vector<std::string> others_;
  std::string handoff_prefix_;
  mq::Client* client_ = nullptr;  // publishes hand-offs; set with the prefix
};

}  // namespace edgeml::serve
