// MQTT 5 request/response (Response Topic, Correlation Data) and the Last
// Will, through a real mosquitto on an ephemeral loopback port.
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"
#include "mqtt/broker.h"
#include "mqtt/client.h"
#include "support/message_inbox.h"
#include "support/tcp_proxy.h"
#include "support/test_support.h"

namespace edgeml::mq {
namespace {

using namespace std::chrono_literals;
using test::TempDir;
using test::wait_until;

constexpr std::chrono::milliseconds kWait = 20s;

using Inbox = test::MessageInbox;
using Received = test::ReceivedMessage;

ClientOptions v5(ClientOptions o) {
  o.mqtt_version = 5;
  return o;
}

std::unique_ptr<Client> receiving(ClientOptions o, Inbox& inbox, const std::string& filter) {
  return test::receiving_client(std::move(o), inbox, filter);
}

TEST(MqttRequestResponse, ResponseTopicAndCorrelationDataGoBothWays) {
  TempDir dir;
  auto broker = test::start_broker(dir.path());
  Inbox server_inbox, requester_inbox;
  auto server = receiving(v5(test::client_options(*broker, "server")), server_inbox, "ask/#");
  auto requester = receiving(v5(test::client_options(*broker, "requester")), requester_inbox, "answers/requester");
  std::this_thread::sleep_for(200ms);  // both subscriptions in place

  const std::string correlation("\x00\x01id-7\xff", 7);  // binary, with a zero byte
  ASSERT_TRUE(requester->publish_request("ask/time", "now?", 1, "answers/requester", correlation)->wait_for(kWait));
  ASSERT_TRUE(server_inbox.wait_for(1, kWait));
  Received asked = server_inbox.messages().front();
  EXPECT_EQ(asked.topic, "ask/time");
  EXPECT_EQ(asked.payload, "now?");
  EXPECT_EQ(asked.response_topic, "answers/requester");
  EXPECT_EQ(asked.correlation_data, correlation);

  ASSERT_TRUE(server->publish(asked.response_topic, "noon", 1, false, asked.correlation_data)->wait_for(kWait));
  ASSERT_TRUE(requester_inbox.wait_for(1, kWait));
  Received answer = requester_inbox.messages().front();
  EXPECT_EQ(answer.payload, "noon");
  EXPECT_EQ(answer.correlation_data, correlation);
  EXPECT_EQ(answer.response_topic, "");
}

TEST(MqttRequestResponse, AnMqtt311MessageHasNoResponseTopic) {
  TempDir dir;
  auto broker = test::start_broker(dir.path());
  Inbox inbox;
  auto receiver = receiving(test::client_options(*broker, "receiver"), inbox, "plain");
  Client sender(test::client_options(*broker, "sender"));
  sender.connect();
  std::this_thread::sleep_for(200ms);
  // Correlation data is dropped rather than refused on MQTT 3.1.1.
  ASSERT_TRUE(sender.publish("plain", "hello", 1, false, "ignored")->wait_for(kWait));
  ASSERT_TRUE(inbox.wait_for(1, kWait));
  EXPECT_EQ(inbox.messages().front().payload, "hello");
  EXPECT_EQ(inbox.messages().front().correlation_data, "");
}

TEST(MqttRequestResponse, PublishRequestSetsBothPropertiesAndNeedsMqtt5) {
  TempDir dir;
  auto broker = test::start_broker(dir.path());
  Inbox inbox;
  auto server = receiving(v5(test::client_options(*broker, "server")), inbox, "ask/#");
  Client requester(v5(test::client_options(*broker, "requester")));
  requester.connect();
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(requester.publish_request("ask/time", "now?", 1, "answers/requester", "7")->wait_for(kWait));
  ASSERT_TRUE(inbox.wait_for(1, kWait));
  EXPECT_EQ(inbox.messages().front().response_topic, "answers/requester");
  EXPECT_EQ(inbox.messages().front().correlation_data, "7");

  Client old(test::client_options(*broker, "old"));  // MQTT 3.1.1 cannot ask for an answer
  EXPECT_THROW(old.publish_request("ask/time", "now?", 1, "answers/old", "1"), Error);
}

TEST(MqttRequestResponse, TheBrokerPublishesTheWillOfAClientThatVanishes) {
  TempDir dir;
  auto broker = test::start_broker(dir.path());
  Inbox inbox;
  auto watcher = receiving(test::client_options(*broker, "watcher"), inbox, "nodes/+/status");

  test::TcpProxy proxy("127.0.0.1", broker->port());
  ClientOptions o = test::client_options(*broker, "node-1");
  o.connection.port = proxy.port();
  o.will = {"nodes/node-1/status", "offline", 1, true};
  Client node(o);
  node.connect();
  proxy.cut_open_connections();  // the connection drops without a DISCONNECT
  ASSERT_TRUE(inbox.wait_for(1, kWait));
  Received will = inbox.messages().front();
  EXPECT_EQ(will.topic, "nodes/node-1/status");
  EXPECT_EQ(will.payload, "offline");
}

}  // namespace
}  // namespace edgeml::mq
