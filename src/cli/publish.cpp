// edgeml publish: replay a sensor file or synthetic events to the broker.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/common.h"
#include "core/error.h"
#include "ingest/event_outbox.h"
#include "ingest/publisher.h"
#include "ingest/receipted_publisher.h"
#include "ingest/raw_file.h"
#include "ingest/synthetic.h"
#include "protocol/topics.h"

namespace edgeml::cli {

namespace {

struct PublishArgs {
  mq::ClientOptions client;
  ingest::PublishOptions publish;
  std::string file;
  std::int64_t synthetic = 1000;
  int series = 1;
  std::uint64_t seed = 1;
  std::int64_t first_station = ingest::SyntheticSource::kTutorialStation;
  double interval = 0;
  bool no_finish = false;
  bool no_persist = false;
  bool no_receipts = false;
  double resend_after = 5;
  std::string state_dir;
  double drain_timeout = 60;
};

// A progress line on a terminal: events done (acknowledged or receipted) and queued.
class Progress {
 public:
  using Count = std::function<std::int64_t()>;
  Progress(Count done, Count queued, std::int64_t total)
      : done_(std::move(done)), queued_(std::move(queued)), total_(total) {
    if (stderr_is_terminal()) thread_ = std::jthread([this](std::stop_token st) { loop(st); });
  }
  ~Progress() {
    if (thread_.joinable()) {
      thread_.request_stop();
      thread_.join();
      fmt::print(stderr, "\n");
    }
  }

 private:
  void loop(std::stop_token st) {
    auto start = std::chrono::steady_clock::now();
    while (!st.stop_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::int64_t sent = done_();
      if (total_ > 0) sent = std::min(sent, total_);  // the finish message is not an event
      fmt::print(stderr, "\rsent {}{}  {:.0f}/s  queued {}   ", sent, total_ > 0 ? fmt::format("/{}", total_) : "",
                 secs > 0 ? static_cast<double>(sent) / secs : 0.0, queued_());
    }
  }
  Count done_, queued_;
  std::int64_t total_;
  std::jthread thread_;
};

// The events to send: a sensor file or synthetic ones.
struct Source {
  std::unique_ptr<ingest::RawFileReader> file;
  std::unique_ptr<ingest::SyntheticSource> synthetic;
  std::int64_t total = 0;  // 0: not known in advance

