// bench_serve: round-trip latency and throughput of `edgeml serve` through
// Mosquitto on loopback, beside a null responder measured in the same run.
//
// The null responder is `edgeml serve --null-responder`: the same process,
// receive path, queue, worker, parsing, reply and publish, with no model run.
// The ratio of the two is what the models and their bookkeeping cost. Both
// run at once, each behind its own broker, and the load alternates between
// them, so that what else the shared machine does falls on both alike: the
// one-at-a-time latency requests go to each side in turn, and the throughput
// runs alternate in short blocks (the order swapped from one block to the
// next). Each block of one is compared with the same block of the other, and
// the ratios' median is the figure.
#include <signal.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/logging.h"
#include "core/temp_dir.h"
#include "mqtt/broker.h"
#include "paired_blocks.h"
#include "server_process.h"

namespace edgeml::bench {

namespace {

namespace fs = std::filesystem;

// The goal: throughput at least this share of the null responder's, and a
// median latency at most this multiple of its.
constexpr double kThroughputGoal = 0.9;
constexpr double kLatencyGoal = 1.1;
constexpr std::size_t kTrainedModels = 4;

struct Options {
  std::uint64_t requests = 20000;         // per throughput run
  std::uint64_t latency_requests = 2000;  // per latency run, one at a time
  std::uint64_t warmup = 1000;            // unmeasured, after each start
  int concurrency = 64;
  // Between one latency request's reply and the next request (to the other
  // side), so a server's bookkeeping after its reply cannot overlap the other
  // side's request; the default keeps the less favourable p50 ratio
  // (bench/README.md, bench_serve: why the pause).
  int latency_pause_us = 200;
  int repeat = 3;
  int blocks = 10;  // per repeat, each side's runs split into this many, alternating
  int epochs = 5;
  std::string models;  // serve these instead of training
  std::string data_dir = EDGEML_BENCH_DATA_DIR;
  std::string request_file;  // default: DATA_DIR/1160629000_121_308_test.csv
  // The server takes requests at QoS 0 whatever they are sent with. At QoS 1
  // and over 20 in flight (mosquitto's Receive Maximum), Paho C 1.3.12's MQTT 5
  // client held publishes back for a second at a time: measured here, that is
  // a client's stall, not the server's speed.
  int qos = 0;
  double timeout_s = 5;
  std::string edgeml = EDGEML_BINARY;
  std::string dir;
  bool keep = false;
  std::string log_level = "warn";
  // What edgeml serve is compared with: "null" (the null responder: what the
  // models cost) or "no-monitoring" (edgeml serve --no-monitoring: what online
  // accuracy and data quality cost).
  std::string baseline = "null";
};

const char* kSideNames[] = {"edgeml serve", "null responder"};
bool g_null_baseline = true;  // set once from the options, before anything is measured

bool null_baseline(const Options& o) { return o.baseline == "null"; }
std::vector<std::string> baseline_args(const Options& o) {
  return {null_baseline(o) ? "--null-responder" : "--no-monitoring"};
}

double ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  double one = 0, five = 0, fifteen = 0;
  in >> one >> five >> fifteen;
  return fmt::format("{:.2f} {:.2f} {:.2f}", one, five, fifteen);
}

// What is wrong with a run's replies, or empty.
std::string reply_problems(Side side, const SideRun& run, std::size_t models) {
  std::string problems;
  for (const LoadRun* load : {&run.latency, &run.throughput})
    if (!load->all_answered())
      problems += fmt::format("{}: sent {}, answered {}, errors {}, timeouts {} (first: {}); ", kSideNames[side],
                              load->sent, load->answered, load->errors, load->timeouts, load->first_problem);
  std::size_t expected = side == kNull && g_null_baseline ? 0 : models;
  if (run.predictions != expected)
    problems += fmt::format("{}: the first reply has {} predictions, not {}: {}", kSideNames[side], run.predictions,
                            expected, run.throughput.first_reply);
  return problems;
}

// Predictions in a reply; those with an "error" are not counted.
std::size_t answered_predictions(const std::string& reply) {
  nlohmann::json json = nlohmann::json::parse(reply, nullptr, false);
  if (!json.is_object() || !json.contains("predictions")) return 0;
  std::size_t n = 0;
  for (const auto& prediction : json["predictions"]) n += prediction.contains("output") ? 1 : 0;
  return n;
}

// One side's block: its share of the paired latency run, then its throughput run.
SideRun measure_block(LoadRun latency, const LoadSetup& load, ServerProcess& server, std::uint64_t requests,
                      int concurrency) {
  SideRun run;
  run.latency = std::move(latency);
  double cpu_before = server.cpu_seconds();
  run.throughput = run_load(load, requests, concurrency);
  double cpu = server.cpu_seconds() - cpu_before;
  run.cpu_us_per_request = cpu * 1e6 / static_cast<double>(std::max<std::uint64_t>(run.throughput.answered, 1));
  run.resident_mib = static_cast<double>(server.resident_kib()) / 1024;
  run.peak_resident_mib = static_cast<double>(server.peak_resident_kib()) / 1024;
  run.predictions = answered_predictions(run.throughput.first_reply);
  return run;
}

void print_repeat(int r, int repeat, Side side, const std::vector<SideRun>& blocks) {
  auto m = [&](auto&& f) { return median(blocks, f); };
  fmt::print(stderr,
             "  repeat {}/{}  {:<14}  p50 {:.3f} ms  p99 {:.3f} ms  |  {:>6.0f} req/s  {:.1f} us CPU/request (client {:.1f}), "
             "max {:.1f} ms  |  RSS {:.1f} MiB  (medians of {} blocks)\n",
             r + 1, repeat, kSideNames[side], m([](const SideRun& b) { return ms(b.latency.latency.p50); }),
             m([](const SideRun& b) { return ms(b.latency.latency.p99); }),
             m([](const SideRun& b) { return b.throughput.per_second; }),
             m([](const SideRun& b) { return b.cpu_us_per_request; }),
             m([](const SideRun& b) { return b.throughput.client_cpu_us; }),
             m([](const SideRun& b) { return ms(b.throughput.latency.max); }), blocks.back().resident_mib,
             blocks.size());
}

// Per repeat, both servers started afresh, then the blocks alternating between them.
Samples measure(const Options& o, const std::array<LoadSetup, 2>& loads, const fs::path& models, const fs::path& work,
                std::size_t model_count, std::vector<std::string>& problems) {
  Samples samples;
  const std::uint64_t latency_requests = std::max<std::uint64_t>(o.latency_requests / o.blocks, 1);
  const std::uint64_t requests = std::max<std::uint64_t>(o.requests / o.blocks, 1);
  for (int r = 0; r < o.repeat; ++r) {
    std::array<std::unique_ptr<ServerProcess>, 2> servers;
    for (Side side : {kServe, kNull}) {
      std::string node = fmt::format("bench-{}-{}", side == kNull ? "null" : "serve", r + 1);
      servers[side] = std::make_unique<ServerProcess>(
          ServerSpec{o.edgeml, models, node, side == kNull ? baseline_args(o) : std::vector<std::string>{},
                     work / (node + ".log")},
          loads[side]);
      run_load(loads[side], o.warmup, o.concurrency);
    }
    Samples blocks;
    for (int b = 0; b < o.blocks; ++b) {
      const bool swapped = (r * o.blocks + b) % 2 == 1;
      std::array<LoadRun, 2> latency = run_paired_latency({&loads[kServe], &loads[kNull]}, latency_requests, swapped,
                                                          std::chrono::microseconds(o.latency_pause_us));
      for (Side side : swapped ? std::array{kNull, kServe} : std::array{kServe, kNull}) {
        SideRun run = measure_block(std::move(latency[side]), loads[side], *servers[side], requests, o.concurrency);
        if (std::string p = reply_problems(side, run, model_count); !p.empty()) problems.push_back(p);
        blocks[side].push_back(run);
      }
    }
    for (Side side : {kServe, kNull}) {
      servers[side]->check_running();
      servers[side]->stop();
      print_repeat(r, o.repeat, side, blocks[side]);
      samples[side].insert(samples[side].end(), blocks[side].begin(), blocks[side].end());
    }
  }
  return samples;
}

void print_row(const std::string& figure, double ours, double base, double ratio, const char* format,
               const std::string& goal) {
  fmt::print("{:<40} {:>13} {:>15} {:>6.2f}  {}\n", figure, fmt::format(fmt::runtime(format), ours),
             fmt::format(fmt::runtime(format), base), ratio, goal);
}

// Prints the table: each side's median over all blocks, and the median of
// the blocks' paired ratios; returns whether the goal holds.
bool print_table(const Options& o, const Samples& s) {
  using Figure = std::function<double(const SideRun&)>;
  auto row = [&](const std::string& name, const Figure& f, const char* format, const std::string& goal = "") {
    print_row(name, median(s[kServe], f), median(s[kNull], f), paired_ratio(s, f), format, goal);
  };
  Figure p50 = [](const SideRun& r) { return ms(r.latency.latency.p50); };
  Figure rate = [](const SideRun& r) { return r.throughput.per_second; };
  double latency_ratio = paired_ratio(s, p50);
  double rate_ratio = paired_ratio(s, rate);
  auto verdict = [](bool met) { return met ? "met" : "NOT met"; };

  fmt::print("\n{:<40} {:>13} {:>15} {:>6}  {}\n", fmt::format("figure (median of {} blocks)", s[kServe].size()),
             kSideNames[kServe], kSideNames[kNull], "ratio", "goal");
  const bool judge_latency = null_baseline(o);  // monitoring's goal is throughput alone
  row("latency p50 (ms, 1 in flight)", p50, "{:.3f}",
      judge_latency ? fmt::format("<= {:.1f}: {}", kLatencyGoal, verdict(latency_ratio <= kLatencyGoal)) : "");
  row("latency p99 (ms, 1 in flight)", [](const SideRun& r) { return ms(r.latency.latency.p99); }, "{:.3f}");
  row(fmt::format("throughput (req/s, {} in flight)", o.concurrency), rate, "{:.0f}",
      fmt::format(">= {:.1f}: {}", kThroughputGoal, verdict(rate_ratio >= kThroughputGoal)));
  row(fmt::format("latency max (ms, {} in flight)", o.concurrency),
      [](const SideRun& r) { return ms(r.throughput.latency.max); }, "{:.1f}");
  row("server CPU (us/request, throughput run)", [](const SideRun& r) { return r.cpu_us_per_request; }, "{:.1f}");
  row("load generator CPU (us/reply, same run)", [](const SideRun& r) { return r.throughput.client_cpu_us; }, "{:.1f}");
  row("server RSS after load (MiB)", [](const SideRun& r) { return r.resident_mib; }, "{:.1f}");
  row("server peak RSS (MiB)", [](const SideRun& r) { return r.peak_resident_mib; }, "{:.1f}");
  if (!judge_latency) {
    fmt::print("both load the same models and get each request's sensor event after its reply; edgeml serve "
               "inspects each request's data quality, remembers it and scores it against its event, "
               "--no-monitoring does none of it;\n"
               "ratio: the median over blocks of edgeml serve's figure over --no-monitoring's in the next block\n");
    bool met = rate_ratio >= kThroughputGoal;
    fmt::print("goal (throughput with monitoring >= {:.1f}x without): {} (throughput {}; p50 {})\n",
               kThroughputGoal, verdict(met), ratio_and_quartiles(s, rate), ratio_and_quartiles(s, p50));
    return met;
  }
  fmt::print("both load the same models; the null responder runs none and replies with empty predictions;\n"
             "ratio: the median over blocks of edgeml serve's figure over the null responder's in the next block\n");
  bool met = latency_ratio <= kLatencyGoal && rate_ratio >= kThroughputGoal;
  fmt::print("goal (throughput >= {:.1f}x the null responder's, p50 <= {:.1f}x): {} (throughput {}; p50 {})\n",
             kThroughputGoal, kLatencyGoal, verdict(met), ratio_and_quartiles(s, rate), ratio_and_quartiles(s, p50));
  return met;
}

// Trains the four models into work/models with `edgeml train`.
fs::path train_models(const Options& o, const fs::path& work) {
  fs::path out = work / "models", log = work / "train.log";
  fs::path split = fs::path(o.data_dir) / "split";
  std::vector<std::string> argv = {o.edgeml, "train", "--train", (split / "train.csv").string(), "--test",
                                   (split / "test.csv").string(), "--epochs", std::to_string(o.epochs), "--out",
                                   out.string()};
  fmt::print(stderr, "training: {}\n", fmt::join(argv, " "));
  Process train(argv, log.string());
  std::optional<int> status = train.wait_for(std::chrono::minutes(10));
  if (status != 0) {
    if (!status) train.stop(SIGKILL, std::chrono::seconds(1));
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    throw Error(fmt::format("edgeml train {}; its output:\n{}",
                            status ? fmt::format("exited with status {}", *status) : "took over 10 minutes", text));
  }
  return out;
}

// Models by name: edgeml train writes each as .tflite and .onnx, and the
// server loads one of the two.
std::size_t count_models(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".tflite" || entry.path().extension() == ".onnx")
      names.insert(entry.path().stem().string());
  return names.size();
}

