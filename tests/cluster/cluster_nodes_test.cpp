// The acceptance test of the edge cluster: four `edgeml serve --cluster`
// nodes (processes, each with its own labels and capacity) on a real
// mosquitto, each behind a proxy that delays its traffic 2 to 20 ms each way
// (this kernel has no netem for network namespaces to add latency with), three applications from a signed application file, and
// `edgeml request`'s client keeping up a load. Labelled `long`: each test
// takes 10 to 40 seconds.
#include <signal.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "client/request_client.h"
#include "cluster/cluster_status.h"
#include "protocol/topics.h"
#include "convert/tflite_writer.h"
#include "serve/deploy_keys.h"
#include "support/sample_models.h"
#include "support/tcp_proxy.h"
#include "support/test_support.h"

namespace edgeml::cluster {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using client::RequestClient;
using client::RequestClientOptions;
using client::RequestTotals;

constexpr auto kWait = 40s;

struct NodeSpec {
  std::string name, arch, capacity;
  std::chrono::milliseconds delay;  // each way between the node and the broker
};
// Two arm64 nodes, one amd64 and one armhf, of unequal sizes and distances.
const std::vector<NodeSpec> kNodes = {{"n1", "amd64", "cores=2,memory=512MiB", 2ms},
                                      {"n2", "arm64", "cores=1,memory=256MiB", 5ms},
                                      {"n3", "arm64", "cores=2,memory=512MiB", 10ms},
                                      {"n4", "armhf", "cores=1,memory=256MiB", 20ms}};

nlohmann::json application_file(const std::string& tutorial_models_extra = "",
                                nlohmann::json heavy_models = {"multi_var_LR", "single_var_LR"}) {
  nlohmann::json tutorial_models = {"multi_var_LR"};
  if (!tutorial_models_extra.empty()) tutorial_models.push_back(tutorial_models_extra);
  return {{"cluster", "lab"},
          {"models_dir", "models"},
          {"applications",
           {{{"name", "tutorial"},
             {"models", tutorial_models},
             {"requests", "request/+/+/+"},
             {"replicas", {{"min", 1}, {"max", 3}}},
             {"per_replica", {{"memory_mib", 64}, {"cores", 0.5}}},
             {"scaling", {{"requests_per_s", 30}, {"window_s", 2}, {"scale_down_window_s", 3}}}},
            {{"name", "arm"},
             {"models", {"single_var_LR"}},
             {"requests", "request/arm/+/+"},
             {"replicas", 2},
             {"per_replica", {{"memory_mib", 64}, {"cores", 0.5}}},
             {"constraints", {{"arch", "arm64"}}}},
            {{"name", "heavy"},
             {"models", heavy_models},
             {"requests", "request/heavy/+/+"},
             {"replicas", 2},
             {"per_replica", {{"memory_mib", 128}, {"cores", 1}}}}}}};
}

std::map<std::string, Resources> capacities() {
  return {{"n1", {512, 2}}, {"n2", {256, 1}}, {"n3", {512, 2}}, {"n4", {256, 1}}};
}

class ClusterNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    EDGEML_REQUIRE_SHARED("models/seed-tflite/multi_var_LR.tflite");
    broker_ = test::start_broker(dir_.path());
    fs::create_directories(dir_ / "models");
    for (const char* model : {"multi_var_LR", "single_var_LR"})
      fs::copy_file(test::shared_file(fmt::format("models/seed-tflite/{}.tflite", model)),
                    dir_ / "models" / fmt::format("{}.tflite", model));
    serve::write_new_key_pair(dir_ / "keys");
    watcher_ = std::make_unique<mq::Client>(test::client_options(*broker_, "cluster-watcher"));
    watcher_->set_message_handler([this](std::string_view topic, std::string_view payload) {
      std::lock_guard lock(mutex_);
      status_.take(topic, payload);
    });
    for (const std::string& filter : status_.topic_filters()) watcher_->add_subscription(filter, 1);
    watcher_->connect();
    for (const NodeSpec& n : kNodes) start_node(n);
    apply(file_);
  }

  void start_node(const NodeSpec& n) {
    fs::create_directories(dir_ / n.name);
    auto proxy = std::make_unique<test::TcpProxy>("127.0.0.1", broker_->port(), n.delay);
    std::vector<std::string> args = {"serve", "--port", std::to_string(proxy->port()), "--cluster", "lab", "--node",
                                     n.name, "--models", (dir_ / n.name).string(), "--labels", "arch=" + n.arch,
                                     "--capacity", n.capacity, "--deploy-key", (dir_ / "keys" / "deploy.pub").string(),
                                     "--stats-interval", "0.5", "--no-monitoring"};
    if (n.name == "n1") args.insert(args.end(), n1_args_.begin(), n1_args_.end());
    nodes_.insert_or_assign(n.name, test::run_edgeml(args, dir_ / (n.name + ".log")));
    proxies_.push_back(std::move(proxy));
  }

  void apply(const nlohmann::json& file) {
    std::ofstream(dir_ / "apps.json") << file.dump(2);
    Process apply = test::run_edgeml({"cluster", "apply", (dir_ / "apps.json").string(), "--port",
                                      std::to_string(broker_->port()), "--sign-key", (dir_ / "keys" / "deploy.key").string()},
                                     dir_ / "apply.log");
    ASSERT_EQ(apply.wait_for(kWait), 0) << test::read_file(dir_ / "apply.log");
  }

  template <typename F>
  auto with_status(F&& f) {
    std::lock_guard lock(mutex_);
    return f(status_);
  }

  bool converged_without(const std::string& node, std::int64_t signed_after = 0) {
    return with_status([&](const ClusterStatus& s) {
      if (!s.converged() || !s.applications() || s.applications()->signed_at_ms <= signed_after) return false;
      for (const auto& [app, p] : s.placement()->applications)
        for (const std::string& host : p.nodes)
          if (host == node) return false;
      return true;
    });
  }

  std::string describe() {
    return with_status([](const ClusterStatus& s) { return s.table(); });
  }

  std::vector<std::string> hosts(const std::string& app) {
    return with_status([&](const ClusterStatus& s) {
      return s.placement() && s.placement()->applications.count(app) ? s.placement()->applications.at(app).nodes
                                                                       : std::vector<std::string>{};
    });
  }

  int wanted(const std::string& app) {
    return with_status([&](const ClusterStatus& s) {
      return s.placement() && s.placement()->applications.count(app) ? s.placement()->applications.at(app).wanted : 0;
    });
  }

  // Requests spread over the three applications' topics, at `rate`, until
  // `count` are sent or `stop` is set.
  RequestTotals load(std::uint64_t count, double rate, const std::vector<SeriesId>& series, std::atomic<bool>* stop,
                     std::atomic<std::uint64_t>* ended = nullptr, int concurrency = 16) {
    RequestClientOptions options;
    options.client = test::client_options(*broker_, "");
    options.client.mqtt_version = 5;
    options.concurrency = concurrency;
    options.rate = rate;
    options.timeout = 1s;
    options.retries = 20;  // 20 s of re-sends: a killed node's share is re-placed well within
    RequestClient client(options);
    client.connect();
    std::uint64_t sent = 0;
    return client.run(
        [&](Request& r) {
          if (sent == count) return false;
          r.series = series[sent % series.size()];
          r.index = static_cast<double>(sent++ % 5000);
          r.value = 231;
          r.threshold = 230;
          return true;
        },
        [&](const auto&) {
          if (ended) ++*ended;
        },
        stop);
  }

  static void expect_none_lost(const RequestTotals& t, std::uint64_t count) {
    EXPECT_EQ(t.sent, count);
    EXPECT_EQ(t.answered, count) << "errors " << t.errors << ", timeouts " << t.timeouts;
    EXPECT_EQ(t.timeouts, 0u) << "requests lost";
    EXPECT_EQ(t.errors, 0u);
  }

  // Set before SetUp() by a test's fixture.
  std::vector<std::string> n1_args_;
  nlohmann::json file_ = application_file();
  test::TempDir dir_;
  std::unique_ptr<mq::Broker> broker_;
  std::vector<std::unique_ptr<test::TcpProxy>> proxies_;
  std::map<std::string, Process> nodes_;  // after the proxies: the nodes go first
  std::mutex mutex_;
  ClusterStatus status_{"lab"};
  std::unique_ptr<mq::Client> watcher_;
};

