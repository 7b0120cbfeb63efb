// A station's Mosquitto bridged to a cloud Mosquitto through a link the test
// can cut: events go up under the station's prefix, deployments come down, and
// what the station took while cut off (even across its own restart) follows
// when the link returns.
#include <set>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "mqtt/broker.h"
#include "protocol/topics.h"
#include "broker_clients.h"
#include "support/message_inbox.h"
#include "support/tcp_proxy.h"

namespace edgeml::mq {
namespace {

using namespace test_clients;

class BridgedStation : public ::testing::Test {
 protected:
  void SetUp() override {
    BrokerConfig cloud_config;
    cloud_config.port = 0;
    cloud_config.data_dir = dir_.path() / "cloud";
    cloud_ = std::make_unique<Broker>(cloud_config);
    cloud_->start();
    link_ = std::make_unique<test::TcpProxy>("127.0.0.1", cloud_->port());
    BrokerConfig station_config;
    station_config.port = 0;
    station_config.data_dir = dir_.path() / "station";
    BridgeConfig bridge;
    bridge.station = "north-7";
    bridge.urls = {fmt::format("mqtt://127.0.0.1:{}", link_->port())};
    station_config.bridge = bridge;
    station_ = std::make_unique<Broker>(station_config);
    station_->start();
  }

  // Distinct alarm topics the cloud's subscriber holds.
  std::set<std::string> received() const {
    std::set<std::string> topics;
    for (const auto& m : cloud_inbox_.messages())
      if (m.topic.starts_with("stations/")) topics.insert(m.topic);
    return topics;
  }

  void publish_events(Client& sensor, int from, int to) {
    for (int i = from; i < to; ++i) sensor.publish(fmt::format("alarm/st/{}/1", i), "{}", 1);
  }

  test::TempDir dir_;
  std::unique_ptr<Broker> cloud_, station_;
  std::unique_ptr<test::TcpProxy> link_;
  test::MessageInbox cloud_inbox_;
};

TEST_F(BridgedStation, EventsGoUpDeploymentsComeDownAndTheBacklogFollowsTheLink) {
  ClientOptions watch = test::client_options(*cloud_, "cloud-watch");
  watch.clean_session = false;
  auto cloud_client = connect_client(watch);
  cloud_client->disconnect();
  cloud_client = test::receiving_client(watch, cloud_inbox_, "stations/+/alarm/#");
  test::MessageInbox state;
  auto state_client = test::receiving_client(test::client_options(*cloud_, "state-watch"), state,
                                             bridge_state_topic("north-7"));
  ASSERT_TRUE(state.wait_for(bridge_state_topic("north-7"), "1", kWait)) << "the bridge never came up";

  auto sensor = connect_client(test::client_options(*station_, "sensor"));
  publish_events(*sensor, 0, 100);
  ASSERT_TRUE(wait_until([&] { return received().size() == 100; }, kWait)) << received().size();
  EXPECT_TRUE(received().contains("stations/north-7/alarm/st/0/1"));

  // Cut off: the cloud hears the bridge's Last Will, the station keeps taking
  // events, and a deployment waits on the cloud broker.
  link_->set_link_down(true);
  ASSERT_TRUE(state.wait_for(bridge_state_topic("north-7"), "0", kWait)) << "no Last Will from the bridge";
  publish_events(*sensor, 100, 250);
  auto deployer = connect_client(test::client_options(*cloud_, "deployer"));
  auto fleet = deployer->publish("edgeml/deploy/all/m", "package", 1, true);
  auto own = deployer->publish("stations/north-7/edgeml/deploy/node/edge-1/m", "package for north-7", 1, true);
  ASSERT_TRUE(fleet->wait_for(kWait) && own->wait_for(kWait));
  // The station's broker restarts while cut off; its bridge queue is kept.
  sensor->disconnect();
  sensor.reset();
  station_->stop();
  station_->start();
  sensor = connect_client(test::client_options(*station_, "sensor"));
  publish_events(*sensor, 250, 300);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(received().size(), 100u);

  link_->set_link_down(false);
  EXPECT_TRUE(wait_until([&] { return received().size() == 300; }, kWait)) << received().size() << " of 300";
  Inbox station_inbox;
  auto node = connect_client(test::client_options(*station_, "edge-1"), &station_inbox, "edgeml/deploy/#");
  EXPECT_TRUE(wait_until([&] { return station_inbox.has("edgeml/deploy/all/m", "package"); }, kWait));
  EXPECT_TRUE(wait_until([&] { return station_inbox.has("edgeml/deploy/node/edge-1/m", "package for north-7"); }, kWait));
}

}  // namespace
}  // namespace edgeml::mq
