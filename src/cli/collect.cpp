// edgeml collect: store every alarm event from the broker in SQLite or
// PostgreSQL (and CSV), each judged by the data-quality checks first.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/common.h"
#include "core/error.h"
#include "protocol/topics.h"
#include "quality/quality_report.h"
#include "ingest/collector.h"
#include "ingest/open_event_store.h"
#include "mqtt/stream_subscriber.h"

namespace edgeml::cli {

namespace {

struct CollectArgs {
  mq::ClientOptions client;
  ingest::CollectorOptions collector;
  std::string db = "edgeml.db";
  std::string csv;
  std::string node;
  std::string quality_config;
  std::string manifest;
  std::string share;
  std::string partition;
  std::string reader = "paho";
  bool no_quality = false;
  bool until_finish = false;
  bool clean = false;
};

constexpr auto kQualityCountsInterval = std::chrono::seconds(5);

std::unique_ptr<DataQualityMonitor> make_monitor(const CollectArgs& args) {
  if (args.no_quality) return nullptr;
  QualityConfig config = args.quality_config.empty() ? QualityConfig{} : read_quality_config(args.quality_config);
  ReferenceStatistics reference;
  if (args.manifest.empty())
    spdlog::info("no --manifest: the out_of_range and drift checks do not run");
  else
    reference = read_reference_statistics(std::filesystem::path(args.manifest));
  return std::make_unique<DataQualityMonitor>(std::move(config), std::move(reference));
}

// The monitor's counts, retained on collector_quality_topic() (QoS 0:
// the next one follows soon, and the last one is sent before disconnecting).
class QualityCountsPublisher {
 public:
  QualityCountsPublisher(mq::Client& client, const DataQualityMonitor* monitor, const std::string& node)
      : client_(client), monitor_(monitor), topic_(collector_quality_topic(node)) {}

  void publish_due(std::chrono::steady_clock::time_point now) {
    if (!monitor_ || now < next_) return;
    next_ = now + kQualityCountsInterval;
    publish();
  }

  void publish() {
    if (!monitor_ || !client_.connected()) return;
    try {
      client_.publish(topic_, quality_counts_json(monitor_->counts()).dump(), 0, true);
    } catch (const Error& e) {
      spdlog::debug("{}", e.what());
    }
  }

 private:
  mq::Client& client_;
  const DataQualityMonitor* monitor_;
  std::string topic_;
  std::chrono::steady_clock::time_point next_{};
};

// Until a stop signal (or the end marker, kFinishTopic), with a progress line on a terminal.
// A client stuck behind a corrupted receipt starts over here.
void wait_for_end(ingest::Collector& collector, mq::Client& client, bool until_finish,
                  QualityCountsPublisher& quality) {
  const bool show = stderr_is_terminal();
  auto start = std::chrono::steady_clock::now();
  auto next_show = start;
  while (!g_stop && !(until_finish && collector.finish_seen()) && !collector.failure()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (client.recover_if_stuck()) collector.forget_receipts_in_flight();
    auto now = std::chrono::steady_clock::now();
    quality.publish_due(now);
    if (!show || now < next_show) continue;
    next_show = now + std::chrono::milliseconds(500);
    ingest::CollectorCounts n = collector.counts();
    double secs = std::chrono::duration<double>(now - start).count();
    fmt::print(stderr, "\rstored {}  duplicates {}  rejected {}  flagged {}  {:.0f}/s   ", n.stored, n.duplicates,
               n.rejected, n.quality_flagged, static_cast<double>(n.received) / secs);
  }
  if (show) fmt::print(stderr, "\n");
}

void print_quality(const DataQualityMonitor& monitor, const ingest::CollectorCounts& n) {
  QualityCounts total = monitor.counts().total;
  std::string findings;
  for (std::size_t i = 0; i < kQualityCheckCount; ++i) {
    if (total.findings[i] == 0) continue;
    findings += fmt::format("{}{} {}", findings.empty() ? "" : ", ", check_name(static_cast<QualityCheck>(i)),
                            total.findings[i]);
  }
  fmt::print("data quality: {} records judged, {} flagged, {} dropped; findings: {}{}\n", total.records,
             n.quality_flagged, n.quality_dropped, findings.empty() ? "none" : findings,
             n.reports_unsent > 0 ? fmt::format(" ({} reports not published)", n.reports_unsent) : "");
}

// The failed transaction is rolled back and nothing of it was receipted.
// Leaving at once (from the writer thread), without a clean disconnect, keeps
// the session: the broker holds the rest for the next run, and senders send
// again what got no receipt.
[[noreturn]] void stop_after_store_failure(const std::string& why, const std::string& db) {
  std::fflush(stdout);
  fmt::print(stderr, "edgeml collect: stopped: the store '{}' failed, so nothing more is taken or receipted: {}\n",
             db, why);
  std::fflush(stderr);
  std::_Exit(1);
}

// With the stream reader, the Paho client only publishes (quality reports and
// counts) under a client id of its own: the stream's session holds the events.
mq::ClientOptions reports_client(const CollectArgs& args) {
  if (args.reader != "stream") return args.client;
  mq::ClientOptions reports = args.client;
  reports.connection.client_id += "-reports";
  reports.clean_session = true;
  return reports;
}

// The stream reader, acknowledging each message once the collector has
// committed it: a collector that dies loses nothing, the broker sends again
// what it had not committed. Commits arrive on the collector's writer thread,
// which may outlive this: they reach the reader through a shared holder.
class StreamIntake {
 public:
  StreamIntake(const CollectArgs& args, ingest::Collector& collector) {
    if (args.collector.qos > 1) throw Error("--reader stream takes --qos 0 or 1");
    mq::StreamOptions options;
    options.filters = collector.filters();
    options.qos = args.collector.qos;
    options.persistent = !args.clean;
    options.acknowledge_when_told = true;
    // At QoS 1 the broker waits for acknowledgements: gathering would hold it back.
    options.gather = {};
    options.name = "alarm stream";
    collector.set_commit_listener([holder = holder_](std::uint64_t delivery) {
      std::lock_guard lock(holder->mutex);
      holder->done = std::max(holder->done, delivery);
      if (holder->stream) holder->stream->acknowledge_through(holder->done);
    });
    // It logs each subscription the broker grants (at debug), after every reconnect too.
    auto stream = std::make_unique<mq::StreamSubscriber>(
        args.client.connection, options,
        [&collector](std::string_view topic, std::string_view payload, std::uint64_t delivery) {
          collector.handle(topic, payload, delivery);
        });
    // A kept session's messages come before the subscription's answer, so
    // some may be committed before the reader is here to be told.
    std::lock_guard lock(holder_->mutex);
    holder_->stream = std::move(stream);
    if (holder_->done > 0) holder_->stream->acknowledge_through(holder_->done);
  }

