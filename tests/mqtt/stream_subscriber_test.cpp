// The receive-only connection of a high-rate stream, against a real
// mosquitto: every message at QoS 0 in order, the subscription answered
// before the constructor returns, a busy stream read in gathered batches, a
// stop that does not wait for the gathering, a broker restart survived, and
// a broker that is not there reported within the timeout.
#include <atomic>
#include <fstream>
#include <memory>
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
  std::vector<std::chrono::steady_clock::time_point> times;  // when each was handled
  void add(std::string_view topic, std::string_view payload) {
    std::lock_guard lock(mutex);
    messages.push_back(std::string(topic) + " " + std::string(payload));
    times.push_back(std::chrono::steady_clock::now());
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

// Messages 10 ms apart, with a gather of 300 ms: read in a few batches, not
// one wake-up each.
TEST(StreamSubscriber, ReadsABusyStreamInBatchesAtMostOncePerGather) {
  test::TempDir dir;
  auto broker = test::start_broker(dir.path());
  Received received;
  StreamSubscriber subscriber(
      test::client_options(*broker, "stream").connection, "alarm/#",
      [&](std::string_view t, std::string_view p) { received.add(t, p); }, kWait, 300ms);
  Client sender(test::client_options(*broker, "sender"));
  sender.connect();
  constexpr int kMessages = 50;
  for (int i = 0; i < kMessages; ++i) {
    sender.publish("alarm/s/d/a", std::to_string(i), 0);
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(test::wait_until([&] { return received.size() >= kMessages; }, kWait));
  std::lock_guard lock(received.mutex);
  // One wake-up reads its batch within a few milliseconds; read as they
  // came, the messages would be handled 10 ms apart, in 50 batches.
  int batches = 1;
  for (std::size_t i = 1; i < received.times.size(); ++i) batches += received.times[i] - received.times[i - 1] > 5ms;
  EXPECT_LE(batches, 8) << "over about 500 ms of messages";
  for (int i = 0; i < kMessages; ++i) EXPECT_EQ(received.messages[i], "alarm/s/d/a " + std::to_string(i));
}

TEST(StreamSubscriber, StopsWithoutWaitingForTheGathering) {
  test::TempDir dir;
  auto broker = test::start_broker(dir.path());
  Received received;
  auto subscriber = std::make_unique<StreamSubscriber>(
      test::client_options(*broker, "stream").connection, "alarm/#",
      [&](std::string_view t, std::string_view p) { received.add(t, p); }, kWait, 60s);
  Client sender(test::client_options(*broker, "sender"));
  sender.connect();
  sender.publish("alarm/s/d/a", "1", 0);
  ASSERT_TRUE(test::wait_until([&] { return received.size() == 1; }, kWait));  // now gathering for a minute
  const auto started = std::chrono::steady_clock::now();
  subscriber.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
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

StreamOptions qos1_persistent(std::vector<std::string> filters) {
  StreamOptions o;
  o.filters = std::move(filters);
  o.qos = 1;
  o.persistent = true;
  o.gather = {};
  o.timeout = kWait;
  o.name = "alarm stream";
  return o;
}

// A broker, a cloud collector's connection to it, and a connected sender.
struct KeptSessionSetup {
  test::TempDir dir;
  std::unique_ptr<Broker> broker = test::start_broker(dir.path());
  ConnectionOptions connection = test::client_options(*broker, "cloud-collector").connection;
  Client sender{test::client_options(*broker, "sender")};
  KeptSessionSetup() { sender.connect(); }
};

// Far more than Mosquitto's 20 in flight: the stream keeps flowing only if
// every message is acknowledged. What arrives while the subscriber is away
// is kept for its session, and what it acknowledged is not sent again.
TEST(StreamSubscriber, AtQos1OnAKeptSessionAcknowledgesEachAndGetsWhatCameWhileAway) {
  KeptSessionSetup setup;
  const ConnectionOptions& connection = setup.connection;
  Client& sender = setup.sender;
  Received received;
  auto handler = [&](std::string_view t, std::string_view p) { received.add(t, p); };
  auto subscriber = std::make_unique<StreamSubscriber>(connection, qos1_persistent({"alarm/#", "other/+"}), handler);
  for (int i = 0; i < 500; ++i) sender.publish(i % 2 ? "alarm/s/d/a" : "other/x", std::to_string(i), 1);
  ASSERT_TRUE(test::wait_until([&] { return received.size() >= 500; }, kWait));
  subscriber.reset();
  for (int i = 500; i < 800; ++i) sender.publish("alarm/s/d/a", std::to_string(i), 1);
  ASSERT_TRUE(test::wait_until([&] { return sender.pending() == 0; }, kWait));
  subscriber = std::make_unique<StreamSubscriber>(connection, qos1_persistent({"alarm/#", "other/+"}), handler);
  ASSERT_TRUE(test::wait_until([&] { return received.size() >= 800; }, kWait));
  std::this_thread::sleep_for(300ms);
  std::lock_guard lock(received.mutex);
  ASSERT_EQ(received.messages.size(), 800u);
  for (int i = 0; i < 800; ++i)
    EXPECT_EQ(received.messages[i], std::string(i % 2 || i >= 500 ? "alarm/s/d/a " : "other/x ") + std::to_string(i));
}

// Told when its owner is done (a collector: committed): what the owner did
// not finish before the subscriber went is sent again to its session.
TEST(StreamSubscriber, AcknowledgesOnlyWhatItsOwnerIsDoneWithAndTheRestComesAgain) {
  KeptSessionSetup setup;
  const ConnectionOptions& connection = setup.connection;
  Client& sender = setup.sender;
  Received received;
  std::mutex mutex;
  std::vector<std::uint64_t> deliveries;
  StreamOptions told = qos1_persistent({"alarm/#"});
  told.acknowledge_when_told = true;
  auto subscriber = std::make_unique<StreamSubscriber>(
      connection, told, [&](std::string_view t, std::string_view p, std::uint64_t delivery) {
        received.add(t, p);
        std::lock_guard lock(mutex);
        deliveries.push_back(delivery);
      });
  for (int i = 0; i < 50; ++i) sender.publish("alarm/s/d/a", std::to_string(i), 1);
  ASSERT_TRUE(test::wait_until([&] { return received.size() >= 50; }, kWait));
  {
    std::lock_guard lock(mutex);
    for (std::size_t i = 0; i < deliveries.size(); ++i) EXPECT_EQ(deliveries[i], i + 1);
  }
  subscriber->acknowledge_through(30);  // messages 0-29
  subscriber.reset();

  Received again;
  StreamSubscriber plain(connection, qos1_persistent({"alarm/#"}),
                         [&](std::string_view t, std::string_view p) { again.add(t, p); });
  ASSERT_TRUE(test::wait_until([&] { return again.size() >= 20; }, kWait));
  std::this_thread::sleep_for(300ms);
  std::lock_guard lock(again.mutex);
  ASSERT_EQ(again.messages.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(again.messages[i], "alarm/s/d/a " + std::to_string(30 + i));
}

TEST(StreamSubscriber, AKeptSessionNeedsAClientId) {
  ConnectionOptions no_id;
  no_id.port = 1;
  EXPECT_THROW(StreamSubscriber(no_id, qos1_persistent({"alarm/#"}), [](std::string_view, std::string_view) {}), Error);
}

// As a user the broker knows: a wrong password is a refused connection,
// reported at the constructor's timeout; a filter the ACL does not allow is
// answered all the same (Mosquitto filters what it delivers), so the
// constructor returns; an allowed one is read.
TEST(StreamSubscriber, LogsInAndKeepsToWhatTheAclAllows) {
  test::TempDir dir;
  std::ofstream(dir.path() / "acl") << "user alice\ntopic read alarm/#\n\nuser bob\ntopic write alarm/#\n";
  BrokerConfig config;
  config.users = {{"alice", "alice-pw"}, {"bob", "bob-pw"}};
  config.acl_file = dir.path() / "acl";
  auto broker = test::start_broker(dir.path() / "broker", config);
  ConnectionOptions alice = test::client_options(*broker, "stream").connection;
  alice.username = "alice";
  alice.password = "alice-pw";

  ConnectionOptions wrong = alice;
  wrong.password = "guess";
  EXPECT_THROW(StreamSubscriber(wrong, "alarm/#", [](std::string_view, std::string_view) {}, 1s), Error);

  // Each its own client id: a second connection with the same one would take the first's place.
  ConnectionOptions alice_denied = alice;
  alice_denied.client_id = "stream-denied";
  StreamSubscriber denied(alice_denied, "secret/#", [](std::string_view, std::string_view) {}, kWait);
  Received received;
  StreamSubscriber allowed(alice, "alarm/#", [&](std::string_view t, std::string_view p) { received.add(t, p); }, kWait);
  ClientOptions bob = test::client_options(*broker, "sender");
  bob.connection.username = "bob";
  bob.connection.password = "bob-pw";
  Client sender(bob);
  sender.connect();
  sender.publish("alarm/s/d/a", "1", 1)->wait_for(kWait);
  ASSERT_TRUE(test::wait_until([&] { return received.size() == 1; }, kWait));
  EXPECT_EQ(received.messages[0], "alarm/s/d/a 1");
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
