// bench_cluster: what an edge cluster of 4, 8 and 16 nodes costs as it grows
// (issue 21): the time from `edgeml cluster apply` to every replica serving,
// the time from a node's death to its replicas serving elsewhere, and the
// requests lost meanwhile, each beside its floor measured in the same run:
//   - convergence beside one `edgeml serve` started alone on the same models
//     (a replica can be no faster than its own process start);
//   - re-placement beside the broker's Last Will (no node can know of the
//     death before the broker tells it);
//   - requests lost with `edgeml request`'s re-sends beside the same load sent
//     without them.
// Every node is an `edgeml serve --cluster` process, with its replicas, on one
// mosquitto; half the nodes are labelled arm64, half amd64.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "client/request_client.h"
#include "cluster/cluster_status.h"
#include "core/error.h"
#include "core/logging.h"
#include "core/process.h"
#include "core/temp_dir.h"
#include "mqtt/broker.h"
#include "protocol/topics.h"
#include "serve/deploy_keys.h"

namespace edgeml::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kWait = 120s;

struct Options {
  std::vector<int> nodes = {4, 8, 16};
  double rate = 100;  // requests per second, per client (two clients: with and without re-sends)
  std::string edgeml = EDGEML_BINARY;
  std::string models = EDGEML_MODELS_DIR;
  std::string dir;  // keep logs here instead of a temporary directory
};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto until = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// Replicas grow with the cluster, about one per node: the tutorial's
// application on half the nodes, an arm64-only one and a two-model one on a
// quarter each.
nlohmann::json application_file(int nodes) {
  auto app = [](const char* name, nlohmann::json models, const char* requests, int replicas) {
    return nlohmann::json{{"name", name}, {"models", models}, {"requests", requests}, {"replicas", replicas},
                          {"per_replica", {{"memory_mib", 64}, {"cores", 0.5}}}};
  };
  nlohmann::json arm = app("arm", {"single_var_LR"}, "request/arm/+/+", std::max(1, nodes / 4));
  arm["constraints"] = {{"arch", "arm64"}};
  return {{"cluster", "bench"},
          {"models_dir", "models"},
          {"applications",
           {app("tutorial", {"multi_var_LR"}, "request/+/+/+", nodes / 2), arm,
            app("heavy", {"multi_var_LR", "single_var_LR"}, "request/heavy/+/+", std::max(1, nodes / 4))}}};
}

struct Row {
  int nodes = 0, replicas = 0;
  double converge_s = 0, one_server_s = 0;
  double replaced_s = 0, will_s = 0;
  std::uint64_t sent = 0, lost_with_resends = 0, lost_without = 0;
};

class ClusterRun {
 public:
  ClusterRun(const Options& o, const fs::path& dir, int nodes) : o_(o), dir_(dir), nodes_(nodes) {
    mq::BrokerConfig config;
    config.port = 0;
    config.data_dir = dir_ / "broker";
    broker_ = std::make_unique<mq::Broker>(config);
    broker_->start();
    fs::create_directories(dir_ / "models");
    for (const char* model : {"multi_var_LR", "single_var_LR"})
      fs::copy_file(fs::path(o_.models) / fmt::format("{}.tflite", model), dir_ / "models" / fmt::format("{}.tflite", model));
    serve::write_new_key_pair(dir_ / "keys");
    watcher_ = std::make_unique<mq::Client>(client("bench-cluster-watcher"));
    watcher_->set_message_handler([this](std::string_view topic, std::string_view payload) {
      std::lock_guard lock(mutex_);
      status_.take(topic, payload);
      NodeAnnouncement a;
      if (parse_node_announcement(payload, a) && a.state == "gone" && !gone_at_.count(a.node)) gone_at_[a.node] = Clock::now();
    });
    for (const std::string& filter : status_.topic_filters()) watcher_->add_subscription(filter, 1);
    watcher_->connect();
  }

  template <typename F>
  decltype(auto) with_status(F&& f) {
    std::lock_guard lock(mutex_);
    return f(status_);
  }

  mq::ClientOptions client(const std::string& id) const {
    mq::ClientOptions c;
    c.connection.host = broker_->address();
    c.connection.port = broker_->port();
    c.connection.client_id = id;
    return c;
  }

  Process edgeml(std::vector<std::string> args, const std::string& log) const {
    args.insert(args.begin(), o_.edgeml);
    return Process(args, (dir_ / log).string());
  }

