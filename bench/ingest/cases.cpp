#include "cases.h"

#include <thread>

#include <fmt/format.h>

#include "core/error.h"
#include "ingest/collector.h"
#include "ingest/sqlite_event_store.h"
#include "mqtt/client.h"
#include "publisher_proc.h"
#include "relay.h"

namespace edgeml::bench {

namespace fs = std::filesystem;

namespace {

double rate(std::int64_t events, Clock::time_point start, Clock::time_point end) {
  return static_cast<double>(events) / std::chrono::duration<double>(end - start).count();
}

// Waits for the N-th arrival; fails early when nothing arrives for a while, so
// a lost message is reported in seconds rather than at the run's timeout.
void wait_arrivals(ArrivalClock& clock, const RunSetup& setup, const std::string& what) {
  auto deadline = Clock::now() + setup.timeout;
  auto stall_limit = std::min<Clock::duration>(setup.timeout, std::chrono::seconds(10));
  std::int64_t seen = -1;
  auto progress_at = Clock::now();
  while (!clock.wait_until(std::min(deadline, Clock::now() + std::chrono::milliseconds(500)))) {
    auto now = Clock::now();
    if (clock.count() != seen) {
      seen = clock.count();
      progress_at = now;
    }
    if (now >= deadline || now - progress_at >= stall_limit)
      throw Error(fmt::format("{}: only {} of {} messages arrived ({})", what, clock.count(), setup.events,
                              now >= deadline ? "the run timed out" : "nothing more arrived for 10 s"));
  }
}

ingest::CollectorOptions collector_options(const Workload& w) {
  ingest::CollectorOptions o;
  o.topics = w.filters;
  o.qos = 1;
  return o;
}

// edgeml's collector as `edgeml collect` runs it (persistent session, QoS 1
// subscriptions, group commits with synchronous=FULL), in a fresh database.
class CollectorRig {
 public:
  CollectorRig(const RunSetup& setup, const Workload& w, const fs::path& dir)
      : setup_(setup),
        store_(dir / "events.db"),
        collector_(store_, nullptr, collector_options(w)),
        clock_(setup.events),
        client_(client_options(setup, w.tag + "-collector")) {
    collector_.attach(client_);
    // Time the handler as a whole; the clock ticks for the last event only once
    // it is committed (group commits run on the collector's writer thread).
    client_.set_message_handler([this](const mq::Message& m) {
      auto begin = Clock::now();
      collector_.handle(m);
      if (m.topic == kFinishTopic) return;
      if (++handled_ == setup_.events) collector_.flush();
      in_handle_ += Clock::now() - begin;
      clock_.arrived();
    });
    client_.connect();
    wait_subscribed(w.tag);
  }

  ArrivalClock& clock() { return clock_; }

  // Adds the time spent in Collector::handle to a run's result.
  void describe(RunResult& result, Clock::time_point start) const {
    double in_handle = std::chrono::duration<double>(in_handle_).count();
    result.handle_us = in_handle * 1e6 / static_cast<double>(setup_.events);
    result.handle_share = in_handle / std::chrono::duration<double>(clock_.last() - start).count();
  }

  // Leaves, drops the session, and checks that every event is stored once.
  void close() {
    client_.disconnect();
    forget_session(setup_.broker.uri(), client_.options().connection.client_id, setup_.timeout);
    ingest::CollectorCounts n = collector_.counts();
    std::int64_t in_db = store_.event_count();
    if (n.stored != setup_.events || n.duplicates || n.rejected || collector_.failure() || in_db != setup_.events)
      throw Error(fmt::format("collector stored {} of {} events ({} duplicates, {} rejected{}); "
                              "the database holds {}",
                              n.stored, setup_.events, n.duplicates, n.rejected,
                              collector_.failure() ? "; the store failed: " + *collector_.failure() : "", in_db));
  }

 private:
  static mq::ClientOptions client_options(const RunSetup& setup, const std::string& id) {
    mq::ClientOptions o;
    o.connection = setup.broker;
    o.connection.client_id = id;
    o.clean_session = false;  // as `edgeml collect` does
    o.mqtt_version = 5;       // the same: store receipts answer MQTT 5 requests
    o.connect_timeout = setup.timeout;
    return o;
  }

