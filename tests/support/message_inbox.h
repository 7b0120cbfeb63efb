// What a test's MQTT client received, filled on Paho's thread and read by the
// test with bounded waits.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mqtt/client.h"

namespace edgeml::test {

struct ReceivedMessage {
  std::string topic, payload, response_topic, correlation_data;
};

class MessageInbox {
 public:
  mq::Client::FullMessageHandler handler();
  std::vector<ReceivedMessage> messages() const;
  std::size_t size() const;
  // Waits until at least `count` messages arrived; false after `timeout`.
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout) const;
  // Waits for a message on `topic` with `payload`.
  bool wait_for(const std::string& topic, const std::string& payload, std::chrono::milliseconds timeout) const;
  void clear();

 private:
  mutable std::mutex mutex_;
  std::vector<ReceivedMessage> messages_;
};

// A connected client that puts what `filter` matches into `inbox`.
std::unique_ptr<mq::Client> receiving_client(mq::ClientOptions options, MessageInbox& inbox,
                                               const std::string& filter);

}  // namespace edgeml::test
