#include "backlog.h"

#include <signal.h>

#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "../ingest/relay.h"
#include "core/error.h"
#include "fleet.h"
#include "protocol/alarm_event.h"
#include "protocol/topics.h"

namespace edgeml::bench {

namespace {

std::string uri(const Fleet& cloud) { return fmt::format("tcp://127.0.0.1:{}", cloud.cloud().port()); }

// Each station's events as its bridge would forward them, straight to the cloud broker.
void publish_backlog(const Fleet& cloud, const BacklogRun& run) {
  BarePublisher publisher(uri(cloud), "bench-fleet-backlog", 1000, run.timeout);
  AlarmEvent e;
  for (std::int64_t i = 0; i < run.events; ++i) {
    const int station = static_cast<int>(i % run.stations);
    e.series = {std::to_string(100000 + station), "121", "308"};
    e.index = static_cast<double>(i / run.stations);
    e.event_time = wall_now();
    e.value = 231;
    e.threshold = 230;
    e.active = true;
    publisher.publish(station_topic(fmt::format("s{:03}", station), alarm_topic(e.series)), format_payload(e), 1);
  }
  publisher.drain();
}

// The machine's busy and total CPU time so far, in clock ticks (the first line of /proc/stat).
struct CpuTicks {
  double busy = 0, total = 0;
};

CpuTicks cpu_ticks() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  stat >> cpu;
  CpuTicks t;
  double v = 0;
  for (int field = 0; field < 8 && stat >> v; ++field) {  // user nice system idle iowait irq softirq steal
    t.total += v;
    if (field != 3 && field != 4) t.busy += v;
  }
  return t;
}

// A backlog makes a persistent Mosquitto rewrite its whole store every 1000
// changes, which would be what the drain measured.
Fleet backlog_broker(const BacklogRun& run) { return Fleet({run.edgeml, run.dir, 0, run.timeout, false, run.reader}); }

}  // namespace

Drain collectors_drain(const BacklogRun& run, const StoreMaker& make_store) {
  Fleet cloud = backlog_broker(run);
  std::unique_ptr<FleetStore> store = make_store(run.dir);
  for (int i = 1; i <= run.members; ++i) {
    Process session = cloud.start_collector("drain", i, store->location());
    session.stop(SIGTERM, std::chrono::seconds(30));
  }
  publish_backlog(cloud, run);
  const double start = wall_now();
  const CpuTicks cpu_start = cpu_ticks();
  std::vector<Process> members;
  for (int i = 1; i <= run.members; ++i) members.push_back(cloud.start_collector("drain", i, store->location()));
  const auto until = std::chrono::steady_clock::now() + run.timeout;
  wait_for_events(*store, run.events, until);
  const CpuTicks cpu_end = cpu_ticks();
  for (auto& p : members) p.stop(SIGTERM, std::chrono::seconds(30));
  if (const std::int64_t held = store->events(); held != run.events)
    throw Error(fmt::format("the store holds {} of the backlog's {} events; logs in {}", held, run.events,
                            run.dir.string()));
  const double seconds = store->last_received_at() - start;
  const double cpus = static_cast<double>(std::thread::hardware_concurrency());
  const double busy = cpu_end.total > cpu_start.total ? (cpu_end.busy - cpu_start.busy) / (cpu_end.total - cpu_start.total) : 0;
  return {static_cast<double>(run.events) / seconds, busy * cpus};
}

double bare_drain(const BacklogRun& run) {
  Fleet cloud = backlog_broker(run);
  const std::vector<std::string> filters{"$share/bare/" + std::string(kStationsAlarmFilter)};
  ArrivalClock clock(run.events);
  auto members = [&] {
    std::vector<std::unique_ptr<BareSubscriber>> out;
    for (int i = 1; i <= run.members; ++i)
      out.push_back(std::make_unique<BareSubscriber>(uri(cloud), fmt::format("bare-{}", i), filters, 1, clock, run.timeout));
    return out;
  };
  members().clear();  // the sessions, then away
  publish_backlog(cloud, run);
  const auto start = Clock::now();
  auto draining = members();
  if (!clock.wait_until(Clock::now() + run.timeout))
    throw Error(fmt::format("bare subscribers drained {} of {} events", clock.count(), run.events));
  return static_cast<double>(run.events) / std::chrono::duration<double>(clock.last() - start).count();
}

}  // namespace edgeml::bench
