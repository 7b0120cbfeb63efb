// The retainer against a real Mosquitto: what arrives on a bridged-down
// filter without the retain flag (as an MQTT 3.1.1 cloud broker delivers it
// live) becomes retained, what is retained already is left alone, an empty
// message clears, and other topics are not touched.
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "mqtt/retainer.h"
#include "protocol/topics.h"
#include "broker_clients.h"
#include "support/message_inbox.h"

namespace edgeml::mq {
namespace {

using namespace test_clients;

class RetainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = test::start_broker(dir_.path());
    start_retainer(broker_->config().max_packet_bytes);
    live_ = test::receiving_client(test::client_options(*broker_, "live"), live_inbox_, "#");
    live_->subscribe("#", 1, kWait);
    publisher_ = connect_client(test::client_options(*broker_, "publisher"));
  }

  void start_retainer(long max_packet_bytes) {
    RetainerOptions options;
    options.client = test::client_options(*broker_, "edgeml-retainer");
    options.filters = bridged_down_filters();
    options.max_packet_bytes = max_packet_bytes;
    retainer_ = std::make_unique<Retainer>(std::move(options));
    retainer_->start();
  }

  void publish(const std::string& topic, const std::string& payload, bool retained) {
    ASSERT_TRUE(publisher_->publish(topic, payload, 1, retained)->wait_for(kWait)) << topic;
  }

  // Deliveries to the live subscriber of `topic` with `payload`.
  std::size_t live_count(const std::string& topic, const std::string& payload) const {
    std::size_t n = 0;
    for (const auto& m : live_inbox_.messages()) n += m.topic == topic && m.payload == payload;
    return n;
  }

  // What a subscriber that comes now gets on `filter` within `wait`: the
  // broker's retained messages only.
  std::vector<test::ReceivedMessage> late_subscriber(const std::string& filter, std::chrono::milliseconds wait) {
    test::MessageInbox inbox;
    // Subscribed once, as it connects: subscribing again would send the
    // retained messages again.
    auto late = test::receiving_client(test::client_options(*broker_, "late"), inbox, filter);
    std::this_thread::sleep_for(wait);
    return inbox.messages();
  }

  TempDir dir_;
  std::unique_ptr<Broker> broker_;
  std::unique_ptr<Retainer> retainer_;
  test::MessageInbox live_inbox_;
  std::unique_ptr<Client> live_, publisher_;
};

TEST(RetainerFilters, AreTheBridgedDownFiltersOnTheStationEachOnce) {
  EXPECT_EQ(bridged_down_filters(),
            (std::vector<std::string>{std::string(kAllDeploymentsFilter), std::string(kAllClusterApplicationsFilter)}));
}

TEST_F(RetainerTest, ANonRetainedDeploymentBecomesRetained) {
  publish("edgeml/deploy/all/m", "package", false);
  publish("edgeml/cluster/c1/applications", "apps", false);
  // The original and the retainer's retained copy.
  ASSERT_TRUE(wait_until([&] { return live_count("edgeml/deploy/all/m", "package") == 2; }, kWait));
  ASSERT_TRUE(wait_until([&] { return live_count("edgeml/cluster/c1/applications", "apps") == 2; }, kWait));
  EXPECT_EQ(retainer_->republished(), 2u);
  auto late = late_subscriber("edgeml/#", std::chrono::milliseconds(500));
  ASSERT_EQ(late.size(), 2u);
  EXPECT_TRUE(late[0].topic == "edgeml/deploy/all/m" || late[1].topic == "edgeml/deploy/all/m");
  EXPECT_EQ(late[0].topic == "edgeml/deploy/all/m" ? late[0].payload : late[1].payload, "package");
}

TEST_F(RetainerTest, ARetainedDeploymentIsLeftAlone) {
  publish("edgeml/deploy/all/m", "package", true);
  ASSERT_TRUE(wait_until([&] { return live_count("edgeml/deploy/all/m", "package") == 1; }, kWait));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(live_count("edgeml/deploy/all/m", "package"), 1u) << "published again";
  EXPECT_EQ(retainer_->republished(), 0u);
  auto late = late_subscriber("edgeml/deploy/#", std::chrono::milliseconds(500));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].payload, "package");
}

TEST_F(RetainerTest, AnEmptyNonRetainedMessageClearsTheRetainedOne) {
  publish("edgeml/deploy/all/m", "package", true);
  publish("edgeml/deploy/all/m", "", false);
  // The removal, then the retainer's empty retained copy.
  ASSERT_TRUE(wait_until([&] { return live_count("edgeml/deploy/all/m", "") == 2; }, kWait));
  EXPECT_EQ(retainer_->republished(), 1u);
  EXPECT_TRUE(late_subscriber("edgeml/deploy/#", std::chrono::seconds(1)).empty()) << "still retained";
}

TEST_F(RetainerTest, OtherTopicsAreNotTouched) {
  publish("edgeml/nodes/edge-1/status", "online", false);
  publish("alarm/st/1/2", "1.0,2.0,3,4,True", false);
  publish("stations/north-7/edgeml/deploy/all/m", "package", false);
  ASSERT_TRUE(wait_until([&] { return live_inbox_.size() == 3; }, kWait));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(live_inbox_.size(), 3u);
  EXPECT_EQ(retainer_->republished(), 0u);
  EXPECT_TRUE(late_subscriber("#", std::chrono::seconds(1)).empty());
}

