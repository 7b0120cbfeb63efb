// edgeml status: a table of the edge nodes, their models, online accuracy,
// latency and data quality, from the retained topics their servers and
// collectors publish (serve/fleet_status.h), redrawn until Ctrl-C or once.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "client/fleet_status.h"
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
};

// Filled on Paho's receive thread, drawn from the main thread.
class GatheredStatus {
 public:
  void take(std::string_view topic, std::string_view payload) {
    std::lock_guard lock(mutex_);
    fleet_.take(topic, payload, Clock::now());
  }
  bool empty() const {
    std::lock_guard lock(mutex_);
    return fleet_.empty();
  }
  std::string table(const std::string& broker) const {
    std::lock_guard lock(mutex_);
    return client::fleet_table(fleet_, broker, Clock::now());
  }
  std::string json_line(const std::string& broker) const {
    const Clock::time_point now = Clock::now();
    std::lock_guard lock(mutex_);
    json out = fleet_.to_json(now);
    out["broker"] = broker;
    out["time"] = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::floor<std::chrono::seconds>(now));
    return out.dump(-1, ' ', false, json::error_handler_t::replace) + '\n';
  }

 private:
  mutable std::mutex mutex_;
  client::FleetStatus fleet_;
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

void run_status(StatusArgs& a) {
  auto& conn = a.client.connection;
  if (conn.client_id.empty()) conn.client_id = fmt::format("{}-{}", mq::default_client_id("status"), ::getpid());
  const std::string broker = fmt::format("{}:{}", conn.host, conn.port);
  GatheredStatus gathered;
  mq::Client client(a.client);
  client.set_message_handler([&gathered](std::string_view topic, std::string_view payload) { gathered.take(topic, payload); });
  for (const std::string& filter : client::FleetStatus::topic_filters()) client.add_subscription(filter, 0);
  install_stop_handlers();
  client.connect();  // throws Error saying why the broker could not be reached
  if (a.once) print_once(gathered, a, broker);
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
  cmd->add_flag("--once", a->once, "print one table after --wait seconds and exit");
  cmd->add_option("--wait", a->wait_s, "with --once: seconds to gather the retained messages")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "print what was gathered as one JSON object a line instead of tables");
  cmd->footer(fmt::format(
      "Reads {}, {}, {} and\n"
      "{}. A node is STALE when its stats are older than three of its\n"
      "stats intervals. --connect-timeout is 5 s here unless given; an unreachable broker exits 1.",
      kNodeStatusFilter, kNodeStatsFilter, kNodeAlertsFilter, kCollectorQualityFilter));
  cmd->callback([a] { run_status(*a); });
}

}  // namespace edgeml::cli
