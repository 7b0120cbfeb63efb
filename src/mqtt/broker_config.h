// What a managed Mosquitto broker should be, and the mosquitto.conf for it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace edgeml::mqtt {

struct BrokerUser {
  std::string name;
  std::string password;
};

struct BrokerConfig {
  std::string address = "127.0.0.1";
  int port = 1883;  // 0: a free port chosen at start
  std::filesystem::path data_dir;  // config, passwords, persistence; empty: a temporary one
  std::vector<BrokerUser> users;   // any user turns anonymous access off
  std::filesystem::path acl_file;
  std::filesystem::path cert_file;  // with key_file: a TLS listener on tls_port
  std::filesystem::path key_file;
  int tls_port = 8883;  // 0: a free port chosen at start
  bool allow_anonymous = false;  // needed to listen off loopback without users
  bool persistence = true;
  // Per-client QoS>0 queue above what is in flight. Mosquitto's default (1000)
  // drops messages for a collector that is away for a few seconds of a fast replay.
  long max_queued_messages = 1'000'000;
  std::string log_types = "error warning notice";
};

// Parses "NAME:PASS". Throws Error when either part is missing.
BrokerUser parse_broker_user(const std::string& text);

// Throws Error when the configuration would be unsafe or cannot work:
// a non-loopback listener without users (unless allow_anonymous), half a TLS
// pair, missing files, bad names.
void validate(const BrokerConfig& config);

// mosquitto.conf text; `password_file` is used when there are users.
std::string render_mosquitto_conf(const BrokerConfig& config, const std::filesystem::path& password_file);

}  // namespace edgeml::mqtt