  // One `edgeml serve` alone on the models: from its start to its "online"
  // (published once its models are loaded and its subscriptions made).
  double one_server_start() {
    std::atomic<bool> online{false};
    mq::Client status(client("bench-cluster-alone-watcher"));
    status.set_message_handler([&](std::string_view, std::string_view payload) { online = online || payload == "online"; });
    status.add_subscription(node_status_topic("alone"), 1);
    status.connect();
    const auto start = Clock::now();
    Process server = edgeml({"serve", "--port", std::to_string(broker_->port()), "--models", (dir_ / "models").string(),
                             "--node", "alone", "--group", "alone", "--no-monitoring"},
                            "alone.log");
    bool started = wait_until([&] { return online.load(); }, kWait);
    double seconds = seconds_since(start);
    server.stop(SIGTERM, 5s);
    status.disconnect();
    if (!started) throw Error("the lone server did not come online; see alone.log");
    return seconds;
  }

  void start_nodes() {
    for (int i = 0; i < nodes_; ++i) {
      std::string name = fmt::format("n{:02}", i);
      fs::create_directories(dir_ / name);
      nodes_by_name_.emplace(
          name, edgeml({"serve", "--port", std::to_string(broker_->port()), "--cluster", "bench", "--node", name,
                        "--models", (dir_ / name).string(), "--labels", i % 2 ? "arch=arm64" : "arch=amd64",
                        "--capacity", "cores=2,memory=512MiB", "--deploy-key", (dir_ / "keys" / "deploy.pub").string(),
                        "--stats-interval", "1", "--no-monitoring"},
                       name + ".log"));
    }
    if (!wait_until([&] { return with_status([&](const cluster::ClusterStatus& s) { return live(s) == nodes_; }); }, kWait))
      throw Error(fmt::format("not all {} nodes announced themselves", nodes_));
  }

  int live(const cluster::ClusterStatus& s) const {
    int n = 0;
    for (const auto& [id, a] : s.nodes()) n += a.up();
    return n;
  }

  double apply() {
    std::ofstream(dir_ / "apps.json") << application_file(nodes_).dump(2);
    const auto start = Clock::now();
    Process apply = edgeml({"cluster", "apply", (dir_ / "apps.json").string(), "--port", std::to_string(broker_->port()),
                            "--sign-key", (dir_ / "keys" / "deploy.key").string()},
                           "apply.log");
    if (apply.wait_for(kWait) != 0) throw Error("edgeml cluster apply failed; see apply.log");
    if (!wait_until([&] { return with_status([](const cluster::ClusterStatus& s) { return s.converged(); }); }, kWait))
      throw Error(fmt::format("{} nodes did not converge within {} s", nodes_, kWait.count()));
    return seconds_since(start);
  }

  // Kills, under load, a node running a tutorial replica: its process and its
  // replicas at once, frozen first so that requests are in their hands.
  void kill_under_load(Row& row) {
    std::string victim = with_status([](const cluster::ClusterStatus& s) {
      return s.placement()->applications.at("tutorial").nodes.back();
    });
    std::atomic<bool> stop{false};
    std::array<client::RequestTotals, 2> totals;
    std::array<std::atomic<std::uint64_t>, 2> ended{};
    const std::uint64_t count = static_cast<std::uint64_t>(o_.rate * 12);
    std::vector<std::thread> loads;
    for (int resends : {1, 0})
      loads.emplace_back([&, resends] { totals[resends] = load(count, resends ? 30 : 0, &stop, &ended[resends]); });
    wait_until([&] { return ended[0] >= count / 4 && ended[1] >= count / 4; }, kWait);
    kill_process_tree(nodes_by_name_.at(victim).pid(), 200ms);
    const auto killed = Clock::now();
    bool replaced = wait_until([&] { return converged_without(victim); }, kWait);
    row.replaced_s = replaced ? seconds_since(killed) : -1;
    row.will_s = with_status([&](const cluster::ClusterStatus&) {
      auto it = gone_at_.find(victim);
      return it == gone_at_.end() ? -1.0 : std::chrono::duration<double>(it->second - killed).count();
    });
    wait_until([&] { return ended[0] == count && ended[1] == count; }, kWait);
    stop = true;
    for (std::thread& t : loads) t.join();
    row.sent = totals[1].sent;
    row.lost_with_resends = totals[1].sent - totals[1].answered;
    row.lost_without = totals[0].sent - totals[0].answered;
  }

  void stop_nodes() {
    for (auto& [name, node] : nodes_by_name_) node.signal(SIGTERM);
    for (auto& [name, node] : nodes_by_name_) node.stop(SIGTERM, 10s);
  }

 private:
  bool converged_without(const std::string& node) {
    return with_status([&](const cluster::ClusterStatus& s) {
      if (!s.converged()) return false;
      for (const auto& [app, p] : s.placement()->applications)
        if (std::find(p.nodes.begin(), p.nodes.end(), node) != p.nodes.end()) return false;
      return true;
    });
  }