TEST_F(RetainerTest, RetainsWhatArrivedWhileItWasAway) {
  // Published before the retainer is back: its persistent session queues it.
  retainer_.reset();
  publish("edgeml/deploy/all/m", "while away", false);
  start_retainer(broker_->config().max_packet_bytes);
  EXPECT_TRUE(wait_until([&] { return retainer_->republished() == 1; }, kWait));
  ASSERT_TRUE(wait_until([&] { return live_count("edgeml/deploy/all/m", "while away") == 2; }, kWait));
  auto late = late_subscriber("edgeml/deploy/#", std::chrono::milliseconds(500));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].payload, "while away");
}

TEST_F(RetainerTest, SkipsWhatTheBrokerWouldNotTakeBack) {
  retainer_.reset();
  start_retainer(200);
  publish("edgeml/deploy/all/big", std::string(300, 'x'), false);
  publish("edgeml/deploy/all/small", "package", false);
  ASSERT_TRUE(wait_until([&] { return live_count("edgeml/deploy/all/small", "package") == 2; }, kWait));
  EXPECT_EQ(retainer_->skipped(), 1u);
  EXPECT_EQ(retainer_->republished(), 1u);
  EXPECT_TRUE(retainer_->connected());
  auto late = late_subscriber("edgeml/deploy/#", std::chrono::milliseconds(500));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].topic, "edgeml/deploy/all/small");
}

TEST(StationRetainer, RunsOnlyBesideABridge) {
  TempDir dir;
  auto broker = test::start_broker(dir.path());
  EXPECT_EQ(start_station_retainer(*broker), nullptr);
}

// With users, the retainer logs in as the station broker's own user, whose
// password no one else knows and whose ACL allows the bridged-down topics
// only; a node's server, reading, gets the deployment retained.
TEST(StationRetainer, LogsInAsTheBrokersOwnUserWhenTheBrokerHasUsers) {
  TempDir dir;
  BrokerConfig config;
  config.users = {{"deployer", "deployer-pw"}, {"node", "node-pw"}};
  config.roles = {{"deployer", "deployer"}, {"node", "server"}};
  BridgeConfig bridge;
  bridge.station = "north-7";
  bridge.urls = {"mqtt://127.0.0.1:9"};  // no cloud: the link stays down, the station works alone
  config.bridge = bridge;
  auto broker = test::start_broker(dir.path(), config);
  ASSERT_NE(broker->retainer_user(), nullptr);
  EXPECT_EQ(broker->retainer_user()->name, kRetainerUser);
  EXPECT_EQ(broker->retainer_user()->password.size(), 64u);
  auto retainer = start_station_retainer(*broker);
  ASSERT_NE(retainer, nullptr);
  ASSERT_TRUE(wait_until([&] { return retainer->connected(); }, kWait));

  auto as = [&](const std::string& user, const std::string& client_id) {
    ClientOptions o = test::client_options(*broker, client_id);
    o.connection.username = user;
    o.connection.password = user + "-pw";
    return o;
  };
  auto deployer = connect_client(as("deployer", "deployer"));
  ASSERT_TRUE(deployer->publish("edgeml/deploy/all/m", "package", 1, false)->wait_for(kWait));
  ASSERT_TRUE(wait_until([&] { return retainer->republished() == 1; }, kWait));

  test::MessageInbox inbox;
  auto late = test::receiving_client(as("node", "late-node"), inbox, "edgeml/deploy/#");
  ASSERT_TRUE(wait_until([&] { return inbox.messages().size() == 1; }, kWait));
  EXPECT_EQ(inbox.messages()[0].payload, "package");
  const std::string acl = test::read_file(broker->data_dir() / "acl");
  EXPECT_NE(acl.find(fmt::format("user {}\ntopic readwrite edgeml/deploy/#\n", kRetainerUser)), std::string::npos) << acl;
}

// An operator's own ACL is left as it is: the broker runs on a copy of it
// with the retainer's block added.
TEST(StationRetainer, GoesIntoACopyOfTheOperatorsAcl) {
  TempDir dir;
  const std::string own = "user node\ntopic read edgeml/deploy/#\n";
  std::ofstream(dir.path() / "own-acl") << own;
  BrokerConfig config;
  config.users = {{"node", "node-pw"}};
  config.acl_file = dir.path() / "own-acl";
  BridgeConfig bridge;
  bridge.station = "north-7";
  bridge.urls = {"mqtt://127.0.0.1:9"};
  config.bridge = bridge;
  auto broker = test::start_broker(dir.path() / "broker", config);
  auto retainer = start_station_retainer(*broker);
  ASSERT_TRUE(wait_until([&] { return retainer->connected(); }, kWait));
  EXPECT_EQ(test::read_file(dir.path() / "own-acl"), own);
  const std::string copy = test::read_file(broker->data_dir() / "acl");
  EXPECT_EQ(copy.rfind(own, 0), 0u) << copy;
  EXPECT_NE(copy.find(fmt::format("user {}\n", kRetainerUser)), std::string::npos) << copy;
  EXPECT_NE(test::read_file(broker->data_dir() / "mosquitto.conf").find("acl_file " + (broker->data_dir() / "acl").string()),
            std::string::npos);
}

TEST(StationRetainer, ItsUserNameIsNoOperatorsToTake) {
  TempDir dir;
  BrokerConfig config;
  config.users = {{std::string(kRetainerUser), "pw"}};
  config.roles = {{std::string(kRetainerUser), "deployer"}};
  BridgeConfig bridge;
  bridge.station = "north-7";
  bridge.urls = {"mqtt://127.0.0.1:9"};
  config.bridge = bridge;
  EXPECT_THROW(Broker{config}, Error);
}

}  // namespace
}  // namespace edgeml::mq
