// A Mosquitto broker that edgeml runs: the Debian `mosquitto` binary with a
// configuration we generate. Used by `edgeml broker`, the demo and the tests.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/process.h"
#include "mqtt/broker_config.h"

namespace edgeml::mq {

class Broker {
 public:
  // Validates the configuration and writes mosquitto.conf (and the password
  // file) into its data directory. Throws Error on a bad configuration.
  explicit Broker(BrokerConfig config);
  ~Broker();  // stops a running broker
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Starts mosquitto and waits until it accepts connections. Ports of 0 are
  // chosen now; they stay the same across stop()/start(). Throws Error with
  // mosquitto's own words when it does not come up.
  void start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGTERM (mosquitto saves its persistence), SIGKILL after `grace`.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  bool running();
  // Blocks until mosquitto exits; returns its exit status.
  int wait();
  // Forwards a signal (e.g. SIGTERM from our own handler).
  void signal(int signo);

  const BrokerConfig& config() const { return config_; }
  // A station broker with a bridge and users has a user of its own for its
  // retainer (retainer.h): a random password that only this process knows,
  // allowed the bridged-down topics and nothing else. Null otherwise.
  const BrokerUser* retainer_user() const { return retainer_user_ ? &*retainer_user_ : nullptr; }
  int port() const { return config_.port; }
  int tls_port() const { return config_.tls_port; }
  // Where the plain listener is (loopback when TLS is on), and the TLS one.
  std::string address() const { return plain_listener_address(config_); }
  const std::string& tls_address() const { return config_.address; }
  const std::filesystem::path& data_dir() const { return config_.data_dir; }
  std::filesystem::path log_file() const { return config_.data_dir / "mosquitto.log"; }

 private:
  void write_files();
  bool launch(std::chrono::milliseconds timeout);
  std::string log_tail() const;

  BrokerConfig config_;
  std::optional<BrokerUser> retainer_user_;
  bool owns_data_dir_ = false;
  std::unique_ptr<Process> process_;
};

}  // namespace edgeml::mq
