// edgeml publish: replay a sensor file or synthetic events to the broker.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/common.h"
#include "core/error.h"
#include "ingest/publisher.h"
#include "ingest/raw_file.h"
#include "ingest/synthetic.h"

namespace edgeml::cli {

namespace {

struct PublishArgs {
  mqtt::ClientOptions client;
  ingest::PublishOptions publish;
  std::string file;
  std::int64_t synthetic = 1000;
  int series = 1;
  std::uint64_t seed = 1;
  double interval = 0;
  bool no_finish = false;
  bool no_persist = false;
  std::string state_dir;
  double drain_timeout = 60;
};

class Progress {
 public:
  Progress(const ingest::Publisher& p, std::int64_t total) : publisher_(p), total_(total) {
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
      std::int64_t sent = publisher_.acknowledged();
      if (total_ > 0) sent = std::min(sent, total_);  // the finish message is not an event
      fmt::print(stderr, "\rsent {}{}  {:.0f}/s  queued {}   ", sent, total_ > 0 ? fmt::format("/{}", total_) : "",
                 secs > 0 ? static_cast<double>(sent) / secs : 0.0, publisher_.in_flight());
    }
  }
  const ingest::Publisher& publisher_;
  std::int64_t total_;
  std::jthread thread_;
};

template <typename Source>
void publish_all(Source& source, ingest::Publisher& publisher) {
  AlarmEvent event;
  while (!g_stop && source.next(event)) publisher.publish(event);
}

void run_publish(PublishArgs& args) {
  auto& conn = args.client.connection;
  if (conn.client_id.empty()) conn.client_id = fmt::format("{}-{}", mqtt::default_client_id("publisher"), getpid());
  args.publish.interval = std::chrono::duration<double>(args.interval);
  // Paho counts queued, unsent publishes against its buffer even while connected.
  if (args.publish.window > static_cast<std::size_t>(args.client.max_buffered))
    throw Error(fmt::format("--window ({}) may not exceed --max-buffered ({})", args.publish.window,
                            args.client.max_buffered));
  // In-flight publishes are resent after a reconnect only within the same session.
  args.client.clean_session = args.publish.qos == 0;
  if (args.publish.qos > 0 && !args.no_persist)
    args.client.persist_dir = (args.state_dir.empty() ? default_state_dir() : std::filesystem::path(args.state_dir)) / "outbox";

  std::unique_ptr<ingest::RawFileReader> file;
  std::unique_ptr<ingest::SyntheticSource> synthetic;
  std::int64_t total = 0;
  if (!args.file.empty()) {
    file = std::make_unique<ingest::RawFileReader>(args.file);
  } else {
    synthetic = std::make_unique<ingest::SyntheticSource>(args.synthetic, args.series, args.seed);
    total = synthetic->total();
  }

  install_stop_handlers();
  mqtt::Client client(args.client);
  client.connect();
  ingest::Publisher publisher(client, args.publish);
  auto start = std::chrono::steady_clock::now();
  {
    Progress progress(publisher, total);
    if (file) publish_all(*file, publisher);
    else publish_all(*synthetic, publisher);
    auto timeout = std::chrono::milliseconds(static_cast<long>(args.drain_timeout * 1000));
    bool drained = args.no_finish || g_stop ? publisher.drain(timeout) : publisher.finish(timeout);
    if (!drained)
      throw Error(fmt::format("{} messages were still unacknowledged after {} s{}", publisher.in_flight(),
                              args.drain_timeout,
                              args.client.persist_dir.empty() ? "" : "; they stay in " + args.client.persist_dir.string()));
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::int64_t events = publisher.published() - (args.no_finish || g_stop ? 0 : 1);
  fmt::print("published {} events to {} at QoS {} in {:.2f} s ({:.0f} events/s){}{}{}\n", events, conn.uri(),
             args.publish.qos, secs, secs > 0 ? static_cast<double>(events) / secs : 0.0,
             file && file->skipped() ? fmt::format("; skipped {} malformed lines", file->skipped()) : "",
             publisher.recoveries() ? fmt::format("; restarted the client {} times", publisher.recoveries()) : "",
             g_stop ? "; interrupted" : "");
  if (publisher.in_flight() == 0) client.close_and_discard_outbox();
  else client.disconnect();
  if (publisher.failed() > 0) throw Error(fmt::format("{} messages could not be delivered", publisher.failed()));
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
  cmd->add_flag("--no-finish", args->no_finish, "do not publish alarm/finish at the end");
  cmd->add_flag("--no-persist", args->no_persist, "keep unacknowledged messages in memory only");
  cmd->add_option("--state-dir", args->state_dir, "where unacknowledged messages are kept on disk")
      ->envname("EDGEML_STATE_DIR");
  cmd->add_option("--drain-timeout", args->drain_timeout, "seconds to wait for the last acknowledgements")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->footer(
      "Unacknowledged messages (QoS 1/2) are kept on disk under the state dir; run again with the same\n"
      "--client-id to send what a killed publisher left behind.");
  cmd->callback([args] { run_publish(*args); });
}

}  // namespace edgeml::cli