const std::vector<SeriesId> kAllApps = {{"1160629000", "121", "308"}, {"arm", "1", "1"}, {"heavy", "1", "1"}};

TEST_F(ClusterNodes, PlacementRespectsCapacitiesAndConstraints) {
  ASSERT_TRUE(test::wait_until([&] { return with_status([](const ClusterStatus& s) { return s.converged(); }); }, kWait))
      << describe();
  std::cout << describe();
  std::map<std::string, Resources> used;
  std::map<std::string, std::string> arch;
  for (const NodeSpec& n : kNodes) arch[n.name] = n.arch;
  nlohmann::json file = application_file();
  for (const auto& app : file["applications"]) {
    std::vector<std::string> placed = hosts(app["name"]);
    EXPECT_EQ(static_cast<int>(placed.size()), app["name"] == "tutorial" ? 1 : 2) << app["name"];
    for (const std::string& node : placed) {
      used[node].memory_mib += app["per_replica"]["memory_mib"].get<double>();
      used[node].cores += app["per_replica"]["cores"].get<double>();
      if (app.contains("constraints")) {
        EXPECT_EQ(arch[node], "arm64") << app["name"] << " on " << node;
      }
    }
  }
  for (const auto& [node, capacity] : capacities()) {
    EXPECT_LE(used[node].memory_mib, capacity.memory_mib) << node;
    EXPECT_LE(used[node].cores, capacity.cores) << node;
  }
  std::atomic<bool> stop{false};
  expect_none_lost(load(300, 0, kAllApps, &stop), 300);
}