// Measures with its files in `work`; returns whether every request of every
// run was answered as expected.
bool measure_in(Options& o, const fs::path& work) {
  if (o.request_file.empty()) o.request_file = (fs::path(o.data_dir) / "1160629000_121_308_test.csv").string();
  LoadSetup load;
  load.requests = read_requests(o.request_file);
  load.qos = o.qos;
  load.timeout = std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000));
  load.tell_truth = !null_baseline(o);  // to both sides: the broker's work is the same
  fs::path models = o.models.empty() ? train_models(o, work) : fs::path(o.models);
  std::size_t model_count = count_models(models);
  if (o.models.empty() && model_count != kTrainedModels)
    throw Error(fmt::format("edgeml train wrote {} models to {}, not {}", model_count, models.string(), kTrainedModels));

  // One broker for each side, as production runs it, on a free loopback port.
  std::array<std::unique_ptr<mq::Broker>, 2> brokers;
  std::array<LoadSetup, 2> loads{load, load};
  for (Side side : {kServe, kNull}) {
    mq::BrokerConfig config;
    config.address = "127.0.0.1";
    config.port = 0;
    config.data_dir = work / fmt::format("broker-{}", side == kNull ? "null" : "serve");
    brokers[side] = std::make_unique<mq::Broker>(config);
    brokers[side]->start();
    loads[side].broker.host = brokers[side]->address();
    loads[side].broker.port = brokers[side]->port();
  }

  fmt::print("bench_serve: {} models from {}; requests from {} ({} lines, QoS {}); latency: {} requests one at a time; "
             "throughput: {} requests, {} in flight; {} warm-up; {} repeats of {} blocks; {} cores, load average {}; "
             "brokers {} and {}\n",
             model_count, models.string(), o.request_file, load.requests.size(), o.qos, o.latency_requests, o.requests,
             o.concurrency, o.warmup, o.repeat, o.blocks, std::thread::hardware_concurrency(), load_average(),
             loads[kServe].broker.uri(), loads[kNull].broker.uri());
  std::fflush(stdout);
  std::vector<std::string> problems;
  Samples samples = measure(o, loads, models, work, model_count, problems);
  print_table(o, samples);
  fmt::print("load average at the end: {}\n", load_average());
  for (const std::string& p : problems) fmt::print(stderr, "bench_serve: not every request answered: {}\n", p);
  for (auto& broker : brokers) broker->stop();
  return problems.empty();
}

