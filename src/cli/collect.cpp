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
  while (!g_stop && !(args.until_finish && collector.finish_seen()))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
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
  cmd->add_option("--db", args->db, "SQLite database (WAL mode)")->capture_default_str();
  cmd->add_option("--csv", args->csv, "also write the tutorial's CSV, a mirror of the database");
  cmd->add_option("--topic", args->collector.topics, "topic filter (repeatable)")->capture_default_str();
  cmd->add_option("--qos", args->collector.qos, "subscription QoS")->check(CLI::Range(0, 2))->capture_default_str();
  cmd->add_flag("--until-finish", args->until_finish, "stop when alarm/finish arrives");
  cmd->add_flag("--clean", args->clean, "start a clean session (forget what the broker kept for us)");
  cmd->callback([args] { run_collect(*args); });
}

}  // namespace edgeml::cli
