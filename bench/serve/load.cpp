#include "load.h"

#include <time.h>
#include <unistd.h>

#include <atomic>

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "core/alarm_event.h"
#include "core/error.h"
#include "mqtt/client.h"
#include "serve/request_client.h"
#include "serve/request_file.h"

namespace edgeml::bench {

namespace {

using Clock = std::chrono::steady_clock;
using Outcome = serve::RequestResult::Outcome;

std::unique_ptr<serve::RequestClient> connected_client(const LoadSetup& setup, int concurrency,
                                                      std::chrono::milliseconds timeout) {
  serve::RequestClientOptions options;
  options.client.connection = setup.broker;
  options.qos = setup.qos;
  options.concurrency = concurrency;
  options.timeout = timeout;
  auto client = std::make_unique<serve::RequestClient>(options);  // not movable: Paho holds its address
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
    mqtt::ClientOptions options;
    options.connection = setup.broker;
    static std::atomic<int> sensors{0};
    options.connection.client_id = fmt::format("bench-sensor-{}-{}", ::getpid(), ++sensors);
    client_ = std::make_unique<mqtt::Client>(options);
    client_->connect();
  }

  void tell(const serve::Request& request) {
    if (!client_) return;
    AlarmEvent event{request.series, request.index, 1487508915.0 + request.index, request.value, request.threshold, true};
    client_->publish(alarm_topic(event.series), format_payload(event), 0);
  }

 private:
  std::unique_ptr<mqtt::Client> client_;
};

}  // namespace

std::vector<serve::Request> read_requests(const std::filesystem::path& file) {
  serve::RequestFile reader(file);
  std::vector<serve::Request> requests;
  serve::Request request;
  while (reader.next(request)) requests.push_back(request);
  if (requests.empty()) throw Error(fmt::format("{} holds no request", file.string()));
  return requests;
}

LoadRun run_load(const LoadSetup& setup, std::uint64_t count, int concurrency) {
  auto client = connected_client(setup, concurrency, setup.timeout);
  std::uint64_t given = 0;
  auto next = [&](serve::Request& request) {
    if (given == count) return false;
    request = setup.requests[given++ % setup.requests.size()];
    return true;
  };
  LoadRun run;
  Sensor sensor(setup);
  auto on_result = [&](const serve::RequestResult& result) {
    if (result.outcome == Outcome::answered) {
      sensor.tell(result.request);
      if (run.first_reply.empty()) run.first_reply = result.reply;
    } else if (run.first_problem.empty()) {
      run.first_problem = result.outcome == Outcome::timeout ? fmt::format("request {} timed out", result.sequence)
                                                              : fmt::format("request {}: {}", result.sequence, result.error);
    }
  };
  double cpu_before = process_cpu_seconds();
  serve::RequestTotals totals = client->run(next, on_result);
  double cpu = process_cpu_seconds() - cpu_before;
  run.client_cpu_us = cpu * 1e6 / static_cast<double>(std::max<std::uint64_t>(totals.latency.count(), 1));
  run.sent = totals.sent;
  run.answered = totals.answered;
  run.errors = totals.errors;
  run.timeouts = totals.timeouts;
  run.unmatched = totals.unmatched;
  run.seconds = std::chrono::duration<double>(totals.elapsed).count();
  run.per_second = totals.throughput();
  run.latency = totals.latency.figures();
  return run;
}

void wait_until_answered(const LoadSetup& setup, std::chrono::milliseconds within, const std::function<void()>& check) {
  // Requests reach the server at QoS 0: one sent before its subscription is
  // in place is lost, not queued, so ask again after a short wait.
  auto client = connected_client(setup, 1, std::chrono::milliseconds(300));
  const auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    check();
    bool sent = false;
    auto one = [&](serve::Request& request) {
      if (sent) return false;
      request = setup.requests.front();
      return sent = true;
    };
    if (client->run(one, {}).answered == 1) return;
  }
  throw Error(fmt::format("no reply to a request within {} s", std::chrono::duration<double>(within).count()));
}

}  // namespace edgeml::bench
