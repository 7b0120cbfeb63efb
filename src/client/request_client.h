// Sends prediction requests over MQTT 5 and waits for their replies: each
// request carries a Response Topic (edgeml/replies/{client id}, ours alone) and
// its sequence number as Correlation Data, which the server returns with the
// reply. At most `concurrency` requests are in flight, sent no faster than
// `rate`; one unanswered for `timeout` is re-sent, as it was, up to `retries`
// times (see in_flight_table.h), then given up as a timeout, so a run ends in
// bounded time whether or not anything answers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "mqtt/client.h"
#include "client/in_flight_table.h"
#include "core/latency_summary.h"
#include "protocol/request.h"

namespace edgeml::client {

struct RequestClientOptions {
  // Connected as MQTT 5 with a clean session whatever is set here; an empty
  // client id becomes a unique one.
  mq::ClientOptions client;
  // QoS 0, as the server takes requests: at QoS 1 over MQTT 5, Paho C 1.3.12
  // stalls for about a second whenever more than the broker's Receive Maximum
  // (20 in mosquitto) of our publishes wait for acknowledgement.
  int qos = 0;
  int concurrency = 1;  // requests in flight at most
  double rate = 0;      // requests per second at most; 0: as fast as concurrency allows
  std::chrono::milliseconds timeout{5000};
  // Re-sends of a request unanswered for `timeout`. A re-send holds its
  // request's slot in `concurrency` and is paced by `rate` like any send.
  int retries = 2;
};

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

class RequestClient {
 public:
  // Gives the next request, or false when there are no more.
  using Source = std::function<bool(Request& request)>;
  // Called on run()'s thread for each request as it ends, in the order they end.
  using ResultHandler = std::function<void(const RequestResult& result)>;

  // Throws Error on options out of range or a client id unusable in a topic.
  explicit RequestClient(RequestClientOptions options);

  // Connects and subscribes to our response topic before anything is sent.
  // Throws Error when the broker cannot be reached or refuses either.
  void connect();

  // Sends all `next` gives (until `stop` is set) and returns once each has
  // been answered or has timed out.
  RequestTotals run(const Source& next, const ResultHandler& on_result, const std::atomic<bool>* stop = nullptr);

  const std::string& client_id() const { return options_.client.connection.client_id; }
  const std::string& response_topic() const { return response_topic_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Arrival {
    InFlightTable::Ended sent;
    Clock::time_point at;
    std::string payload;
  };
  class Run;

  void on_reply(const mq::Message& message);

  RequestClientOptions options_;
  std::string response_topic_;

  // Shared with Paho's receive thread.
  std::mutex mutex_;
  std::condition_variable arrived_cv_;
  InFlightTable in_flight_;
  std::vector<Arrival> arrived_;
  std::uint64_t next_sequence_ = 1;

  // Last, so it disconnects before the state its handler uses is gone.
  std::unique_ptr<mq::Client> client_;
};

}  // namespace edgeml::client
