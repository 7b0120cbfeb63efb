// The receive-only connection of a high-rate stream, against a real
// mosquitto: every message at QoS 0 in order, the subscription answered
// before the constructor returns, a broker restart survived, and a broker
// that is not there reported within the timeout.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"
#include "mqtt/broker.h"
#include "mqtt/client.h"
#include "mqtt/net.h"
#include "mqtt/stream_subscriber.h"
#include "support/test_support.h"

namespace edgeml::mq {
namespace {

using namespace std::chrono_literals;
constexpr auto kWait = 10s;

struct Received {
  std::mutex mutex;
  std::vector<std::string> messages;  // "topic payload"
  void add(std::string_view topic, std::string_view payload) {
    std::lock_guard lock(mutex);
    messages.push_back(std::string(topic) + " " + std::string(payload));
  }
  std::size_t size() {
    std::lock_guard lock(mutex);
    return messages.size();
  }
};

TEST(StreamSubscriber, ReceivesEveryMessageOfItsFilterInOrder) {
  test::TempDir dir;
  auto broker = test::start_broker(dir.path());
  Received received;
  StreamSubscriber subscriber(test::client_options(*broker, "stream").connection, "alarm/+/+/+",
                              [&](std::string_view t, std::string_view p) { received.add(t, p); });
  EXPECT_TRUE(subscriber.connected());
  Client sender(test::client_options(*broker, "sender"));
  sender.connect();
  for (int i = 0; i < 1000; ++i) sender.publish("alarm/s/d/a", std::to_string(i), 1);
  sender.publish("alarm/finish", "end", 1);  // not under the filter
  sender.publish("request/s/d/a", "1,2,3", 1);
  ASSERT_TRUE(test::wait_until([&] { return received.size() >= 1000; }, kWait));
  std::this_thread::sleep_for(100ms);
  std::lock_guard lock(received.mutex);
  ASSERT_EQ(received.messages.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(received.messages[i], "alarm/s/d/a " + std::to_string(i));
}

TEST(StreamSubscriber, SubscribesAgainAfterTheBrokerRestarts) {
  test::TempDir dir;
  auto broker = test::start_broker(dir.path());
  const int port = broker->port();
  Received received;
  StreamSubscriber subscriber(test::client_options(*broker, "stream").connection, "alarm/#",
                              [&](std::string_view t, std::string_view p) { received.add(t, p); });
  broker.reset();
  BrokerConfig config;
  config.address = "127.0.0.1";
  config.port = port;  // the same port, as a restarted broker would have
  config.data_dir = dir.path();
  broker = std::make_unique<Broker>(config);
  broker->start();
  Client sender(test::client_options(*broker, "sender"));
  sender.connect();
  // The subscriber reconnects within its backoff; until it has, messages go to no one.
  EXPECT_TRUE(test::wait_until(
      [&] {
        sender.publish("alarm/x", "again", 0);
        return received.size() > 0;
      },
      kWait));
}

TEST(StreamSubscriber, ABrokerThatIsNotThereIsReportedWithinTheTimeout) {
  ConnectionOptions nowhere;
  nowhere.port = pick_free_port("127.0.0.1");
  const auto started = std::chrono::steady_clock::now();
  const std::string error = test::error_of([&] {
    StreamSubscriber subscriber(nowhere, "alarm/#", [](std::string_view, std::string_view) {}, 500ms);
  });
  EXPECT_NE(error.find("no subscription to alarm/# on 127.0.0.1:"), std::string::npos) << error;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

}  // namespace
}  // namespace edgeml::mq
