// A receive-only MQTT connection for a high-rate stream that a process only
// reads (the sensor stream an edge server scores its predictions against).
//
// It runs on libmosquitto's client, not Paho's: one network thread of its own
// that reads the messages and calls the handler with views of each, without
// the per-message objects, locks and thread hand-offs of the Paho client
// beside it. On a busy stream the thread wakes at most once per `gather` and
// reads every message that came meanwhile, so a message may wait that long
// before it is handled. Messages are taken at QoS 0 on a clean session, so
// nothing is queued for the subscriber while it is away. It reconnects by
// itself and subscribes again after every reconnect.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "mqtt/connection.h"

namespace edgeml::mq {

class StreamSubscriber {
 public:
  // Runs on the subscriber's network thread; the views live for the call only.
  using Handler = std::function<void(std::string_view topic, std::string_view payload)>;

  // Connects (TLS and credentials as `connection` says), subscribes to
  // `filter` and returns once the broker has answered the subscription (a
  // refusal is logged). Throws Error when it had no answer within `timeout`.
  StreamSubscriber(const ConnectionOptions& connection, std::string filter, Handler handler,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30),
                   std::chrono::microseconds gather = std::chrono::milliseconds(5));
  ~StreamSubscriber();  // disconnects and joins the network thread
  StreamSubscriber(const StreamSubscriber&) = delete;
  StreamSubscriber& operator=(const StreamSubscriber&) = delete;

  bool connected() const;

 private:
  struct Session;  // libmosquitto's handle and what its callbacks share
  std::unique_ptr<Session> session_;
};

}  // namespace edgeml::mq
