#include "publisher_proc.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "ingest/event_outbox.h"
#include "ingest/publisher.h"
#include "ingest/receipted_publisher.h"
#include "mqtt/client.h"

namespace edgeml::bench {

namespace fs = std::filesystem;

namespace {

// Resolved once at start-up: a rebuild during a run replaces the file, and
// /proc/self/exe then names a deleted one.
fs::path g_self_exe;

constexpr const char* kStartMark = "publishing-started-ns ";

// steady_clock is CLOCK_MONOTONIC on Linux, shared by every process, so the
// child's start and the parent's last arrival are on one time line.
void note_start() {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
  std::printf("%s%lld\n", kStartMark, static_cast<long long>(ns));
  std::fflush(stdout);
}

void publish_bare(const RunSetup& setup, const PublisherSpec& spec, const Workload& w) {
  BarePublisher publisher(setup.broker.uri(), spec.client_id(), setup.window, setup.timeout);
  note_start();
  for (std::size_t i = 0; i < w.topics.size(); ++i) publisher.publish(w.topics[i], w.payloads[i], spec.qos);
  publisher.drain();
}

// The settings `edgeml publish --qos 1` uses: a persistent session, and
// unacknowledged messages on disk unless --no-persist.
void publish_edgeml(const RunSetup& setup, const PublisherSpec& spec, const Workload& w, const fs::path& dir) {
  mq::ClientOptions o;
  o.connection = setup.broker;
  o.connection.client_id = spec.client_id();
  o.clean_session = spec.qos == 0;
  if (spec.kind == PublisherKind::edgeml_disk) o.persist_dir = dir / "outbox";
  o.connect_timeout = setup.timeout;
  mq::Client client(o);
  client.connect();
  ingest::Publisher publisher(client, ingest::PublishOptions{spec.qos, std::chrono::duration<double>(0), setup.window});
  note_start();
  for (const AlarmEvent& e : w.events) publisher.publish(e);
  if (!publisher.drain(setup.timeout))
    throw Error(fmt::format("{} messages unacknowledged after the run", publisher.in_flight()));
  if (publisher.failed() > 0) throw Error(fmt::format("{} messages could not be delivered", publisher.failed()));
  client.disconnect();
}

// `edgeml publish --qos 1`: each event kept in the outbox on disk until the
// collector's store receipt.
void publish_receipted(const RunSetup& setup, const PublisherSpec& spec, const Workload& w, const fs::path& dir) {
  mq::ClientOptions o;
  o.connection = setup.broker;
  o.connection.client_id = spec.client_id();
  o.mqtt_version = 5;
  o.connect_timeout = setup.timeout;
  ingest::EventOutbox outbox(dir / "receipts" / "events.db");
  mq::Client client(o);
  ingest::ReceiptedOptions options;
  options.qos = spec.qos;
  options.window = setup.window;
  ingest::ReceiptedPublisher publisher(client, outbox, options);
  client.connect();
  note_start();
  for (const AlarmEvent& e : w.events) publisher.publish(e);
  if (!publisher.drain(setup.timeout))
    throw Error(fmt::format("{} events without a store receipt after the run", publisher.unreceipted()));
  client.disconnect();
}

}  // namespace

void remember_own_executable() { g_self_exe = fs::canonical("/proc/self/exe"); }

const char* kind_name(PublisherKind kind) {
  switch (kind) {
    case PublisherKind::bare: return "bare";
    case PublisherKind::edgeml_memory: return "edgeml-memory";
    case PublisherKind::edgeml_disk: return "edgeml-disk";
    case PublisherKind::edgeml_receipts: return "edgeml-receipts";
  }
  return "?";
}

PublisherKind parse_kind(const std::string& name) {
  for (auto kind : {PublisherKind::bare, PublisherKind::edgeml_memory, PublisherKind::edgeml_disk,
                    PublisherKind::edgeml_receipts})
    if (name == kind_name(kind)) return kind;
  throw Error(fmt::format("unknown publisher kind '{}'", name));
}

int publisher_main(const RunSetup& setup, const PublisherSpec& spec, const fs::path& dir) {
  try {
    Workload w = make_workload(setup, spec.tag);
    if (spec.kind == PublisherKind::bare) publish_bare(setup, spec, w);
    else if (spec.kind == PublisherKind::edgeml_receipts) publish_receipted(setup, spec, w, dir);
    else publish_edgeml(setup, spec, w, dir);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "publisher %s: %s\n", spec.client_id().c_str(), e.what());
    return 1;
  }
}

PublisherProcess::PublisherProcess(const RunSetup& setup, const PublisherSpec& spec, const fs::path& dir)
    : setup_(setup), log_(dir / "publisher.log") {
  std::vector<std::string> argv{
      g_self_exe.string(),
      "--child-publisher", kind_name(spec.kind),
      "--child-tag", spec.tag,
      "--child-qos", std::to_string(spec.qos),
      "--child-host", setup.broker.host,
      "--child-port", std::to_string(setup.broker.port),
      "--child-dir", dir.string(),
      "--events", std::to_string(setup.events),
      "--series", std::to_string(setup.series),
      "--seed", std::to_string(setup.seed),
      "--window", std::to_string(setup.window),
      "--timeout", fmt::format("{}", static_cast<double>(setup.timeout.count()) / 1000),
  };
  process_ = std::make_unique<Process>(argv, log_.string());
}

std::string PublisherProcess::log_text() const {
  std::ifstream in(log_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Clock::time_point PublisherProcess::finish() {
  auto status = process_->wait_for(setup_.timeout);
  if (!status) throw Error(fmt::format("the publisher did not finish within {} ms", setup_.timeout.count()));
  std::string log = log_text();
  if (*status != 0) throw Error(fmt::format("the publisher failed (exit status {}): {}", *status, log));
  std::size_t at = log.find(kStartMark);
  if (at == std::string::npos) throw Error("the publisher did not say when it started: " + log);
  long long ns = std::stoll(log.substr(at + std::char_traits<char>::length(kStartMark)));
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
}

}  // namespace edgeml::bench
