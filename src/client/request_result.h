// What a prediction request ends as: its result and a run's totals, and the
// payloads a request sends and its reply brings.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/latency_summary.h"
#include "protocol/request.h"

namespace edgeml::client {

struct RequestResult {
  enum class Outcome { answered, error, timeout };

  std::uint64_t sequence = 0;  // its Correlation Data
  Request request;
  Outcome outcome = Outcome::timeout;
  std::string reply;  // the reply's payload as it came (empty on a timeout)
  std::string error;  // an error reply's "error", an unreadable reply, or a failed send
  std::chrono::nanoseconds latency{0};  // from just before the first send to the reply's arrival
  int sends = 1;                        // 1 + its re-sends
};

struct RequestTotals {
  std::uint64_t sent = 0, answered = 0, errors = 0, timeouts = 0;  // sent: requests, not sends
  std::uint64_t retried = 0;     // re-sends
  std::uint64_t duplicates = 0;  // further replies to a request already answered, not counted again
  // Replies matching no request in flight nor recently answered: late (after
  // the last retry's timeout), or not ours.
  std::uint64_t unmatched = 0;
  std::size_t peak_in_flight = 0;
  std::chrono::nanoseconds elapsed{0};  // from the first send to the last result
  LatencySummary latency;               // of every reply, error replies included

  // Replies per second over `elapsed`.
  double throughput() const;
};

// The request's JSON payload: {"index":..,"value":..,"valueThreshold":..,"id":..},
// the id being the request's own when it has one, else `sequence`.
std::string request_payload(const Request& request, std::uint64_t sequence);

// Reads a reply: answered, or error with the reason (its "error", or why it is
// not a JSON object).
RequestResult::Outcome classify_reply(std::string_view payload, std::string& error);

}  // namespace edgeml::client
