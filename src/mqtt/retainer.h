// A station's broker keeps what comes down its bridge retained, whatever the
// cloud broker (docs/cloud-brokers.md). An MQTT 3.1.1 cloud broker clears the
// retain flag of a message it delivers live to the bridge's subscription, so
// the station's Mosquitto would pass a deployment on without keeping it, and
// a node that starts later would never get it. The retainer, a client of the
// station's broker, puts the flag back: it subscribes to the bridged-down
// filters with MQTT 5's Retain As Published and publishes again, retained at
// QoS 1 with the same payload, every message that arrives without the flag.
//
// Promises:
// - a message arriving with the retain flag set (its own republish, one
//   retained by a local publisher, one the bridge received retained) is left
//   alone: nothing loops, nothing already retained is published twice;
// - an empty non-retained message (a removal) becomes an empty retained one,
//   which clears the retained message;
// - a message too large for the broker to take back is skipped with a
//   warning, never sent (the broker would drop the connection, again after
//   each reconnect);
// - only the given filters are subscribed: other topics are never touched.
// Its persistent session makes the broker queue what arrives while it is
// reconnecting, or before it connects again after a restart of the broker.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mqtt/client.h"

namespace edgeml::mq {

class Broker;

struct RetainerOptions {
  ClientOptions client;  // MQTT 5 is set by the retainer
  std::vector<std::string> filters;
  // The broker's largest packet (BrokerConfig::max_packet_bytes).
  long max_packet_bytes = 0;
};

class Retainer {
 public:
  // Throws Error when a filter is invalid or there is none.
  explicit Retainer(RetainerOptions options);
  Retainer(const Retainer&) = delete;
  Retainer& operator=(const Retainer&) = delete;

  // Connects and subscribes, waiting for the broker to grant each filter.
  // Throws Error naming the broker and what failed.
  void start();

  // Messages published again retained, and skipped as too large.
  std::uint64_t republished() const { return republished_; }
  std::uint64_t skipped() const { return skipped_; }
  bool connected() const { return client_.connected(); }

 private:
  void on_message(const Message& message);

  RetainerOptions options_;
  Client client_;
  std::atomic<std::uint64_t> republished_{0}, skipped_{0};
};

// The retainer `edgeml broker` runs beside a bridged broker, started and
// subscribed; null without a bridge. With users, it logs in as the broker's
// retainer_user().
std::unique_ptr<Retainer> start_station_retainer(const Broker& broker);

}  // namespace edgeml::mq
