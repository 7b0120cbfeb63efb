// What a managed Mosquitto broker should be, and the mosquitto.conf for it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mqtt/broker_acl.h"
#include "mqtt/broker_bridge.h"

namespace edgeml::mq {

struct BrokerUser {
  std::string name;
  std::string password;
};

struct BrokerConfig {
  std::string address = "127.0.0.1";
  int port = 1883;  // 0: a free port chosen at start
  std::filesystem::path data_dir;  // config, passwords, persistence; empty: a temporary one
  std::vector<BrokerUser> users;   // any user turns anonymous access off
  // Users need an ACL: a file of one's own, or roles it is generated from.
  std::filesystem::path acl_file;
  std::vector<BrokerRole> roles;
  std::filesystem::path cert_file;  // with key_file: a TLS listener on tls_port
  std::filesystem::path key_file;
  int tls_port = 8883;  // 0: a free port chosen at start
  bool allow_anonymous = false;  // needed to listen off loopback without users
  bool persistence = true;
  // Saves the store after this many changes (retained messages, subscriptions,
  // queued messages) instead of once a minute, so that a deployment package
  // or a session made before a power cut survives it. Each save rewrites the
  // whole store: every 1000 changes costs about 7% of the event rate on this
  // project's machines, every 100 about 24%. Events do not depend on it: they
  // are kept by their publisher until stored (ingest/receipt.h).
  int autosave_changes = 1000;
  // Per-client QoS>0 queue above what is in flight. Mosquitto's default (1000)
  // drops messages for a collector that is away for a few seconds of a fast replay.
  long max_queued_messages = 1'000'000;
  // ... and the bytes such a queue may hold, so that a client that never comes
  // back cannot fill the broker's memory.
  long long max_queued_bytes = 512LL << 20;
  // QoS>0 messages sent to one client and not yet acknowledged. A collector
  // on the stream reader acknowledges a batch once it is committed, so this
  // is the most a commit can hold; Mosquitto's default of 20 would make each
  // commit one of 20 events. MQTT 5 clients may ask for fewer.
  int max_inflight_messages = 1000;
  // A persistent session whose client has not come back within this is
  // dropped with its queue ("30d"; a number and h, d, w, m or y; "never"):
  // else a client id used once keeps up to max_queued_bytes for good, and
  // every save rewrites it. Events of a dropped collector session are not
  // lost: their publishers keep them until a store receipt.
  std::string session_expiry = "30d";
  // Packets larger than this are refused by the broker (a client sending one is
  // disconnected): above the largest deployment package edgeml serve takes.
  long max_packet_bytes = (16L << 20) + (64L << 10);
  std::string log_types = "error warning notice";
  // A station's link to the cloud broker (broker_bridge.h).
  std::optional<BridgeConfig> bridge;
};

// The plain listener's address: `address`, but loopback when there is a TLS
// listener, so that the network sees TLS only while local tools need no CA.
std::string plain_listener_address(const BrokerConfig& config);

// Throws Error when the configuration would be unsafe or cannot work:
// a non-loopback listener without users (unless allow_anonymous), users
// without an ACL, roles of unknown users, half a TLS pair, missing files, bad names.
void validate(const BrokerConfig& config);

// mosquitto.conf text; `password_file` is used when there are users. With
// roles, the generated ACL is expected in data_dir/acl.
std::string render_mosquitto_conf(const BrokerConfig& config, const std::filesystem::path& password_file);

}  // namespace edgeml::mq
