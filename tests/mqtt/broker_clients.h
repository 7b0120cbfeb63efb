// Clients for tests against a real mosquitto: connected in one call,
// receiving into an Inbox, publishing and waiting for the broker to have it.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "mqtt/broker.h"
#include "mqtt/client.h"
#include "support/test_support.h"

namespace edgeml::mq::test_clients {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::TempDir;
using test::wait_until;

// Every wait on the broker or the network is bounded by this.
inline constexpr auto kWait = 20s;

// Messages received by a client; filled on Paho's thread, read by the test.
class Inbox {
 public:
  Client::MessageHandler handler() {
    return [this](std::string_view topic, std::string_view payload) {
      std::lock_guard lock(mutex_);
      messages_.emplace_back(topic, payload);
    };
  }
  bool has(const std::string& topic, const std::string& payload) const {
    std::lock_guard lock(mutex_);
    for (const auto& m : messages_)
      if (m.first == topic && m.second == payload) return true;
    return false;
  }
  bool has_topic(const std::string& topic) const {
    std::lock_guard lock(mutex_);
    for (const auto& m : messages_)
      if (m.first == topic) return true;
    return false;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> messages_;
};

// A connected client, optionally receiving into `inbox` from `filter`.
inline std::unique_ptr<Client> connect_client(ClientOptions options, Inbox* inbox = nullptr, const std::string& filter = {},
                                       int qos = 1) {
  auto client = std::make_unique<Client>(std::move(options));
  if (inbox) {
    client->set_message_handler(inbox->handler());
    client->add_subscription(filter, qos);
  }
  client->connect();
  return client;
}

inline ClientOptions as_user(ClientOptions o, const std::string& name, const std::string& password) {
  o.connection.username = name;
  o.connection.password = password;
  return o;
}

inline void publish_and_wait(Client& client, const std::string& topic, const std::string& payload, int qos = 1) {
  auto token = client.publish(topic, payload, qos);
  ASSERT_TRUE(token->wait_for(kWait)) << "publish to " << topic << " was not acknowledged";
}

// MQTT 3.1.1 and 5 differ in how a refused CONNECT is reported and in how a
// session outlives its connection; Client must hide both differences. A test
// file derives its own suite and instantiates it with protocol_versions().
class MqttProtocol : public ::testing::TestWithParam<int> {
 protected:
  ClientOptions options(const Broker& broker, const std::string& id) const {
    ClientOptions o = test::client_options(broker, id);
    o.mqtt_version = GetParam();
    return o;
  }
};

inline std::string protocol_name(const ::testing::TestParamInfo<int>& info) {
  return info.param == 5 ? "Mqtt5" : "Mqtt311";
}

inline auto protocol_versions() { return ::testing::Values(4, 5); }

}  // namespace edgeml::mq::test_clients