  client::RequestTotals load(std::uint64_t count, int retries, std::atomic<bool>* stop, std::atomic<std::uint64_t>* ended) {
    client::RequestClientOptions options;
    options.client = client("");
    options.client.mqtt_version = 5;
    options.concurrency = 16;
    options.rate = o_.rate;
    options.timeout = 1s;
    options.retries = retries;
    client::RequestClient requester(options);
    requester.connect();
    std::uint64_t sent = 0;
    return requester.run(
        [&](Request& r) {
          if (sent == count) return false;
          r.series = {"1160629000", "121", "308"};
          r.index = static_cast<double>(sent++ % 5000);
          r.value = 231;
          r.threshold = 230;
          return true;
        },
        [&](const auto&) { ++*ended; }, stop);
  }

  const Options& o_;
  fs::path dir_;
  int nodes_;
  std::unique_ptr<mq::Broker> broker_;
  std::unique_ptr<mq::Client> watcher_;
  std::mutex mutex_;
  cluster::ClusterStatus status_{"bench"};
  std::map<std::string, Clock::time_point> gone_at_;
  std::map<std::string, Process> nodes_by_name_;
};

Row measure(const Options& o, const fs::path& dir, int nodes) {
  ClusterRun run(o, dir, nodes);
  Row row;
  row.nodes = nodes;
  const nlohmann::json file = application_file(nodes);
  for (const auto& app : file["applications"]) row.replicas += app["replicas"].get<int>();
  row.one_server_s = run.one_server_start();
  run.start_nodes();
  row.converge_s = run.apply();
  run.kill_under_load(row);
  run.stop_nodes();
  return row;
}

void print(const std::vector<Row>& rows) {
  // Re-placement's floor: the broker's Last Will, then one server's start.
  fmt::print("\n{:>5} {:>8} | {:>10} {:>10} {:>6} | {:>10} {:>8} {:>12} {:>6} | {:>6} {:>14} {:>14}\n", "nodes",
             "replicas", "converge s", "1 server s", "ratio", "re-place s", "Will s", "Will+start s", "ratio", "sent",
             "lost, re-sends", "lost, none");
  for (const Row& r : rows) {
    const double floor = r.will_s + r.one_server_s;
    fmt::print("{:>5} {:>8} | {:>10.2f} {:>10.2f} {:>6.2f} | {:>10.2f} {:>8.3f} {:>12.2f} {:>6.2f} | {:>6} {:>14} {:>14}\n",
               r.nodes, r.replicas, r.converge_s, r.one_server_s, r.converge_s / r.one_server_s, r.replaced_s, r.will_s,
               floor, r.replaced_s / floor, r.sent, r.lost_with_resends, r.lost_without);
  }
}

int run(const Options& o) {
  fs::path root = o.dir.empty() ? make_unique_dir(fs::temp_directory_path(), "bench-cluster") : fs::path(o.dir);
  fmt::print("bench_cluster: {} cores; nodes {}; {} req/s with re-sends and {} without; logs in {}\n",
             std::thread::hardware_concurrency(), fmt::join(o.nodes, ", "), o.rate, o.rate, root.string());
  std::vector<Row> rows;
  for (int n : o.nodes) {
    rows.push_back(measure(o, root / fmt::format("nodes-{}", n), n));
    fmt::print("{} nodes measured\n", n);
    std::fflush(stdout);
  }
  print(rows);
  if (o.dir.empty()) fs::remove_all(root);
  for (const Row& r : rows)
    if (r.lost_with_resends > 0 || r.replaced_s < 0) return 1;
  return 0;
}

}  // namespace
}  // namespace edgeml::bench

int main(int argc, char** argv) {
  edgeml::bench::Options o;
  CLI::App app{"bench_cluster: convergence, re-placement and requests lost at 4, 8 and 16 cluster nodes"};
  app.add_option("--nodes", o.nodes, "cluster sizes to measure")->capture_default_str();
  app.add_option("--rate", o.rate, "requests per second of each of the two clients")->capture_default_str();
  app.add_option("--edgeml", o.edgeml, "the edgeml binary")->capture_default_str();
  app.add_option("--models", o.models, "directory with multi_var_LR.tflite and single_var_LR.tflite")->capture_default_str();
  app.add_option("--dir", o.dir, "keep every log here");
  CLI11_PARSE(app, argc, argv);
  edgeml::setup_logging("warn");
  try {
    return edgeml::bench::run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cluster: %s\n", e.what());
    return 1;
  }
}
