// Against a real mosquitto on an ephemeral loopback port: what Client does
// with its connection and session (receiving, Nagle, sessions that outlive the
// client or the broker, re-subscribing).
#include "mqtt/client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "mqtt/broker.h"
#include "broker_clients.h"
#include "support/tcp_proxy.h"
#include "support/test_support.h"

namespace edgeml::mq {
namespace {

using namespace test_clients;

TEST(MqttClient, ClientReceivesItsOwnMessage) {
  TempDir dir;
  auto broker = test::start_broker(dir.path());
  ASSERT_TRUE(broker->running());
  EXPECT_NE(broker->port(), 0);

  Inbox inbox;
  auto client = connect_client(test::client_options(*broker, "self"), &inbox, "echo/#");
  EXPECT_TRUE(client->connected());
  publish_and_wait(*client, "echo/1", "hello");
  EXPECT_TRUE(wait_until([&] { return inbox.has("echo/1", "hello"); }, kWait));
}

// TCP_NODELAY of each of this process's TCP sockets to `port`.
std::vector<bool> nodelay_of_sockets_to(int port) {
  std::vector<bool> flags;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    int fd = std::stoi(entry.path().filename().string());
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    int type = 0, on = 0;
    socklen_t type_len = sizeof type, on_len = sizeof on;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 || type != SOCK_STREAM) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0 || peer.ss_family != AF_INET) continue;
    if (ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port) != port) continue;
    getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &on_len);
    flags.push_back(on != 0);
  }
  return flags;
}

// Paho sets no socket options; Client turns Nagle off itself unless told not to.
TEST(MqttClient, ClientTurnsNagleOffOnItsConnection) {
  TempDir dir;
  auto broker = test::start_broker(dir.path());
  for (bool wanted : {true, false}) {
    SCOPED_TRACE(wanted);
    ClientOptions options = test::client_options(*broker, wanted ? "nodelay" : "nagle");
    options.tcp_nodelay = wanted;
    Inbox inbox;
    auto client = connect_client(options, &inbox, "echo/#");
    publish_and_wait(*client, "echo/nodelay", "x");
    // Received: the subscription was made, so the connected handler has run.
    ASSERT_TRUE(wait_until([&] { return inbox.has_topic("echo/nodelay"); }, kWait));
    EXPECT_EQ(nodelay_of_sockets_to(broker->port()), std::vector<bool>{wanted});
  }
}

class ClientSession : public MqttProtocol {};

TEST_P(ClientSession, PersistentSessionQueuesWhileAway) {
  TempDir dir;
  auto broker = test::start_broker(dir.path());
  ClientOptions subscriber = options(*broker, "away-subscriber");
  subscriber.clean_session = false;
  {
    Inbox ignored;
    connect_client(subscriber, &ignored, "away/#", 1);
  }
  {
    auto publisher = connect_client(options(*broker, "away-publisher"));
    publish_and_wait(*publisher, "away/1", "queued");
  }
  // No add_subscription this time: only the broker's session can deliver.
  Inbox inbox;
  Client back(subscriber);
  back.set_message_handler(inbox.handler());
  back.connect();
  EXPECT_TRUE(wait_until([&] { return inbox.has("away/1", "queued"); }, kWait));
}

INSTANTIATE_TEST_SUITE_P(Version, ClientSession, protocol_versions(), protocol_name);

TEST(MqttClient, PersistentSessionSurvivesARestart) {
  TempDir dir;
  auto broker = test::start_broker(dir.path());
  const int port = broker->port();

  ClientOptions options = test::client_options(*broker, "restart-subscriber");
  options.clean_session = false;
  Inbox inbox;
  auto subscriber = connect_client(options, &inbox, "restart/#", 1);
  auto publisher = connect_client(test::client_options(*broker, "restart-publisher"));
  // Proves the subscription is in place before the broker goes away.
  ASSERT_TRUE(wait_until(
      [&] {
        publish_and_wait(*publisher, "restart/before", "1");
        return wait_until([&] { return inbox.has_topic("restart/before"); }, 100ms);
      },
      kWait));

  broker->stop();
  EXPECT_TRUE(wait_until([&] { return !subscriber->connected(); }, kWait));
  broker->start();
  EXPECT_EQ(broker->port(), port);

  // Published while the subscriber may still be away: the restored session queues it.
  publish_and_wait(*publisher, "restart/after", "2");
  EXPECT_TRUE(wait_until([&] { return subscriber->connected(); }, kWait));
  EXPECT_TRUE(wait_until([&] { return inbox.has("restart/after", "2"); }, kWait));
}

TEST(MqttClient, ClientResubscribesWhenTheBrokerForgotItsSession) {
  TempDir dir;
  BrokerConfig config;
  config.persistence = false;
  auto broker = test::start_broker(dir.path(), config);

  ClientOptions options = test::client_options(*broker, "forgetful");
  options.clean_session = false;
  Inbox inbox;
  auto client = connect_client(options, &inbox, "forgot/#", 1);

  broker->stop();
  ASSERT_TRUE(wait_until([&] { return !client->connected(); }, kWait));
  broker->start();
  ASSERT_TRUE(wait_until([&] { return client->connected(); }, kWait));
  // Without persistence the new broker knows no subscription: the client's own
  // messages come back only once it has re-subscribed. That happens
  // asynchronously after the reconnect, so keep publishing until one arrives.
  int sent = 0;
  EXPECT_TRUE(wait_until(
      [&] {
        publish_and_wait(*client, "forgot/x", std::to_string(++sent));
        return wait_until([&] { return inbox.has_topic("forgot/x"); }, 100ms);
      },
      kWait));
}

// A broker that drops the client right after each reconnect (as it does one
// resending a corrupted publish): the client starts over under the same
// client id, keeps its session, and other threads publishing meanwhile see
// at worst an Error.
TEST(MqttClient, AClientTheBrokerKeepsDroppingStartsOverAndKeepsItsSession) {
  TempDir dir;
  auto broker = test::start_broker(dir.path());
  test::TcpProxy proxy("127.0.0.1", broker->port());
  ClientOptions options = test::client_options(*broker, "dropped");
  options.connection.port = proxy.port();
  options.clean_session = false;
  Inbox inbox;
  auto client = connect_client(options, &inbox, "dropped/#", 1);
  EXPECT_FALSE(client->recover_if_stuck());  // not stuck: nothing to do

  std::atomic<bool> stop{false};
  std::atomic<int> published{0};
  std::thread publishing([&] {
    while (!stop) {
      try {
        client->publish("dropped/busy", "x", 1);
        ++published;
      } catch (const Error&) {
      }
      std::this_thread::sleep_for(1ms);
    }
  });
  // Paho completes a connect at its next 1 s cycle: the cuts come later, and
  // a third leaves room for one slow connect.
  proxy.cut_next(3, 2500ms);
  proxy.cut_open_connections();
  bool started_over = wait_until([&] { return client->recover_if_stuck(); }, 30s);
  stop = true;
  publishing.join();
  ASSERT_TRUE(started_over);
  EXPECT_GE(proxy.accepted(), 3);
  EXPECT_GT(published.load(), 0);
  // The fresh client subscribed again: what is published now reaches it.
  auto other = connect_client(test::client_options(*broker, "other"));
  publish_and_wait(*other, "dropped/after", "1");
  EXPECT_TRUE(wait_until([&] { return inbox.has("dropped/after", "1"); }, kWait));
}

}  // namespace
}  // namespace edgeml::mq
