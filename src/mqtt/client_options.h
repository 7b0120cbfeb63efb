// How an mq::Client connects, keeps its session and holds what it publishes.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "mqtt/connection.h"

namespace edgeml::mq {

struct ClientOptions {
  ConnectionOptions connection;
  // false: the broker keeps our subscriptions and queues QoS>0 messages for us
  // while we are away, and in-flight publishes are resent after a reconnect.
  bool clean_session = true;
  // Directory for the outbox of messages in flight (SQLite, in a subdirectory
  // named after the client id); empty keeps them in memory only (lost if the
  // process dies). A client started again with the same id sends what is left.
  std::filesystem::path persist_dir;
  int max_buffered = 10000;  // publishes held while disconnected
  std::chrono::seconds keep_alive{20};
  // How long connect() keeps trying before it reports the broker unreachable.
  std::chrono::milliseconds connect_timeout{30000};
  int mqtt_version = 4;  // 4: MQTT 3.1.1, 5: MQTT 5
  // Sends each packet at once instead of waiting, with Nagle's algorithm, for
  // the broker to acknowledge the last: up to 40 ms per request/reply.
  bool tcp_nodelay = true;
  // Published by the broker for us when we vanish without disconnecting
  // (the Last Will); empty topic: none.
  struct Will {
    std::string topic, payload;
    int qos = 1;
    bool retained = true;
  } will;
};

}  // namespace edgeml::mq