  // Sends the acknowledgements of what is committed so far, and disconnects:
  // what came after it the broker keeps for the next run.
  void stop() {
    std::unique_ptr<mq::StreamSubscriber> stream;
    {
      std::lock_guard lock(holder_->mutex);
      stream = std::move(holder_->stream);
    }
    // Outside the lock: the reader's thread may be waiting for room in the
    // writer's queue, and the writer for this lock to report a commit.
    stream.reset();
  }

 private:
  struct Holder {
    std::mutex mutex;
    std::unique_ptr<mq::StreamSubscriber> stream;
    std::uint64_t done = 0;  // the largest delivery committed
  };
  std::shared_ptr<Holder> holder_ = std::make_shared<Holder>();
};

void run_collect(CollectArgs& args) {
  auto& conn = args.client.connection;
  if (conn.client_id.empty()) conn.client_id = mq::default_client_id("collector");
  // A persistent session: the broker keeps what arrives while we are away.
  args.client.clean_session = args.clean;
  args.collector.node = args.node.empty() ? conn.client_id : args.node;
  // Competing collectors: the broker gives each event to one of the group.
  if (args.share.find_first_of("/+#") != std::string::npos)
    throw Error(fmt::format("--share '{}': a group name is one topic level, without '/', '+' or '#'", args.share));
  if (!args.share.empty())
    for (auto& topic : args.collector.topics) topic = shared_filter(args.share, topic);
  // Competing collectors where the broker has no shared subscriptions: each reads everything.
  if (!args.partition.empty()) args.collector.partition = ingest::parse_partition(args.partition);
  std::unique_ptr<DataQualityMonitor> monitor = make_monitor(args);
  args.collector.quality = monitor.get();
  const std::string db = ingest::printable_location(args.db);
  args.collector.on_store_failure = [db](const std::string& why) { stop_after_store_failure(why, db); };

  std::unique_ptr<ingest::EventStore> store = ingest::open_event_store(args.db);
  std::unique_ptr<ingest::CsvMirror> csv;
  if (!args.csv.empty()) csv = std::make_unique<ingest::CsvMirror>(args.csv, *store);
  ingest::Collector collector(*store, csv.get(), args.collector);

  install_stop_handlers();
  const bool streamed = args.reader == "stream";
  mq::Client client(reports_client(args));
  std::unique_ptr<StreamIntake> stream;
  if (streamed) {
    collector.set_quality_reporter(ingest::mqtt_quality_reporter(client, args.collector.node));
    client.connect();
    stream = std::make_unique<StreamIntake>(args, collector);
  } else {
    collector.attach(client);
    client.connect();
  }
  spdlog::info("collecting {} from {} into {}{}{}{}", fmt::join(args.collector.topics, ", "), conn.uri(), db,
               csv ? " and " + args.csv : "", monitor ? "" : " without data-quality checks",
               args.partition.empty() ? "" : ", the series of partition " + args.partition);
  QualityCountsPublisher quality(client, monitor.get(), args.collector.node);
  wait_for_end(collector, client, args.until_finish, quality);
  quality.publish();
  collector.flush();
  if (stream) stream->stop();  // after the flush: its acknowledgements go first
  collector.flush();  // what came in meanwhile (sent again by the broker too)
  if (!collector.wait_receipts_delivered(std::chrono::seconds(5)))
    spdlog::warn("the last store receipts may not have reached the broker; their senders will send again");
  client.disconnect();

  ingest::CollectorCounts n = collector.counts();
  fmt::print("collected {} new events ({} duplicates, {} rejected{}); {} holds {} events and {} rejects\n", n.stored,
             n.duplicates, n.rejected, args.partition.empty() ? "" : fmt::format(", {} skipped", n.skipped), db,
             store->event_count(), store->reject_count());
  if (monitor) print_quality(*monitor, n);
  if (auto why = collector.failure()) stop_after_store_failure(*why, db);
}

}  // namespace

void add_collect_command(CLI::App& app) {
  auto args = std::make_shared<CollectArgs>();
  auto* cmd = app.add_subcommand("collect",
                                 "subscribe to alarm events and store each once in SQLite or PostgreSQL, and CSV");
  add_connection_options(*cmd, args->client);
  cmd->add_option("--db", args->db,
                  "SQLite database (WAL mode), or postgresql://USER@HOST/DB (libpq URI; collectors of one $share "
                  "group may share it); always kept, it makes each event stored once")
      ->capture_default_str();
  cmd->add_option("--csv", args->csv, "also write the tutorial's CSV, a mirror of the database");
  cmd->add_option("--topic", args->collector.topics, "topic filter (repeatable)")->capture_default_str();
  cmd->add_option("--qos", args->collector.qos, "subscription QoS")->check(CLI::Range(0, 2))->capture_default_str();
  cmd->add_option("--share", args->share,
                  "share the --topic filters with the other collectors of this group ($share/GROUP/...): each event "
                  "goes to one of them (a cloud broker's collectors into one PostgreSQL)");
  cmd->add_option("--partition", args->partition,
                  "K/N: store only the series of partition K of N (0 <= K < N), for N competing collectors on a "
                  "broker without shared subscriptions (NATS); every collector reads every event")
      ->excludes("--share");
  // MQTT 5 by default: publishers ask for store receipts with a Response Topic.
  args->client.mqtt_version = 5;
  cmd->add_option("--mqtt", args->client.mqtt_version,
                  "MQTT version: 5, or 4 (3.1.1) for a broker without MQTT 5 (NATS); no store receipts with 4")
      ->check(CLI::IsMember({4, 5}))
      ->capture_default_str();
  cmd->add_option("--reader", args->reader,
                  "paho: the Eclipse Paho client, with store receipts (MQTT 5); stream: edgeml's own reader of "
                  "the alarm stream (MQTT 3.1.1, QoS 0 or 1, a kept session), which reads many messages a "
                  "system call and acknowledges them once committed, many in one write, but sends no store "
                  "receipts (a sender waiting for one sends again): for cloud collectors, whose events come "
                  "through bridges")
      ->check(CLI::IsMember({"paho", "stream"}))
      ->capture_default_str();
  cmd->add_flag("--until-finish", args->until_finish, "stop when the end marker (" + std::string(kFinishTopic) + ") arrives");
  cmd->add_flag("--clean", args->clean, "start a clean session (forget what the broker kept for us)");
  cmd->add_option("--node", args->node,
                  fmt::format("this collector's name in quality reports and on {} (default: the client id)",
                              collector_quality_topic("NODE")));
  cmd->add_option("--quality-config", args->quality_config,
                  "data-quality checks and policies (JSON, see src/core/data_quality_config.h); default: built in")
      ->check(CLI::ExistingFile);
  cmd->add_option("--manifest", args->manifest,
                  "a model's manifest.json: its training statistics enable the out_of_range and drift checks, "
                  "which do not run without it")
      ->check(CLI::ExistingFile);
  auto* no_quality = cmd->add_flag("--no-quality", args->no_quality, "store every event that parses, unjudged");
  no_quality->excludes("--quality-config")->excludes("--manifest");
  cmd->footer(fmt::format(
      "The default --client-id is the same for every collector on this host, so that a restarted\n"
      "collector resumes its session: give each collector running at the same time its own.\n"
      "Data quality: every alarm message is judged before it is stored. A record a check drops\n"
      "(by default: unreadable, a field missing, NaN or infinity) goes to the rejects table with\n"
      "the findings as its reason; a flagged one (time going backwards, duplicate, gap, burst,\n"
      "out of range, drift) is stored. Each flagged or dropped record is reported as JSON on\n"
      "{}/{{station}}/{{datapoint}}/{{alarm}} (QoS 0); the counts are retained on\n"
      "{} every 5 s.",
      kQualityTopicPrefix, collector_quality_topic("NODE")));
  cmd->callback([args] { run_collect(*args); });
}

}  // namespace edgeml::cli