int run(Options& o) {
  fs::path work = make_unique_dir(o.dir.empty() ? fs::temp_directory_path() : fs::path(o.dir), "bench-serve");
  bool answered = false;
  try {
    answered = measure_in(o, work);
  } catch (...) {
    fmt::print(stderr, "(logs kept in {})\n", work.string());
    throw;
  }
  if (o.keep || !answered) fmt::print(stderr, "logs and models kept in {}\n", work.string());
  else fs::remove_all(work);
  return answered ? 0 : 1;
}

}  // namespace

}  // namespace edgeml::bench

int main(int argc, char** argv) {
  edgeml::bench::Options o;
  CLI::App app{"round-trip latency and throughput of edgeml serve, beside a null responder in the same run"};
  app.add_option("--requests", o.requests, "requests of each side's throughput runs per start")
      ->check(CLI::Range(1, 100'000'000))
      ->capture_default_str();
  app.add_option("--latency-requests", o.latency_requests, "requests of each side's latency runs per start (one at a time)")
      ->check(CLI::Range(1, 100'000'000))
      ->capture_default_str();
  app.add_option("--latency-pause", o.latency_pause_us,
                 "microseconds between a latency request's reply and the next request, to the other side")
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();
  app.add_option("--warmup", o.warmup, "unmeasured requests after each server starts")->capture_default_str();
  app.add_option("--concurrency", o.concurrency, "requests in flight in the throughput runs")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app.add_option("--repeat", o.repeat, "starts of the two servers")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--blocks", o.blocks, "per start, each side's requests split into this many blocks, alternating sides")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--epochs", o.epochs, "epochs of edgeml train (accuracy does not matter here)")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  app.add_option("--models", o.models, "serve the models of this directory instead of training them")
      ->check(CLI::ExistingDirectory);
  app.add_option("--data-dir", o.data_dir, "with split/train.csv, split/test.csv and the request file")
      ->capture_default_str();
  app.add_option("--request-file", o.request_file, "sensor file whose lines are the requests, sent over and over "
                                                   "(default: DATA_DIR/1160629000_121_308_test.csv)");
  app.add_option("--qos", o.qos, "MQTT QoS of the requests")->check(CLI::Range(0, 2))->capture_default_str();
  app.add_option("--timeout", o.timeout_s, "seconds a reply may take before the request counts as timed out")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--edgeml", o.edgeml, "the edgeml executable")->capture_default_str();
  app.add_option("--dir", o.dir, "where the broker, models and logs go (default: the temp dir)");
  app.add_flag("--keep", o.keep, "keep the models and the servers' logs");
  app.add_option("--log-level", o.log_level, "the benchmark's own log level")->capture_default_str();
  app.add_option("--baseline", o.baseline,
                 "what edgeml serve is measured against: null (the null responder: the models' cost) or "
                 "no-monitoring (edgeml serve --no-monitoring: the cost of online accuracy and data quality)")
      ->check(CLI::IsMember({"null", "no-monitoring"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (o.baseline == "no-monitoring") {
    edgeml::bench::kSideNames[edgeml::bench::kNull] = "no monitoring";
    edgeml::bench::g_null_baseline = false;
  }
  try {
    edgeml::setup_logging(o.log_level);
    return edgeml::bench::run(o);
  } catch (const std::exception& e) {  // Error, and filesystem errors
    fmt::print(stderr, "bench_serve: {}\n", e.what());
    return 1;
  }
}
