// bench_ingest: events/s from publish through the broker to SQLite, beside the
// broker's bare relay rate for the same messages in the same run.
//
// Absolute rates on a shared machine move from run to run; what this reports
// is the ratio of our pipeline to a baseline measured back to back with it on
// the same broker, repeated and summarized by the median.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cases.h"
#include "core/error.h"
#include "core/logging.h"
#include "mqtt/broker.h"
#include "publisher_proc.h"

namespace edgeml::bench {

namespace {

struct Options {
  RunSetup run;
  int repeat = 5;
  std::string dir;  // where the broker's data and the databases go; empty: the temp dir
  double timeout_s = 120;
  std::string log_level = "warn";
  std::vector<std::string> only;  // measurement ids to run; empty: all
  // Set only in the publisher process a run starts (see publisher_proc.h).
  std::string child_kind;
  PublisherSpec child;
  std::string child_dir;
};

// One measurement: an id to collect its samples under, and how to take one.
struct Measure {
  std::string id;
  std::function<RunResult(const RunSetup&)> run;
};

// One line of the table: our figure beside its baseline.
struct Row {
  std::string label;
  int qos;
  std::string ours;
  std::string baseline;
};

using Samples = std::map<std::string, std::vector<RunResult>>;

const std::vector<std::string> kIds = {"relay0",           "collector0",     "relay1",           "collector1",
                                       "publisher-memory", "publisher-disk", "publisher-receipts"};

const std::vector<Row> kRows = {
    {"bare Paho pub -> broker -> Collector+SQLite", 0, "collector0", "relay0"},
    {"bare Paho pub -> broker -> Collector+SQLite", 1, "collector1", "relay1"},
    {"edgeml Publisher (memory) -> Collector", 1, "publisher-memory", "relay1"},
    {"edgeml Publisher (disk outbox) -> Collector", 1, "publisher-disk", "relay1"},
    {"edgeml Publisher (receipts) -> Collector", 1, "publisher-receipts", "relay1"},
};

// Each baseline and its pipeline run back to back, so both see the same
// machine load; odd repeats swap the pair so neither always goes first.
std::vector<std::vector<Measure>> measure_groups() {
  return {
      {{"relay0", [](const RunSetup& s) { return bare_relay(s, 0); }},
       {"collector0", [](const RunSetup& s) { return bare_to_collector(s, 0); }}},
      {{"relay1", [](const RunSetup& s) { return bare_relay(s, 1); }},
       {"collector1", [](const RunSetup& s) { return bare_to_collector(s, 1); }}},
      {{"publisher-memory", [](const RunSetup& s) { return publisher_to_collector(s, PublisherKind::edgeml_memory); }},
       {"publisher-disk", [](const RunSetup& s) { return publisher_to_collector(s, PublisherKind::edgeml_disk); }},
       {"publisher-receipts",
        [](const RunSetup& s) { return publisher_to_collector(s, PublisherKind::edgeml_receipts); }}},
  };
}

double median(const std::vector<RunResult>& runs, double RunResult::*field) {
  std::vector<double> v;
  for (const RunResult& r : runs) v.push_back(r.*field);
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// The first connections and SQLite files of a process are slower than the
// rest; one small unmeasured round keeps that out of the first sample.
void warm_up(const RunSetup& setup) {
  RunSetup small = setup;
  small.events = std::min<std::int64_t>(setup.events, 2000);
  bare_relay(small, 1);
  bare_to_collector(small, 1);
}

bool selected(const std::vector<std::string>& only, const std::string& id) {
  return only.empty() || std::find(only.begin(), only.end(), id) != only.end();
}

void print_run(int r, int repeat, const std::string& id, const RunResult& result) {
  std::string detail;
  if (result.handle_us > 0)
    detail = fmt::format("; {:.1f} us/event in Collector::handle ({:.0f}% of the run)", result.handle_us,
                         result.handle_share * 100);
  fmt::print(stderr, "  repeat {}/{}  {:<17} {:>9.0f} events/s  (receiver CPU {:.1f} us/event{})\n", r + 1, repeat,
             id, result.events_per_s, result.receiver_cpu_us, detail);
}

Samples measure(const RunSetup& setup, int repeat, const std::vector<std::string>& only) {
  Samples samples;
  for (int r = 0; r < repeat; ++r) {
    for (auto group : measure_groups()) {
      if (r % 2 == 1) std::reverse(group.begin(), group.end());
      for (const Measure& m : group) {
        if (!selected(only, m.id)) continue;
        RunResult result = m.run(setup);
        samples[m.id].push_back(result);
        print_run(r, repeat, m.id, result);
      }
    }
  }
  return samples;
}

void print_table(const Samples& samples) {
  fmt::print("\nmedian events/s:");
  for (const auto& id : kIds)
    if (samples.contains(id)) fmt::print(" {} {:.0f};", id, median(samples.at(id), &RunResult::events_per_s));
  fmt::print("\n\n{:<44} {:>3} {:>9} {:>9} {:>5}  {:>8} {:>8} {:>8}\n", "case (median of repeats)", "QoS",
             "ours ev/s", "base ev/s", "ratio", "rx CPU", "base rx", "handle()");
  for (const Row& row : kRows) {
    if (!samples.contains(row.ours) || !samples.contains(row.baseline)) continue;
    const auto& ours = samples.at(row.ours);
    const auto& base = samples.at(row.baseline);
    double ratio = median(ours, &RunResult::events_per_s) / median(base, &RunResult::events_per_s);
    fmt::print("{:<44} {:>3} {:>9.0f} {:>9.0f} {:>5.2f}  {:>8.1f} {:>8.1f} {:>8.1f}\n", row.label, row.qos,
               median(ours, &RunResult::events_per_s), median(base, &RunResult::events_per_s), ratio,
               median(ours, &RunResult::receiver_cpu_us), median(base, &RunResult::receiver_cpu_us),
               median(ours, &RunResult::handle_us));
  }
  fmt::print("baseline: bare Paho pub -> broker -> bare Paho sub that only counts; same messages, same QoS\n");
  fmt::print("rx CPU, base rx: CPU us per event of the receiving thread (ours, baseline's); handle(): wall us per\n"
             "event inside Collector::handle (parse, judge, queue for the writer thread)\n");
  if (!samples.contains("relay1")) return;
  auto goal = [&](const char* id, double bound, const char* what) {
    if (!samples.contains(id)) return;
    double ratio = median(samples.at(id), &RunResult::events_per_s) / median(samples.at("relay1"), &RunResult::events_per_s);
    fmt::print("goal ({} >= {} x broker relay at QoS 1): {} (ratio {:.2f})\n", what, bound,
               ratio >= bound ? "met" : "NOT met", ratio);
  };
  goal("collector1", 0.8, "collector, durable group commits");
  goal("publisher-receipts", 0.5, "publisher with store receipts");
}

int run_child(Options& o) {
  o.child.kind = parse_kind(o.child_kind);
  return publisher_main(o.run, o.child, o.child_dir);
}

void run(Options& o) {
  ScratchDir root(o.dir.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path(o.dir),
                  "edgeml-bench");
  o.run.work_dir = root.path();

  // The broker as production runs it (the generated config, persistence on),
  // on a free loopback port.
  mq::BrokerConfig config;
  config.address = "127.0.0.1";
  config.port = 0;
  config.data_dir = root.path() / "broker";
  mq::Broker broker(config);
  broker.start();
  o.run.broker.host = broker.address();
  o.run.broker.port = broker.port();

  fmt::print("bench_ingest: {} events x {} repeats, {} series, window {}; {} cores; broker {}, files in {}\n",
             o.run.events, o.repeat, o.run.series, o.run.window, std::thread::hardware_concurrency(),
             o.run.broker.uri(), root.path().string());
  std::fflush(stdout);
  warm_up(o.run);
  print_table(measure(o.run, o.repeat, o.only));
}

}  // namespace

}  // namespace edgeml::bench

int main(int argc, char** argv) {
  edgeml::bench::Options o;
  CLI::App app{"events/s of publish -> broker -> collect -> SQLite, beside the broker's bare relay rate"};
  app.add_option("--events", o.run.events, "events per run")->check(CLI::Range(1, 100'000'000))->capture_default_str();
  app.add_option("--repeat", o.repeat, "runs of each case; the median is reported")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--series", o.run.series, "synthetic series the events are spread over")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--seed", o.run.seed, "seed of the synthetic events")->capture_default_str();
  app.add_option("--window", o.run.window, "publishes in flight")->check(CLI::Range(1, 65535))->capture_default_str();
  app.add_option("--dir", o.dir, "where the broker's data and the databases go (default: the temp dir)");
  app.add_option("--timeout", o.timeout_s, "seconds any one wait of a run may take")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--only", o.only, "run only these measurements (repeatable)")
      ->check(CLI::IsMember(edgeml::bench::kIds));
  app.add_option("--log-level", o.log_level, "edgeml's log level")->capture_default_str();
  // The publisher process's own options, hidden from --help.
  app.add_option("--child-publisher", o.child_kind)->group("");
  app.add_option("--child-tag", o.child.tag)->group("");
  app.add_option("--child-qos", o.child.qos)->group("");
  app.add_option("--child-host", o.run.broker.host)->group("");
  app.add_option("--child-port", o.run.broker.port)->group("");
  app.add_option("--child-dir", o.child_dir)->group("");
  CLI11_PARSE(app, argc, argv);
  try {
    edgeml::bench::remember_own_executable();
    edgeml::setup_logging(o.log_level);
    o.run.timeout = std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000));
    if (!o.child_kind.empty()) return edgeml::bench::run_child(o);
    edgeml::bench::run(o);
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_ingest: {}\n", e.what());
    return 1;
  }
  return 0;
}
