// A station's broker bridged to a cloud broker: Mosquitto's own bridge
// (store-and-forward over one persistent QoS 1 session), configured from the
// wire protocol's bridged topics (protocol/bridged_topics.h).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace edgeml::mq {

struct BridgeConfig {
  std::string station;            // its topics' prefix on the cloud broker
  std::vector<std::string> urls;  // mqtt://HOST[:PORT] or mqtts://; several: nodes of one cloud broker
  std::string username;           // on the cloud broker; empty: none
  std::string password;
  std::filesystem::path ca_file;  // mqtts: the CA of the cloud broker; empty: the system's CAs
  std::filesystem::path cert_file;  // with key_file: a client certificate
  std::filesystem::path key_file;
  std::vector<std::string> extra_out;  // more filters up (under the station prefix), QoS 1
  std::vector<std::string> extra_in;   // more filters down (as they are), QoS 1
  int mqtt_version = 4;     // 4: MQTT 3.1.1, which every cloud broker speaks; 5
  bool mosquitto_peer = true;  // the cloud broker is Mosquitto: tell it we are a bridge
};

struct BridgeAddress {
  std::string host;
  int port = 1883;
  bool tls = false;
};

// Throws Error naming the URL when it is not mqtt[s]://HOST[:PORT].
BridgeAddress parse_bridge_url(const std::string& url);

// Throws Error on a bad station name, URL, filter or file, half a client
// certificate, a password without a user, or TLS mixed with plain addresses.
void validate(const BridgeConfig& bridge);

// The `connection` section of mosquitto.conf. It holds the password: the
// file must be private.
std::string render_bridge_conf(const BridgeConfig& bridge);

// The filters a station takes down its bridge, as they are on the station:
// the `in` entries of protocol/bridged_topics.h, each once.
std::vector<std::string> bridged_down_filters();

}  // namespace edgeml::mq
