// edgeml collect: store every alarm event from the broker in SQLite (and CSV).
#include <chrono>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/common.h"
#include "core/error.h"
#include "ingest/collector.h"

namespace edgeml::cli {

namespace {

struct CollectArgs {
  mqtt::ClientOptions client;
  ingest::CollectorOptions collector;
  std::string db = "edgeml.db";
  std::string csv;
  bool until_finish = false;
  bool clean = false;
};

// Until a stop signal (or alarm/finish), with a progress line on a terminal.
void wait_for_end(const ingest::Collector& collector, bool until_finish) {
  const bool show = stderr_is_terminal();
  auto start = std::chrono::steady_clock::now();
  auto next_show = start;
  while (!g_stop && !(until_finish && collector.finish_seen())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto now = std::chrono::steady_clock::now();
    if (!show || now < next_show) continue;
    next_show = now + std::chrono::milliseconds(500);
    ingest::CollectorCounts n = collector.counts();
    double secs = std::chrono::duration<double>(now - start).count();
    fmt::print(stderr, "\rstored {}  duplicates {}  rejected {}  {:.0f}/s   ", n.stored, n.duplicates, n.rejected,
               static_cast<double>(n.received) / secs);
  }
  if (show) fmt::print(stderr, "\n");
}

void run_collect(CollectArgs& args) {
  auto& conn = args.client.connection;
  if (conn.client_id.empty()) conn.client_id = mqtt::default_client_id("collector");
  // A persistent session: the broker keeps what arrives while we are away.
  args.client.clean_session = args.clean;

  ingest::EventStore store(args.db);
  std::unique_ptr<ingest::CsvMirror> csv;
  if (!args.csv.empty()) csv = std::make_unique<ingest::CsvMirror>(args.csv, store);
  ingest::Collector collector(store, csv.get(), args.collector);

  install_stop_handlers();
  mqtt::Client client(args.client);
  collector.attach(client);
  client.connect();
  spdlog::info("collecting {} from {} into {}{}", fmt::join(args.collector.topics, ", "), conn.uri(), args.db,
               csv ? " and " + args.csv : "");
  wait_for_end(collector, args.until_finish);
  client.disconnect();

  ingest::CollectorCounts n = collector.counts();
  fmt::print("collected {} new events ({} duplicates, {} rejected); {} holds {} events and {} rejects\n", n.stored,
             n.duplicates, n.rejected, args.db, store.event_count(), store.reject_count());
  if (n.store_errors > 0) throw Error(fmt::format("{} events could not be written; see the log", n.store_errors));
}

}  // namespace

void add_collect_command(CLI::App& app) {
  auto args = std::make_shared<CollectArgs>();
  auto* cmd = app.add_subcommand("collect", "subscribe to alarm events and store each once in SQLite and/or CSV");
  add_connection_options(*cmd, args->client);
  cmd->add_option("--db", args->db, "SQLite database (WAL mode); always kept, it makes each event stored once")
      ->capture_default_str();
  cmd->add_option("--csv", args->csv, "also write the tutorial's CSV, a mirror of the database");
  cmd->add_option("--topic", args->collector.topics, "topic filter (repeatable)")->capture_default_str();
  cmd->add_option("--qos", args->collector.qos, "subscription QoS")->check(CLI::Range(0, 2))->capture_default_str();
  cmd->add_flag("--until-finish", args->until_finish, "stop when alarm/finish arrives");
  cmd->add_flag("--clean", args->clean, "start a clean session (forget what the broker kept for us)");
  cmd->footer(
      "The default --client-id is the same for every collector on this host, so that a restarted\n"
      "collector resumes its session: give each collector running at the same time its own.");
  cmd->callback([args] { run_collect(*args); });
}

}  // namespace edgeml::cli
