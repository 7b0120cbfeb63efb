// A receive-only MQTT connection for a high-rate stream that a process only
// reads (the sensor stream an edge server scores its predictions against).
//
// Paho's client (and libmosquitto's) reads each message with a call for its
// first byte, one per byte of its length and one for the rest, and hands it
// on through objects, locks and threads. This one reads whatever the socket
// holds into one fixed buffer and calls the handler with views of each
// message in it, on one network thread of its own. On a busy stream that
// thread wakes at most once per `gather`, so a message may wait that long
// before it is handled. It speaks MQTT 3.1.1 with the few packets a
// subscriber needs (stream_packets.h), over TCP or TLS (stream_socket.h). By
// default messages are taken at QoS 0 on a clean session, so nothing is
// queued for it while it is away. At QoS 1 on a persistent session (a cloud
// collector's stream) the broker keeps what arrives while it is away, and
// each message is acknowledged once the handler has returned, or, when its
// owner asks for that, once the owner says it is done with it (a collector:
// committed); the acknowledgements of one read go in one write. It pings while the stream is
// quiet, reconnects by itself and subscribes again after every reconnect. A
// message over 64 KiB is dropped unread (and acknowledged).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/connection.h"

namespace edgeml::mq {

struct StreamOptions {
  std::vector<std::string> filters;  // subscribed in one SUBSCRIBE
  int qos = 0;                       // 0 or 1
  bool persistent = false;           // keep the session: needs a client id
  // How long the constructor waits for the broker's answer to the subscription.
  std::chrono::milliseconds timeout{30000};
  // 20 ms delays no figure a person reads, and lets a stream of thousands of
  // events a second share a wake-up and a read per ~100 events. At QoS 1 the
  // broker sends only so many messages before their acknowledgements
  // (Mosquitto: 20), so there it holds the stream back: use 0.
  std::chrono::microseconds gather{20000};
  std::string name = "sensor stream";  // its log lines' and its thread's name (15 bytes at most)
  // At QoS 1: a message is acknowledged only once acknowledge_through() has
  // been called with its delivery number or a later one. Until then the
  // broker counts it in flight, and sends it again after a reconnect. The
  // broker's in-flight limit (Mosquitto's max_inflight_messages) then bounds
  // what the owner can hold: edgeml broker allows 1000.
  bool acknowledge_when_told = false;
};

class StreamSubscriber {
 public:
  // Runs on the subscriber's network thread; the views live for the call only.
  using Handler = std::function<void(std::string_view topic, std::string_view payload)>;
  // The same with the message's delivery number: 1, 2, ... in the order
  // messages are handed on, never reused, across reconnects too.
  using DeliveryHandler =
      std::function<void(std::string_view topic, std::string_view payload, std::uint64_t delivery)>;

  // Connects (TLS and credentials as `connection` says), subscribes to the
  // filters and returns once the broker has answered the subscription (a
  // refusal is logged). Throws Error when it had no answer within the
  // timeout, or when a persistent session has no client id.
  StreamSubscriber(const ConnectionOptions& connection, StreamOptions options, DeliveryHandler handler);
  StreamSubscriber(const ConnectionOptions& connection, StreamOptions options, Handler handler);
  // One filter at QoS 0 on a clean session.
  StreamSubscriber(const ConnectionOptions& connection, std::string filter, Handler handler,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30),
                   std::chrono::microseconds gather = std::chrono::milliseconds(20));
  ~StreamSubscriber();  // disconnects and joins the network thread
  StreamSubscriber(const StreamSubscriber&) = delete;
  StreamSubscriber& operator=(const StreamSubscriber&) = delete;

  bool connected() const;
  // With acknowledge_when_told: every QoS 1 message handed on with a
  // delivery number up to `delivery` may be acknowledged now. Any thread;
  // it only wakes the network thread. Messages handed on before a reconnect
  // are not acknowledged: the broker sends them again.
  void acknowledge_through(std::uint64_t delivery);

 private:
  struct Session;  // the network thread and what it shares
  std::unique_ptr<Session> session_;
};

}  // namespace edgeml::mq
