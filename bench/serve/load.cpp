#include "load.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "protocol/alarm_event.h"
#include "protocol/label.h"
#include "core/error.h"
#include "mqtt/client.h"
#include "client/request_client.h"
#include "client/request_file.h"

namespace edgeml::bench {

namespace {

using Clock = std::chrono::steady_clock;
using Outcome = client::RequestResult::Outcome;

std::unique_ptr<client::RequestClient> connected_client(const LoadSetup& setup, int concurrency,
                                                      std::chrono::milliseconds timeout) {
  client::RequestClientOptions options;
  options.client.connection = setup.broker;
  options.qos = setup.qos;
  options.concurrency = concurrency;
  options.timeout = timeout;
  options.retries = 0;  // a lost reply is the server's failure to measure, not one to hide
  auto client = std::make_unique<client::RequestClient>(options);  // not movable: Paho holds its address
  client->connect();
  return client;
}

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// The sensor of tell_truth: one event per answered request, at the
// tutorial's first event time plus its index (the value does not matter here).
class Sensor {
 public:
  explicit Sensor(const LoadSetup& setup) {
    if (!setup.tell_truth) return;
    mq::ClientOptions options;
    options.connection = setup.broker;
    static std::atomic<int> sensors{0};
    options.connection.client_id = fmt::format("bench-sensor-{}-{}", ::getpid(), ++sensors);
    client_ = std::make_unique<mq::Client>(options);
    client_->connect();
  }

  void tell(const Request& request) {
    if (!client_) return;
    AlarmEvent event{request.series, request.index, kLabelOffset + request.index, request.value, request.threshold, true};
    client_->publish(alarm_topic(event.series), format_payload(event), 0);
  }

 private:
  std::unique_ptr<mq::Client> client_;
};

// Adds the results of one or more RequestClient::run()s into a LoadRun, and
// tells each answered request's truth when asked to.
class Tally {
 public:
  explicit Tally(const LoadSetup& setup) : sensor_(setup) {}

  void on_result(const client::RequestResult& result) {
    if (result.outcome != Outcome::timeout) latencies_.push_back(result.latency);
    if (result.outcome == Outcome::answered) {
      sensor_.tell(result.request);
      if (run_.first_reply.empty()) run_.first_reply = result.reply;
    } else if (run_.first_problem.empty()) {
      run_.first_problem = result.outcome == Outcome::timeout
                               ? fmt::format("request {} timed out", result.sequence)
                               : fmt::format("request {}: {}", result.sequence, result.error);
    }
  }

  // One run() and the benchmark process's CPU time it took.
  void add(const client::RequestTotals& totals, double cpu_seconds) {
    cpu_seconds_ += cpu_seconds;
    run_.sent += totals.sent;
    run_.answered += totals.answered;
    run_.errors += totals.errors;
    run_.timeouts += totals.timeouts;
    run_.unmatched += totals.unmatched;
    elapsed_ += totals.elapsed;
    latency_.merge(totals.latency);
  }

  LoadRun finish() {
    const double replies = static_cast<double>(std::max<std::uint64_t>(latency_.count(), 1));
    run_.client_cpu_us = cpu_seconds_ * 1e6 / replies;
    run_.seconds = std::chrono::duration<double>(elapsed_).count();
    run_.per_second = run_.seconds > 0 ? static_cast<double>(latency_.count()) / run_.seconds : 0;
    run_.latency = latency_.figures();
    // The summary's percentiles are its 2%-wide buckets' middles, so a ratio
    // of two of them moves in steps of 2%: too coarse beside a goal of 1.1.
    run_.latency.p50 = exact_quantile(0.50);
    run_.latency.p90 = exact_quantile(0.90);
    run_.latency.p99 = exact_quantile(0.99);
    return std::move(run_);
  }

 private:
  // The smallest sample with at least `fraction` of all at or below it, as
  // LatencySummary::quantile defines it.
  std::chrono::nanoseconds exact_quantile(double fraction) {
    if (latencies_.empty()) return std::chrono::nanoseconds(0);
    auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(latencies_.size())));
    auto at = latencies_.begin() + static_cast<std::ptrdiff_t>(std::clamp<std::size_t>(rank, 1, latencies_.size()) - 1);
    std::nth_element(latencies_.begin(), at, latencies_.end());
    return *at;
  }

  Sensor sensor_;
  LoadRun run_;
  double cpu_seconds_ = 0;
  std::chrono::nanoseconds elapsed_{0};
  LatencySummary latency_;  // count, mean and max
  std::vector<std::chrono::nanoseconds> latencies_;  // every reply's, for exact percentiles
};

}  // namespace

std::vector<Request> read_requests(const std::filesystem::path& file) {
  client::RequestFile reader(file);
  std::vector<Request> requests;
  Request request;
  while (reader.next(request)) requests.push_back(request);
  if (requests.empty()) throw Error(fmt::format("{} holds no request", file.string()));
  return requests;
}

LoadRun run_load(const LoadSetup& setup, std::uint64_t count, int concurrency) {
  auto client = connected_client(setup, concurrency, setup.timeout);
  std::uint64_t given = 0;
  auto next = [&](Request& request) {
    if (given == count) return false;
    request = setup.requests[given++ % setup.requests.size()];
    return true;
  };
  Tally tally(setup);
  double cpu_before = process_cpu_seconds();
  client::RequestTotals totals = client->run(next, [&](const client::RequestResult& r) { tally.on_result(r); });
  tally.add(totals, process_cpu_seconds() - cpu_before);
  return tally.finish();
}

std::array<LoadRun, 2> run_paired_latency(const std::array<const LoadSetup*, 2>& setups, std::uint64_t count,
                                          bool second_first, std::chrono::microseconds pause) {
  std::array<std::unique_ptr<client::RequestClient>, 2> clients;
  std::array<std::unique_ptr<Tally>, 2> tallies;
  for (std::size_t side = 0; side < 2; ++side) {
    clients[side] = connected_client(*setups[side], 1, setups[side]->timeout);
    tallies[side] = std::make_unique<Tally>(*setups[side]);
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    for (std::size_t turn = 0; turn < 2; ++turn) {
      const std::size_t side = (i % 2 == 0) != second_first ? turn : 1 - turn;
      const LoadSetup& setup = *setups[side];
      bool given = false;
      auto one = [&](Request& request) {
        if (given) return false;
        request = setup.requests[i % setup.requests.size()];
        return given = true;
      };
      Tally& tally = *tallies[side];
      double cpu_before = process_cpu_seconds();
      client::RequestTotals totals = clients[side]->run(one, [&](const client::RequestResult& r) { tally.on_result(r); });
      tally.add(totals, process_cpu_seconds() - cpu_before);
      if (pause.count() > 0) std::this_thread::sleep_for(pause);
    }
  }
  return {tallies[0]->finish(), tallies[1]->finish()};
}

void wait_until_answered(const LoadSetup& setup, std::chrono::milliseconds within, const std::function<void()>& check) {
  // Requests reach the server at QoS 0: one sent before its subscription is
  // in place is lost, not queued, so ask again after a short wait.
  auto client = connected_client(setup, 1, std::chrono::milliseconds(300));
  const auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    check();
    bool sent = false;
    auto one = [&](Request& request) {
      if (sent) return false;
      request = setup.requests.front();
      return sent = true;
    };
    if (client->run(one, {}).answered == 1) return;
  }
  throw Error(fmt::format("no reply to a request within {} s", std::chrono::duration<double>(within).count()));
}

}  // namespace edgeml::bench
