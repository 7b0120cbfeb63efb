// edgeml status: a table of the edge nodes, their models, online accuracy,
// latency and data quality, from the retained topics their servers and
// collectors publish (client/fleet_status.h), redrawn until Ctrl-C or once;
// with --http, the same live as a web page (client/fleet_page.h), and with
// --cluster, the cluster's applications too (cluster/cluster_status.h).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "client/fleet_page.h"
#include "client/fleet_status.h"
#include "client/latency_history.h"
#include "cluster/cluster_status.h"
#include "protocol/topics.h"

namespace edgeml::cli {

namespace {

using nlohmann::json;
using Clock = client::FleetStatus::Clock;

struct StatusArgs {
  mq::ClientOptions client;
  double interval_s = 2;
  bool once = false;
  double wait_s = 2;
  bool json = false;
  std::string cluster;
  int http_port = -1;  // none: no page
  std::string http_host = "127.0.0.1";
  std::string http_port_file;
};

// Filled on Paho's receive thread, drawn from the main thread.
class GatheredStatus {
 public:
  // `cluster` empty: no cluster's topics.
  explicit GatheredStatus(const std::string& cluster) {
    if (!cluster.empty()) cluster_.emplace(cluster);
  }
  std::vector<std::string> topic_filters() const {
    std::vector<std::string> filters = client::FleetStatus::topic_filters();
    if (cluster_)
      for (std::string& filter : cluster_->topic_filters()) filters.push_back(std::move(filter));
    return filters;
  }
  void take(std::string_view topic, std::string_view payload) {
    const Clock::time_point now = Clock::now();
    std::lock_guard lock(mutex_);
    if (cluster_ && topic.starts_with(kClusterPrefix)) return cluster_->take(topic, payload);
    fleet_.take(topic, payload, now);
    history_.take(topic, fleet_, now);
  }
  bool empty() const {
    std::lock_guard lock(mutex_);
    return fleet_.empty() && (!cluster_ || cluster_->empty());
  }
  std::string table(const std::string& broker) const {
    std::lock_guard lock(mutex_);
    std::string text = client::fleet_table(fleet_, broker, Clock::now());
    return cluster_ ? text + '\n' + cluster_->table() : text;
  }
  std::string json_line(const std::string& broker) const { return dumped(page_json(broker, false)) + '\n'; }
  // What the fleet page draws (/fleet.json).
  std::string page_text(const std::string& broker) const { return dumped(page_json(broker, true)); }

 private:
  static std::string dumped(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }
  json page_json(const std::string& broker, bool with_history) const {
    const Clock::time_point now = Clock::now();
    std::lock_guard lock(mutex_);
    json out = client::fleet_page_json(fleet_, history_, now, cluster_ ? json(cluster_->to_json()) : json());
    if (!with_history) out.erase("latency_history");
    if (!cluster_) out.erase("cluster");
    out["broker"] = broker;
    return out;
  }

