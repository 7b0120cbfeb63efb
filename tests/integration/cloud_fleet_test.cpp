// Two stations bridged to a cloud broker, as an operator runs them: each
// station has its broker, sensors, a collector of its own and an edge server;
// two cloud collectors share the stations' events into one PostgreSQL database. The links
// are cut for 30 s while the sensors publish: the stations keep collecting,
// and afterwards the cloud store holds every event of both exactly once. A
// model deployed in the cloud during the cut reaches a station's server.
#include <csignal>
#include <regex>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "mqtt/broker.h"
#include "protocol/topics.h"
#include "support/tcp_proxy.h"
#include "support/test_support.h"
#include "cloud_store.h"

namespace edgeml::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int kEventsPerStation = 1500;
constexpr auto kCut = 30s;

struct Station {
  std::string name;
  std::unique_ptr<TcpProxy> link;
  std::unique_ptr<mq::Broker> broker;
};

class CloudFleet : public ::testing::Test {
 protected:
  void SetUp() override {
    cloud_ = start_broker(dir_ / "cloud");
    for (const char* name : {"north", "south"}) stations_.push_back(start_station(name));
  }

  Station start_station(const std::string& name) {
    Station s{name, std::make_unique<TcpProxy>("127.0.0.1", cloud_->port()), nullptr};
    mq::BrokerConfig config;
    config.port = 0;
    mq::BridgeConfig bridge;
    bridge.station = name;
    bridge.urls = {fmt::format("mqtt://127.0.0.1:{}", s.link->port())};
    config.bridge = bridge;
    s.broker = start_broker(dir_ / name, config);
    return s;
  }

  Process edgeml(const mq::Broker& broker, const std::string& command, std::vector<std::string> args,
                 const std::string& log) {
    args.insert(args.begin(), {command, "--host", "127.0.0.1", "--port", std::to_string(broker.port())});
    return run_edgeml(args, dir_ / log);
  }

  void wait_logged(const std::string& log, const std::string& words) {
    ASSERT_TRUE(wait_until([&] { return read_file(dir_ / log).find(words) != std::string::npos; }, 20s))
        << "no '" << words << "' in " << log << ":\n" << read_file(dir_ / log);
  }

  // Stops a collector as a service manager would and returns how many events it stored.
  std::int64_t stop_collector(Process& p, const std::string& log) {
    EXPECT_EQ(p.stop(SIGTERM, 20s), 0) << read_file(dir_ / log);
    std::smatch m;
    const std::string text = read_file(dir_ / log);
    if (!std::regex_search(text, m, std::regex("collected (\\d+) new events"))) return -1;
    return std::stoll(m[1]);
  }

  TempDir dir_;
  std::unique_ptr<mq::Broker> cloud_;
  std::vector<Station> stations_;
};