TEST_F(ClusterNodes, AKilledNodesReplicasRunElsewhereWithinTenSecondsAndNoRequestIsLost) {
  ASSERT_TRUE(test::wait_until([&] { return with_status([](const ClusterStatus& s) { return s.converged(); }); }, kWait))
      << describe();
  const std::string victim = hosts("heavy").front();
  const std::uint64_t count = 3000;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> ended{0};
  RequestTotals totals;
  std::thread sending([&] { totals = load(count, 150, kAllApps, &stop, &ended); });
  EXPECT_TRUE(test::wait_until([&] { return ended >= count / 4; }, kWait));
  // The whole node dies at once, its replicas with it, as when it loses
  // power; frozen first, so that requests are surely in its replicas' hands.
  kill_process_tree(nodes_.at(victim).pid(), 200ms);
  const auto killed = std::chrono::steady_clock::now();
  EXPECT_TRUE(test::wait_until([&] { return converged_without(victim); }, kWait)) << describe();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  std::cout << fmt::format("{} killed: its replicas serve elsewhere after {:.2f} s\n", victim, seconds) << describe();
  EXPECT_LE(seconds, 10.0);
  EXPECT_TRUE(test::wait_until([&] { return ended == count; }, 60s)) << ended << " ended";
  stop = true;
  sending.join();
  std::cout << fmt::format("sent {}, answered {}, retried {}, timeouts {}\n", totals.sent, totals.answered, totals.retried,
                           totals.timeouts);
  expect_none_lost(totals, count);
  EXPECT_GT(totals.retried, 0u) << "nothing was in the killed node's hands: the test shows nothing";
}

TEST_F(ClusterNodes, ALoadStepAddsReplicasAndTheyGoWhenItEnds) {
  ASSERT_TRUE(test::wait_until([&] { return with_status([](const ClusterStatus& s) { return s.converged(); }); }, kWait))
      << describe();
  ASSERT_EQ(wanted("tutorial"), 1);
  std::atomic<bool> stop{false};
  RequestTotals totals;
  const auto step = std::chrono::steady_clock::now();
  std::thread sending([&] { totals = load(1'000'000, 200, {kAllApps[0]}, &stop); });
  EXPECT_TRUE(test::wait_until([&] { return wanted("tutorial") >= 2; }, 30s)) << describe();
  const double up = std::chrono::duration<double>(std::chrono::steady_clock::now() - step).count();
  EXPECT_TRUE(test::wait_until([&] { return with_status([](const ClusterStatus& s) { return s.converged(); }); }, kWait));
  std::cout << fmt::format("200 req/s against a target of 30 per replica: {} replicas after {:.1f} s\n",
                           wanted("tutorial"), up) << describe();
  stop = true;
  sending.join();
  const auto end = std::chrono::steady_clock::now();
  EXPECT_TRUE(test::wait_until([&] { return wanted("tutorial") == 1; }, 30s)) << describe();
  std::cout << fmt::format("the load ended: back to 1 replica after {:.1f} s\n",
                           std::chrono::duration<double>(std::chrono::steady_clock::now() - end).count());
  EXPECT_EQ(totals.timeouts, 0u);
  EXPECT_EQ(totals.errors, 0u);
}

