#include "mqtt/connection.h"

#include <unistd.h>

#include <fmt/format.h>

namespace edgeml::mq {

std::string ConnectionOptions::uri() const {
  bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}://{}{}{}:{}", tls() ? "ssl" : "tcp", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

std::string default_client_id(const std::string& role) {
  char host[64] = {};
  gethostname(host, sizeof host - 1);
  // MQTT 3.1.1 brokers must accept ids of up to 23 bytes; Mosquitto takes longer ones.
  return fmt::format("edgeml-{}-{}", role, host);
}

}  // namespace edgeml::mq
