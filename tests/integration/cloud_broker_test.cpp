// A station's Mosquitto bridged into a clustered cloud broker (two NATS nodes
// speaking MQTT 3.1.1, docs/cloud-brokers.md): events go up at QoS 1 and reach
// a subscriber on the other node, deployments come down and are retained on
// the station (by `edgeml broker`'s retainer when the cloud broker cleared the
// flag), and two `edgeml collect --partition` processes share the stream
// without $share. The station is the real `edgeml broker` command.
#include <csignal>
#include <set>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/process.h"
#include "protocol/topics.h"
#include "support/message_inbox.h"
#include "support/nats_cluster.h"
#include "support/test_support.h"

namespace edgeml {
namespace {

using namespace std::chrono_literals;
using test::wait_until;

constexpr auto kWait = 20s;
constexpr const char* kStation = "north-7";

class CloudBroker : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test::NatsCluster::program().empty()) return;  // each test skips or fails on its own
    cloud_ = std::make_unique<test::NatsCluster>(dir_ / "cloud");
  }

  void TearDown() override {
    if (station_) {
      EXPECT_EQ(station_->stop(SIGTERM, 10s), 0) << test::read_file(dir_ / "station.log");
    }
  }

  // A persistent session on node 1 that takes what the station sends up.
  std::unique_ptr<mq::Client> watch_events(test::MessageInbox& inbox) {
    mq::ClientOptions watch = cloud_->client_options(1, "cloud-watch");
    watch.clean_session = false;
    auto watcher = test::receiving_client(watch, inbox, std::string(kStationsAlarmFilter));
    watcher->subscribe(std::string(kStationsAlarmFilter), 1, kWait);
    return watcher;
  }

  static std::size_t distinct(const test::MessageInbox& inbox) {
    std::set<std::string> topics;
    for (const auto& m : inbox.messages()) topics.insert(m.topic);
    return topics.size();
  }

  // `edgeml broker` bridged to both nodes; ready once it wrote its port file.
  void start_station() {
    const auto port_file = dir_ / "station.port";
    // Mosquitto tries the first address first.
    station_ = std::make_unique<Process>(test::run_edgeml(
        {"broker", "--port", "0", "--port-file", port_file.string(), "--data-dir", (dir_ / "station").string(),
         "--station", kStation, "--bridge", cloud_->url(0), "--bridge", cloud_->url(1), "--bridge-not-mosquitto"},
        dir_ / "station.log"));
    ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(port_file) && std::filesystem::file_size(port_file) > 0; },
                           kWait))
        << test::read_file(dir_ / "station.log");
    station_port_ = std::stoi(test::read_file(port_file));
  }

  mq::ClientOptions station_options(const std::string& client_id) const {
    mq::ClientOptions o;
    o.connection.port = station_port_;
    o.connection.client_id = client_id;
    o.connect_timeout = 10s;
    return o;
  }

  static std::size_t count(const test::MessageInbox& inbox, const std::string& topic, const std::string& payload) {
    std::size_t n = 0;
    for (const auto& m : inbox.messages()) n += m.topic == topic && m.payload == payload;
    return n;
  }

  // Waits for the bridge's retained "1" on the cloud's node 1.
  void wait_bridge_up() {
    test::MessageInbox state;
    auto watch = test::receiving_client(cloud_->client_options(1, "state-watch"), state, bridge_state_topic(kStation));
    ASSERT_TRUE(state.wait_for(bridge_state_topic(kStation), "1", kWait)) << "the bridge never came up";
  }

  // Events `first`.. `first + count - 1` on the station, spread over `series` series.
  void publish_events(int count, int series, int first = 0) {
    mq::Client sensor(station_options("sensor"));
    sensor.connect();
    mq::DeliveryPtr last;
    for (int i = first; i < first + count; ++i)
      last = sensor.publish(fmt::format("alarm/st{}/121/308", i % series),
                            fmt::format("{}.0,{}.0,231,230,True", i / series, 1487441883 + i), 1);
    ASSERT_TRUE(last->wait_for(kWait));
  }

  test::TempDir dir_;
  std::unique_ptr<test::NatsCluster> cloud_;
  std::unique_ptr<Process> station_;  // edgeml broker
  int station_port_ = 0;
};