  mutable std::mutex mutex_;
  client::FleetStatus fleet_;
  client::LatencyHistory history_;
  std::optional<cluster::ClusterStatus> cluster_;
};

// Sleeps up to `seconds`, waking early on a stop signal.
void pause(double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::llround(seconds * 1000));
  while (!g_stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

void print_once(const GatheredStatus& gathered, const StatusArgs& a, const std::string& broker) {
  pause(a.wait_s);  // retained messages arrive soon after subscribing; the wait bounds "soon"
  if (gathered.empty()) fmt::print(a.json ? stderr : stdout, "no edgeml nodes seen on {} within {} s\n", broker, a.wait_s);
  if (a.json) fmt::print("{}", gathered.json_line(broker));
  else if (!gathered.empty()) fmt::print("{}", gathered.table(broker));
}

// A terminal is cleared and drawn over; anything else gets one table after another.
void print_live(const GatheredStatus& gathered, const StatusArgs& a, const mq::Client& client,
                const std::string& broker) {
  const bool terminal = isatty(STDOUT_FILENO) == 1;
  bool first = true;
  while (!g_stop) {
    std::string text = a.json ? gathered.json_line(broker) : gathered.table(broker);
    if (!client.connected()) text += "(not connected to the broker; reconnecting)\n";
    if (terminal && !a.json) text = "\x1b[H\x1b[2J" + text;
    else if (!first && !a.json) text = '\n' + text;
    fmt::print("{}", text);
    std::fflush(stdout);
    first = false;
    pause(a.interval_s);
  }
}

// Serves the fleet page until Ctrl-C; its URL goes to stdout, its port to
// --http-port-file.
void serve_page(const GatheredStatus& gathered, const StatusArgs& a, const mq::Client& client,
                const std::string& broker) {
  client::FleetPageServer page(a.http_host, a.http_port,
                               {[&] { return gathered.page_text(broker); },
                                [&](std::string& why) {
                                  if (client.connected()) return true;
                                  why = "not connected to the MQTT broker " + broker;
                                  return false;
                                }});
  if (!a.http_port_file.empty()) write_port_file(a.http_port_file, page.port());
  const bool v6 = a.http_host.find(':') != std::string::npos;
  fmt::print("fleet page on http://{}:{}/ (live figures as JSON at /fleet.json; Ctrl-C stops)\n",
             v6 ? "[" + a.http_host + "]" : a.http_host, page.port());
  std::fflush(stdout);
  while (!g_stop) pause(0.2);
}

void run_status(StatusArgs& a) {
  auto& conn = a.client.connection;
  if (conn.client_id.empty()) conn.client_id = fmt::format("{}-{}", mq::default_client_id("status"), ::getpid());
  const std::string broker = fmt::format("{}:{}", conn.host, conn.port);
  GatheredStatus gathered(a.cluster);
  mq::Client client(a.client);
  client.set_message_handler([&gathered](std::string_view topic, std::string_view payload) { gathered.take(topic, payload); });
  for (const std::string& filter : gathered.topic_filters()) client.add_subscription(filter, 0);
  install_stop_handlers();
  client.connect();  // throws Error saying why the broker could not be reached
  if (a.http_port >= 0) serve_page(gathered, a, client, broker);
  else if (a.once) print_once(gathered, a, broker);
  else print_live(gathered, a, client, broker);
  client.disconnect(std::chrono::seconds(1));
}

}  // namespace

void add_status_command(CLI::App& app) {
  auto a = std::make_shared<StatusArgs>();
  a->client.connect_timeout = std::chrono::seconds(5);
  auto* cmd = app.add_subcommand("status", "a live table of the edge nodes, their models, accuracy and data quality");
  add_connection_options(*cmd, a->client);
  cmd->add_option("--interval", a->interval_s, "seconds between redraws")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  auto* once = cmd->add_flag("--once", a->once, "print one table after --wait seconds and exit");
  cmd->add_option("--wait", a->wait_s, "with --once: seconds to gather the retained messages")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "print what was gathered as one JSON object a line instead of tables");
  cmd->add_option("--cluster", a->cluster, "show this edge cluster's applications and nodes too (docs/cluster.md)");
  auto* http = cmd->add_option("--http", a->http_port,
                               "serve a live web page of the fleet on this port (0: a free one) instead of tables")
                   ->check(CLI::Range(0, 65535))
                   ->excludes(once);
  cmd->add_option("--http-host", a->http_host, "address for --http")->capture_default_str()->needs(http);
  cmd->add_option("--http-port-file", a->http_port_file, "write the --http port to this file")->needs(http);
  cmd->footer(fmt::format(
      "Reads {}, {}, {} and\n"
      "{}. A node is STALE when its stats are older than three of its\n"
      "stats intervals. --connect-timeout is 5 s here unless given; an unreachable broker exits 1.\n"
      "--http serves the page at /, what it draws at /fleet.json (the --json object with each node's\n"
      "latency history) and /healthz (503 while the broker is not connected).",
      kNodeStatusFilter, kNodeStatsFilter, kNodeAlertsFilter, kCollectorQualityFilter));
  cmd->callback([a] { run_status(*a); });
}

}  // namespace edgeml::cli