TEST_F(CloudFleet, EveryEventOnceThroughACutAndADeploymentReachesAStation) {
  EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
  CloudStore store;
  ASSERT_EQ(run_edgeml({"keys", "new", "--out", (dir_ / "keys").string()}, dir_ / "keys.log").wait_for(20s), 0);
  fs::create_directories(dir_ / "north-models");
  Process server = edgeml(*stations_[0].broker, "serve",
                          {"--node", "north-edge", "--models", (dir_ / "north-models").string(), "--deploy-key",
                           (dir_ / "keys/deploy.pub").string()},
                          "north-serve.log");
  std::vector<Process> cloud_collectors;
  for (int i = 1; i <= 2; ++i) {
    const std::string log = fmt::format("cloud-collector-{}.log", i);
    cloud_collectors.push_back(run_edgeml({"--log-level", "debug", "collect", "--host", "127.0.0.1", "--port",
                                           std::to_string(cloud_->port()), "--client-id", fmt::format("cloud-{}", i),
                                           "--share", "cloud", "--topic", std::string(kStationsAlarmFilter), "--reader",
                                           "stream", "--db", store.location()},
                                          dir_ / log));
    wait_logged(log, "subscribed to $share/cloud/stations/+/alarm/#");
  }
  std::vector<Process> local_collectors, sensors;
  for (std::size_t i = 0; i < stations_.size(); ++i) {
    const Station& s = stations_[i];
    local_collectors.push_back(run_edgeml({"--log-level", "debug", "collect", "--host", "127.0.0.1", "--port",
                                           std::to_string(s.broker->port()), "--db", (dir_ / (s.name + ".db")).string()},
                                          dir_ / (s.name + "-collector.log")));
    wait_logged(s.name + "-collector.log", "subscribed to alarm/#");
  }
  for (std::size_t i = 0; i < stations_.size(); ++i)
    sensors.push_back(edgeml(*stations_[i].broker, "publish",
                             {"--synthetic", std::to_string(kEventsPerStation), "--series", "3", "--first-station",
                              std::to_string(1000 * (i + 1)), "--interval", "0.004", "--no-finish", "--state-dir",
                              (dir_ / (stations_[i].name + "-sensor")).string()},
                             stations_[i].name + "-sensor.log"));

  // Cut off while the sensors publish; a deployment is made in the cloud meanwhile.
  std::this_thread::sleep_for(1500ms);
  for (auto& s : stations_) s.link->set_link_down(true);
  const auto cut_at = std::chrono::steady_clock::now();
  Process deploy = edgeml(*cloud_, "deploy",
                          {"--models", shared_file("models/seed-tflite").string(), "--station", "north", "--node",
                           "north-edge", "--sign-key", (dir_ / "keys/deploy.key").string(), "--wait", "90"},
                          "deploy.log");
  for (std::size_t i = 0; i < sensors.size(); ++i)
    EXPECT_EQ(sensors[i].wait_for(25s), 0) << "a station's sensors get their receipts from its own collector:\n"
                                           << read_file(dir_ / (stations_[i].name + "-sensor.log"));
  const std::int64_t during_cut = store.events();
  EXPECT_LT(during_cut, 2 * kEventsPerStation) << "the cut was too late to hold anything back";
  std::this_thread::sleep_for(kCut - (std::chrono::steady_clock::now() - cut_at));
  for (auto& s : stations_) s.link->set_link_down(false);

  EXPECT_TRUE(wait_until([&] { return store.events() >= 2 * kEventsPerStation; }, 60s))
      << store.events() << " of " << 2 * kEventsPerStation << " events in the cloud store (" << during_cut
      << " before the link returned)";
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(store.events(), 2 * kEventsPerStation);
  EXPECT_EQ(store.events_of_station_prefix("1"), kEventsPerStation);
  EXPECT_EQ(store.events_of_station_prefix("2"), kEventsPerStation);
  std::int64_t stored_by_collectors = 0;
  for (std::size_t i = 0; i < cloud_collectors.size(); ++i) {
    const std::int64_t n = stop_collector(cloud_collectors[i], fmt::format("cloud-collector-{}.log", i + 1));
    EXPECT_GT(n, 0) << "cloud collector " << i + 1 << " had no share of the stream";
    stored_by_collectors += n;
  }
  EXPECT_EQ(stored_by_collectors, 2 * kEventsPerStation);
  for (std::size_t i = 0; i < stations_.size(); ++i) {
    stop_collector(local_collectors[i], stations_[i].name + "-collector.log");
    EXPECT_EQ(count_rows(dir_ / (stations_[i].name + ".db"), "SELECT count(*) FROM events"), kEventsPerStation);
  }

  auto deployed = deploy.wait_for(60s);
  ASSERT_TRUE(deployed) << read_file(dir_ / "deploy.log");
  EXPECT_EQ(*deployed, 0) << read_file(dir_ / "deploy.log") << read_file(dir_ / "north-serve.log");
  EXPECT_NE(read_file(dir_ / "deploy.log").find("north-edge"), std::string::npos) << read_file(dir_ / "deploy.log");
  EXPECT_TRUE(fs::exists(dir_ / "north-models"));
  server.stop(SIGTERM, 10s);
}

}  // namespace
}  // namespace edgeml::test