  explicit Source(const PublishArgs& args) {
    if (!args.file.empty()) {
      file = std::make_unique<ingest::RawFileReader>(args.file);
    } else {
      synthetic = std::make_unique<ingest::SyntheticSource>(args.synthetic, args.series, args.seed,
                                                            args.first_station);
      total = synthetic->total();
    }
  }
  template <typename Publisher>
  void publish_all(Publisher& publisher) {
    AlarmEvent event;
    if (file) {
      while (!g_stop && file->next(event)) publisher.publish(event);
    } else {
      while (!g_stop && synthetic->next(event)) publisher.publish(event);
    }
  }
  std::string skipped() const {
    return file && file->skipped() ? fmt::format("; skipped {} malformed lines", file->skipped()) : "";
  }
};

void print_published(const PublishArgs& args, std::int64_t events, double secs, const std::string& notes) {
  fmt::print("published {} events to {} at QoS {} in {:.2f} s ({:.0f} events/s){}{}\n", events,
             args.client.connection.uri(), args.publish.qos, secs, secs > 0 ? static_cast<double>(events) / secs : 0.0,
             notes, g_stop ? "; interrupted" : "");
}

std::chrono::milliseconds drain_timeout(const PublishArgs& args) {
  return std::chrono::milliseconds(static_cast<long>(args.drain_timeout * 1000));
}

// Publishes every event of the source with a progress line, then drains (and
// finishes, unless --no-finish or stopped); false when the drain timed out.
template <typename Publisher>
bool send_all(const PublishArgs& args, Source& source, Publisher& publisher, Progress::Count done,
              Progress::Count queued) {
  Progress progress(std::move(done), std::move(queued), source.total);
  source.publish_all(publisher);
  return args.no_finish || g_stop ? publisher.drain(drain_timeout(args)) : publisher.finish(drain_timeout(args));
}

// Each event stays in the outbox until a collector's store receipt.
void run_receipted(PublishArgs& args, Source& source) {
  std::filesystem::path state = args.state_dir.empty() ? default_state_dir() : std::filesystem::path(args.state_dir);
  ingest::EventOutbox outbox(state / "outbox" / args.client.connection.client_id / "events.db");
  args.client.mqtt_version = 5;
  // Receipts for an earlier run are of no use to this one (receipt.h).
  args.client.clean_session = true;
  mq::Client client(args.client);
  ingest::ReceiptedOptions options;
  options.qos = args.publish.qos;
  options.interval = args.publish.interval;
  options.window = args.publish.window;
  options.live = args.publish.live;
  options.resend_after = std::chrono::milliseconds(static_cast<long>(args.resend_after * 1000));
  ingest::ReceiptedPublisher publisher(client, outbox, options);
  client.connect();
  auto start = std::chrono::steady_clock::now();
  if (!send_all(args, source, publisher, [&] { return publisher.receipted(); },
                [&] { return static_cast<std::int64_t>(publisher.unreceipted()); }))
    throw Error(fmt::format("{} events had no store receipt after {} s (is edgeml collect running? "
                            "--no-receipts takes the broker's acknowledgement instead); they stay in {}",
                            publisher.unreceipted(), args.drain_timeout, outbox.path().string()));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::int64_t events = publisher.published() - (args.no_finish || g_stop ? 0 : 1);
  print_published(args, events, secs,
                  fmt::format(", each stored by a collector{}{}{}", source.skipped(),
                              publisher.restored() ? fmt::format("; {} left by an earlier run", publisher.restored()) : "",
                              publisher.resent() ? fmt::format("; {} sent again", publisher.resent()) : ""));
  client.disconnect();
  outbox.discard_if_empty();
}

// The broker's acknowledgement is enough: for subscribers that send no receipts.
void run_acknowledged(PublishArgs& args, Source& source) {
  // In-flight publishes are resent after a reconnect only within the same session.
  args.client.clean_session = args.publish.qos == 0;
  if (args.publish.qos > 0 && !args.no_persist)
    args.client.persist_dir = (args.state_dir.empty() ? default_state_dir() : std::filesystem::path(args.state_dir)) / "outbox";
  mq::Client client(args.client);
  client.connect();
  ingest::Publisher publisher(client, args.publish);
  auto start = std::chrono::steady_clock::now();
  if (!send_all(args, source, publisher, [&] { return publisher.acknowledged(); },
                [&] { return static_cast<std::int64_t>(publisher.in_flight()); }))
    throw Error(fmt::format("{} messages were still unacknowledged after {} s{}", publisher.in_flight(),
                            args.drain_timeout,
                            args.client.persist_dir.empty() ? "" : "; they stay in " + args.client.persist_dir.string()));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::int64_t events = publisher.published() - (args.no_finish || g_stop ? 0 : 1);
  print_published(args, events, secs,
                  source.skipped() + (publisher.recoveries()
                                          ? fmt::format("; restarted the client {} times", publisher.recoveries())
                                          : ""));
  if (publisher.in_flight() == 0) client.close_and_discard_outbox();
  else client.disconnect();
  if (publisher.failed() > 0) throw Error(fmt::format("{} messages could not be delivered", publisher.failed()));
}

void run_publish(PublishArgs& args) {
  auto& conn = args.client.connection;
  if (conn.client_id.empty()) conn.client_id = fmt::format("{}-{}", mq::default_client_id("publisher"), getpid());
  args.publish.interval = std::chrono::duration<double>(args.interval);
  // Paho counts queued, unsent publishes against its buffer even while connected.
  if (args.publish.window > static_cast<std::size_t>(args.client.max_buffered))
    throw Error(fmt::format("--window ({}) may not exceed --max-buffered ({})", args.publish.window,
                            args.client.max_buffered));
  Source source(args);
  install_stop_handlers();
  if (args.publish.qos > 0 && !args.no_receipts) run_receipted(args, source);
  else run_acknowledged(args, source);
  if (g_stop) throw CLI::RuntimeError(130);
}

}  // namespace

void add_publish_command(CLI::App& app) {
  auto args = std::make_shared<PublishArgs>();
  auto* cmd = app.add_subcommand("publish", "publish alarm events (a sensor file, or synthetic) to the broker");
  add_connection_options(*cmd, args->client);
  auto* file = cmd->add_option("--file", args->file, "sensor file in the tutorial's raw format")->check(CLI::ExistingFile);
  cmd->add_option("--synthetic", args->synthetic, "number of synthetic events when no --file is given")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->excludes(file);
  cmd->add_option("--series", args->series, "synthetic series to spread the events over")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "seed of the synthetic events")->capture_default_str();
  cmd->add_option("--first-station", args->first_station,
                  "station of the first synthetic series, the next one's is one more (several sites' sensors)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--live", args->publish.live,
                "synthetic events carry the time they are sent as their event_time, as a live sensor's do (the "
                "store's received_at - event_time is then the lag from sensor to store)")
      ->excludes(file);
  cmd->add_option("--interval", args->interval, "seconds between events; 0 = as fast as the broker takes them")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--qos", args->publish.qos, "MQTT QoS 0, 1 or 2")->check(CLI::Range(0, 2))->capture_default_str();
  cmd->add_option("--window", args->publish.window, "messages in flight at most")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  cmd->add_option("--max-buffered", args->client.max_buffered, "messages kept while the broker is away")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  cmd->add_flag("--no-finish", args->no_finish,
                "do not publish the end marker (" + std::string(kFinishTopic) + ") at the end");
  cmd->add_flag("--no-receipts", args->no_receipts,
                "take the broker's acknowledgement as delivery, for subscribers that send no store receipts "
                "(edgeml serve, other tools)");
  cmd->add_option("--resend-after", args->resend_after, "seconds without a store receipt before an event goes again")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  cmd->add_flag("--no-persist", args->no_persist, "with --no-receipts: keep unacknowledged messages in memory only");
  cmd->add_option("--state-dir", args->state_dir, "where unacknowledged messages are kept on disk")
      ->envname("EDGEML_STATE_DIR");
  cmd->add_option("--drain-timeout", args->drain_timeout, "seconds to wait for the last acknowledgements")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->footer(
      "At QoS 1 and 2 each event is kept in an outbox on disk under the state dir until an edgeml collect\n"
      "has committed it to its database and sent a store receipt back; what has none is sent again. Run\n"
      "again with the same --client-id to send what a killed publisher left behind. With --no-receipts\n"
      "the broker's acknowledgement is enough, and a lost broker or collector can lose events.");
  cmd->callback([args] { run_publish(*args); });
}

}  // namespace edgeml::cli
