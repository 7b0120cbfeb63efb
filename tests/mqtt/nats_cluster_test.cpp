// What edgeml relies on, and what it must avoid, on a two-node NATS cluster
// speaking MQTT (docs/cloud-brokers.md): messages and retained messages cross
// nodes; MQTT 5, '.' in a topic and $share subscriptions do not work there.
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "broker_clients.h"
#include "support/message_inbox.h"
#include "support/nats_cluster.h"

namespace edgeml::mq {
namespace {

using namespace test_clients;

std::unique_ptr<Client> subscribed(ClientOptions options, test::MessageInbox& inbox, const std::string& filter) {
  auto client = test::receiving_client(std::move(options), inbox, filter);
  client->subscribe(filter, 1, kWait);  // granted before anything is published
  return client;
}

TEST(NatsCluster, QosOneAndRetainedMessagesCrossNodes) {
  EDGEML_REQUIRE_NATS();
  TempDir dir;
  test::NatsCluster cloud(dir.path());
  test::MessageInbox inbox;
  auto reader = subscribed(cloud.client_options(1, "reader"), inbox, "events/#");
  auto writer = connect_client(cloud.client_options(0, "writer"));
  for (int i = 0; i < 20; ++i) publish_and_wait(*writer, fmt::format("events/{}", i), "e");
  EXPECT_TRUE(inbox.wait_for(20, kWait)) << inbox.size() << " of 20";

  ASSERT_TRUE(writer->publish("edgeml/deploy/all/m", "package", 1, true)->wait_for(kWait));
  test::MessageInbox late;
  auto late_reader = test::receiving_client(cloud.client_options(1, "late"), late, "edgeml/deploy/#");
  EXPECT_TRUE(late.wait_for("edgeml/deploy/all/m", "package", kWait)) << "no retained message on the other node";
}

TEST(NatsCluster, RefusesMqtt5) {
  EDGEML_REQUIRE_NATS();
  TempDir dir;
  test::NatsCluster cloud(dir.path());
  ClientOptions v5 = cloud.client_options(0, "v5");
  v5.mqtt_version = 5;
  v5.connect_timeout = 2s;
  Client client(v5);
  EXPECT_THROW(client.connect(), Error);
}

// A '.' or a space in a topic is refused (the publisher is disconnected), and
// "$share/GROUP/..." is a topic of its own, not a shared subscription.
TEST(NatsCluster, HasNoDotsInTopicsAndNoSharedSubscriptions) {
  EDGEML_REQUIRE_NATS();
  TempDir dir;
  test::NatsCluster cloud(dir.path());
  test::MessageInbox plain, shared;
  auto plain_reader = subscribed(cloud.client_options(1, "plain"), plain, "x/#");
  auto shared_reader = subscribed(cloud.client_options(1, "shared"), shared, "$share/g/x/#");
  {
    auto dotted = connect_client(cloud.client_options(0, "dotted"));
    dotted->publish("x/north.7/a", "dotted", 0);
    std::this_thread::sleep_for(300ms);
  }
  auto writer = connect_client(cloud.client_options(0, "writer"));
  publish_and_wait(*writer, "x/north-7/a", "plain");
  ASSERT_TRUE(plain.wait_for("x/north-7/a", "plain", kWait));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(plain.size(), 1u) << "a topic with '.' got through";
  EXPECT_EQ(shared.size(), 0u) << "$share/g/x/# matched x/...";
}

}  // namespace
}  // namespace edgeml::mq