TEST_F(ClusterNodes, ANewVersionOfTheFileConvergesWithNoRequestLost) {
  ASSERT_TRUE(test::wait_until([&] { return with_status([](const ClusterStatus& s) { return s.converged(); }); }, kWait))
      << describe();
  const std::int64_t first = with_status([](const ClusterStatus& s) { return s.applications()->signed_at_ms; });
  const std::uint64_t count = 2000;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> ended{0};
  RequestTotals totals;
  std::thread sending([&] { totals = load(count, 150, kAllApps, &stop, &ended); });
  EXPECT_TRUE(test::wait_until([&] { return ended >= count / 4; }, kWait));
  // The tutorial's application gains a model, arm loses a replica, heavy a model.
  nlohmann::json file = application_file("single_var_LR", {"multi_var_LR"});
  file["applications"][1]["replicas"] = 1;
  apply(file);
  EXPECT_TRUE(test::wait_until([&] { return converged_without("", first); }, kWait)) << describe();
  EXPECT_EQ(hosts("arm").size(), 1u);
  auto holds_single_var = [&](const std::string& node) {
    for (const auto& entry : fs::directory_iterator(dir_ / node / "heavy"))
      if (entry.path().filename().string().starts_with("single_var_LR")) return true;
    return false;
  };
  for (const std::string& node : hosts("heavy"))
    EXPECT_TRUE(test::wait_until([&] { return !holds_single_var(node); }, kWait)) << node << " still has single_var_LR";
  EXPECT_TRUE(test::wait_until([&] { return ended == count; }, 60s)) << ended << " ended";
  stop = true;
  sending.join();
  expect_none_lost(totals, count);
}

// n1 holds a queue of one request: at full speed it is full most of the time.
class ClusterHandOff : public ClusterNodes {
 protected:
  ClusterHandOff() {
    n1_args_ = {"--queue", "1"};
    fs::create_directories(dir_ / "models");
    convert::write_tflite_file(test::sample_wide_network(1536), dir_ / "models" / "wide.tflite");  // ~1 ms a request
    file_ = application_file("", {"wide"});
  }
};

TEST_F(ClusterHandOff, AReplicaWhoseQueueIsFullHandsRequestsToItsPeersInsteadOfRefusingThem) {
  ASSERT_TRUE(test::wait_until([&] { return with_status([](const ClusterStatus& s) { return s.converged(); }); }, kWait))
      << describe();
  std::vector<std::string> heavy = hosts("heavy");
  ASSERT_NE(std::find(heavy.begin(), heavy.end(), "n1"), heavy.end()) << describe();
  std::atomic<std::uint64_t> handed_off{0};
  mq::Client stats(test::client_options(*broker_, "stats-watcher"));
  stats.set_message_handler([&](std::string_view, std::string_view payload) {
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (j.is_object() && j.contains("handed_off")) handed_off = j["handed_off"].get<std::uint64_t>();
  });
  stats.add_subscription(node_stats_topic(cluster_replica_node("n1", "heavy")), 0);
  stats.connect();
  const std::uint64_t count = 5000;
  std::atomic<bool> stop{false};
  RequestTotals totals = load(count, 0, {kAllApps[2]}, &stop, nullptr, 64);
  EXPECT_TRUE(test::wait_until([&] { return handed_off > 0; }, 10s)) << test::read_file(dir_ / "n1.log");
  std::cout << fmt::format("{} requests at full speed, 64 in flight: n1.heavy (a queue of 1) handed {} to its peer; "
                           "answered {}, errors {}, timeouts {}\n",
                           count, handed_off.load(), totals.answered, totals.errors, totals.timeouts);
  EXPECT_EQ(totals.errors, 0u) << "requests refused as overloaded";
  EXPECT_EQ(totals.answered, count);
}

}  // namespace
}  // namespace edgeml::cluster
