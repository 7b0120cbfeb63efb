// Where and how a client reaches its broker: the options every client
// subcommand takes (--host --port --username --password-file --cafile --client-id).
#pragma once

#include <string>

namespace edgeml::mq {

struct ConnectionOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string username;
  std::string password;
  std::string cafile;     // set: TLS, verifying the broker against this CA
  std::string client_id;  // empty: a default chosen by the caller

  bool tls() const { return !cafile.empty(); }
  // "tcp://host:port" or "ssl://host:port"
  std::string uri() const;
};

// "<role>-<hostname>": stable across restarts, so a persistent session resumes.
std::string default_client_id(const std::string& role);

}  // namespace edgeml::mq