  // The client subscribes from Paho's connected callback without waiting, so
  // connect() can return before the broker has the subscriptions. alarm/finish
  // is subscribed last: once one arrives, the event filters are in place. A
  // probe sent before that is dropped by the broker, so it is sent again
  // until one arrives.
  void wait_subscribed(const std::string& tag) {
    BarePublisher probe(setup_.broker.uri(), tag + "-probe", 1, setup_.timeout);
    const auto deadline = Clock::now() + setup_.timeout;
    while (!collector_.finish_seen()) {
      if (Clock::now() >= deadline) throw Error("the collector's subscriptions did not become active");
      probe.publish(std::string(kFinishTopic), std::string(kFinishPayload), 1);
      probe.drain();
      const auto resend = Clock::now() + std::chrono::milliseconds(200);
      while (!collector_.finish_seen() && Clock::now() < resend) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  const RunSetup& setup_;
  ingest::SqliteEventStore store_;
  ingest::Collector collector_;
  ArrivalClock clock_;
  Clock::duration in_handle_{};  // written by the receive thread only, read after the run
  std::int64_t handled_ = 0;     // the same
  mq::Client client_;          // last: it goes first, while the collector it calls still exists
};

// Publishes the workload from a child process to `receiver` (anything with a
// clock()), and returns events/s once all of it has arrived.
template <typename Receiver>
RunResult run_publisher(const RunSetup& setup, const PublisherSpec& spec, const fs::path& dir, Receiver& receiver,
                        const std::string& what) {
  PublisherProcess publisher(setup, spec, dir);
  wait_arrivals(receiver.clock(), setup, what);
  Clock::time_point start = publisher.finish();
  RunResult result;
  result.events_per_s = rate(setup.events, start, receiver.clock().last());
  result.receiver_cpu_us = receiver.clock().cpu_us_per_message();
  receiver.describe(result, start);
  return result;
}

// The bare subscriber and its clock, shaped like CollectorRig for run_publisher.
struct CountingRig {
  CountingRig(const RunSetup& setup, const Workload& w)
      : clock_(setup.events), subscriber(setup.broker.uri(), w.tag + "-sub", w.filters, 1, clock_, setup.timeout) {}
  ArrivalClock& clock() { return clock_; }
  void describe(RunResult&, Clock::time_point) const {}
  ArrivalClock clock_;
  BareSubscriber subscriber;
};

}  // namespace

RunResult bare_relay(const RunSetup& setup, int qos) {
  Workload w = make_workload(setup, fresh_tag());
  ScratchDir dir(setup.work_dir, w.tag);
  RunResult result;
  {
    CountingRig rig(setup, w);
    result =
        run_publisher(setup, {PublisherKind::bare, qos, w.tag}, dir.path(), rig, fmt::format("relay at QoS {}", qos));
  }
  forget_session(setup.broker.uri(), w.tag + "-sub", setup.timeout);
  return result;
}

RunResult bare_to_collector(const RunSetup& setup, int qos) {
  Workload w = make_workload(setup, fresh_tag());
  ScratchDir dir(setup.work_dir, w.tag);
  CollectorRig rig(setup, w, dir.path());
  RunResult result =
      run_publisher(setup, {PublisherKind::bare, qos, w.tag}, dir.path(), rig, fmt::format("collector at QoS {}", qos));
  rig.close();
  return result;
}

RunResult publisher_to_collector(const RunSetup& setup, PublisherKind kind) {
  Workload w = make_workload(setup, fresh_tag());
  ScratchDir dir(setup.work_dir, w.tag);
  CollectorRig rig(setup, w, dir.path());
  PublisherSpec spec{kind, 1, w.tag};
  RunResult result = run_publisher(setup, spec, dir.path(), rig, "edgeml publisher to collector");
  forget_session(setup.broker.uri(), spec.client_id(), setup.timeout);
  rig.close();
  return result;
}

}  // namespace edgeml::bench