TEST_F(CloudBroker, EventsGoUpToTheOtherNodeAndDeploymentsComeDown) {
  EDGEML_REQUIRE_NATS();
  // A persistent session on node 1, made before the events exist, and a
  // deployment retained on the cloud before the station's bridge subscribes.
  test::MessageInbox up;
  auto watcher = watch_events(up);
  mq::Client deployer(cloud_->client_options(1, "deployer"));
  deployer.connect();
  ASSERT_TRUE(deployer.publish("edgeml/deploy/all/m", "package", 1, true)->wait_for(kWait));
  ASSERT_NO_FATAL_FAILURE(start_station());
  wait_bridge_up();

  constexpr int kEvents = 300;
  publish_events(kEvents, kEvents);
  EXPECT_TRUE(wait_until([&] { return distinct(up) == kEvents; }, kWait)) << distinct(up) << " of " << kEvents;
  EXPECT_TRUE(up.wait_for("stations/north-7/alarm/st0/121/308", "0.0,1487441883.0,231,230,True", 1ms));

  // Came down retained when the bridge subscribed: retained on the station.
  test::MessageInbox down;
  auto node = test::receiving_client(station_options("edge-1"), down, "edgeml/deploy/#");
  node->subscribe("edgeml/deploy/#", 1, kWait);
  EXPECT_TRUE(down.wait_for("edgeml/deploy/all/m", "package", kWait));
  // Published while the bridge is up: MQTT 3.1.1 clears the retain flag of
  // what a subscription receives live, and the retainer of `edgeml broker`
  // publishes it again retained (docs/cloud-brokers.md). The node gets both.
  ASSERT_TRUE(deployer.publish("stations/north-7/edgeml/deploy/node/edge-1/m", "own", 1, true)->wait_for(kWait));
  EXPECT_TRUE(wait_until([&] { return count(down, "edgeml/deploy/node/edge-1/m", "own") == 2; }, kWait))
      << count(down, "edgeml/deploy/node/edge-1/m", "own") << " deliveries; " << test::read_file(dir_ / "station.log");
  // Subscribed after both: what it gets, the station's broker kept retained.
  test::MessageInbox later;
  auto late_node = test::receiving_client(station_options("edge-2"), later, "edgeml/deploy/#");
  EXPECT_TRUE(later.wait_for("edgeml/deploy/all/m", "package", kWait));
  EXPECT_TRUE(later.wait_for("edgeml/deploy/node/edge-1/m", "own", kWait)) << "not retained on the station";
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(count(later, "edgeml/deploy/node/edge-1/m", "own"), 1u) << "retained more than once";
}

// With two nodes, JetStream has no quorum while one is down: the other node
// refuses every session (the bridge's too) until it is back. The station
// queues meanwhile, and nothing is lost.
TEST_F(CloudBroker, EventsTakenWhileTheBridgesNodeIsDownArriveWhenItIsBack) {
  EDGEML_REQUIRE_NATS();
  test::MessageInbox up;
  auto watcher = watch_events(up);
  ASSERT_NO_FATAL_FAILURE(start_station());
  wait_bridge_up();
  publish_events(50, 1000);
  ASSERT_TRUE(wait_until([&] { return distinct(up) == 50; }, kWait)) << distinct(up) << " of 50";

  cloud_->stop_node(0);
  publish_events(100, 1000, 50);
  cloud_->start_node(0);
  EXPECT_TRUE(wait_until([&] { return distinct(up) == 150; }, kWait)) << distinct(up) << " of 150";
}

// Two collectors, one on each node, each reading every event and storing the
// series of its partition: together every event once, each series in one.
TEST_F(CloudBroker, TwoPartitionedCollectorsShareTheStream) {
  EDGEML_REQUIRE_NATS();
  ASSERT_NO_FATAL_FAILURE(start_station());
  wait_bridge_up();
  std::vector<Process> collectors;
  for (int k = 0; k < 2; ++k) {
    collectors.push_back(test::run_edgeml(
        {"collect", "--host", "127.0.0.1", "--port", std::to_string(cloud_->mqtt_port(k)), "--mqtt", "4",
         "--client-id", fmt::format("collector-{}", k), "--topic", std::string(kStationsAlarmFilter), "--partition",
         fmt::format("{}/2", k), "--db", (dir_ / fmt::format("c{}.db", k)).string()},
        dir_ / fmt::format("collector-{}.log", k)));
  }
  auto rows = [&](int k, const std::string& sql) { return test::count_rows(dir_ / fmt::format("c{}.db", k), sql); };
  // Subscribed once each has stored an event of the warm-up series (which
  // fall in both partitions), published on the cloud until they have.
  mq::Client warmer(cloud_->client_options(0, "warmer"));
  warmer.connect();
  int round = 0;
  const std::string warm = "SELECT count(*) FROM events WHERE station LIKE 'warm%'";
  ASSERT_TRUE(wait_until(
      [&] {
        for (int s = 0; s < 8; ++s)
          warmer.publish(fmt::format("stations/probe/alarm/warm{}/1/1", s), fmt::format("{}.0,1.0,1,1,True", round), 1);
        ++round;
        std::this_thread::sleep_for(200ms);
        return rows(0, warm) > 0 && rows(1, warm) > 0;
      },
      kWait))
      << test::read_file(dir_ / "collector-0.log") << test::read_file(dir_ / "collector-1.log");

  constexpr int kEvents = 400, kSeries = 40;
  publish_events(kEvents, kSeries);
  const std::string events = "SELECT count(*) FROM events WHERE station LIKE 'st%'";
  EXPECT_TRUE(wait_until([&] { return rows(0, events) + rows(1, events) == kEvents; }, kWait))
      << rows(0, events) << " + " << rows(1, events) << " of " << kEvents << "\n"
      << test::read_file(dir_ / "collector-0.log") << test::read_file(dir_ / "collector-1.log");
  EXPECT_GT(rows(0, events), 0);
  EXPECT_GT(rows(1, events), 0);
  const std::string series = "SELECT count(DISTINCT station) FROM events WHERE station LIKE 'st%'";
  EXPECT_EQ(rows(0, series) + rows(1, series), kSeries) << "a series was stored by both collectors";

  for (int k = 0; k < 2; ++k) {
    EXPECT_EQ(collectors[k].stop(SIGTERM, 10s), 0);
    EXPECT_NE(test::read_file(dir_ / fmt::format("collector-{}.log", k)).find(" skipped)"), std::string::npos);
  }
}

}  // namespace
}  // namespace edgeml
