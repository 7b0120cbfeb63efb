// The benchmark's load: client::RequestClient (the client of `edgeml request`)
// in the benchmark's process, sending the tutorial's test file's requests
// over and over, a given number of them with a given number in flight.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "mqtt/connection.h"
#include "core/latency_summary.h"
#include "protocol/request.h"

namespace edgeml::bench {

struct LoadSetup {
  mq::ConnectionOptions broker;
  std::vector<Request> requests;  // sent in turn, from the first again after the last
  int qos = 0;                           // of the requests
  std::chrono::milliseconds timeout{5000};  // a reply later than this is a timeout
  // After each reply, publish the request's sensor event (alarm/..., QoS 0)
  // on a connection of its own, as the sensor would: the truth a monitoring
  // server scores its prediction against.
  bool tell_truth = false;
};

// What one run of requests gave.
struct LoadRun {
  std::uint64_t sent = 0, answered = 0, errors = 0, timeouts = 0, unmatched = 0;
  double seconds = 0;     // the first send to the last reply
  double per_second = 0;  // replies per second over `seconds`
  // CPU time of the benchmark's process (the load) per reply: bigger replies
  // cost the client more to read, on the same cores as the server.
  double client_cpu_us = 0;
  LatencySummary::Figures latency;  // p50, p90 and p99 exact, not the summary's bucket middles
  std::string first_reply;   // the first answered reply's payload, for checking
  std::string first_problem;  // the first error or timeout, for the report

  bool all_answered() const { return answered == sent && errors == 0 && timeouts == 0; }
};

// The requests of a sensor file in the tutorial's raw format; throws Error
// when it has none.
std::vector<Request> read_requests(const std::filesystem::path& file);

// Sends `count` requests, at most `concurrency` in flight, on a connection
// of its own, and waits for each reply or its timeout.
LoadRun run_load(const LoadSetup& setup, std::uint64_t count, int concurrency);

// Latency runs on two servers at once, interleaved request by request: one
// request to one side and its reply, then one to the other, the order swapped
// from pair to pair (`second_first`: the second side opens). Whatever else the
// machine does falls on both sides alike, within a round trip. After each
// reply it waits `pause`, so that what a server still does after replying
// does not overlap the other side's request. Each side's `seconds` is the sum
// of its own round trips.
std::array<LoadRun, 2> run_paired_latency(const std::array<const LoadSetup*, 2>& setups, std::uint64_t count,
                                          bool second_first, std::chrono::microseconds pause);

// Sends one request at a time until one is answered: the server has
// subscribed. Calls `check` between tries (it throws when the server died);
// throws Error when nothing answers `within`.
void wait_until_answered(const LoadSetup& setup, std::chrono::milliseconds within, const std::function<void()>& check);

}  // namespace edgeml::bench
